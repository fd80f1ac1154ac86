;;; ptflow-mode.el --- ptflow pipelines in Emacs, with eglot  -*- lexical-binding: t; -*-

;; A major mode for .ptflow files and the eglot registration of `ptflow lsp'.
;; Works with Emacs 28 and eglot 1.9 (Debian 12's elpa-eglot) and with the
;; eglot built into Emacs 29 and newer.  Put this file on `load-path' and:
;;
;;     (require 'ptflow-mode)
;;     ;; another server command:  (setq ptflow-server-command '("/path/.venv/bin/ptflow" "lsp"))
;;
;; `ptflow-mode' starts eglot in each ptflow buffer; `eglot-format-buffer'
;; formats as `ptflow fmt' does.

(require 'eglot)

(defgroup ptflow nil "ptflow pipelines." :group 'languages)

(defcustom ptflow-server-command '("ptflow" "lsp")
  "The command that starts ptflow's language server."
  :type '(repeat string))

(defvar ptflow-font-lock-keywords
  `((,(regexp-opt '("import" "as" "component" "pipeline" "for" "in" "parallel" "if" "elif"
                    "else" "finally" "try" "with" "return" "and" "or" "not")
                  'symbols)
     . font-lock-keyword-face)
    (,(regexp-opt '("true" "false" "null") 'symbols) . font-lock-constant-face)))

;;;###autoload
(define-derived-mode ptflow-mode prog-mode "ptflow"
  "Major mode for ptflow pipelines."
  (modify-syntax-entry ?# "<" ptflow-mode-syntax-table)
  (modify-syntax-entry ?\n ">" ptflow-mode-syntax-table)
  (modify-syntax-entry ?' "\"" ptflow-mode-syntax-table)
  (modify-syntax-entry ?_ "_" ptflow-mode-syntax-table)
  (setq-local comment-start "# ")
  (setq-local comment-start-skip "#+\\s-*")
  (setq-local indent-tabs-mode nil)
  (setq-local tab-width 4)
  (setq-local font-lock-defaults '(ptflow-font-lock-keywords)))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.ptflow\\'" . ptflow-mode))

;; A function, so a changed `ptflow-server-command' is read when the server starts.
(add-to-list 'eglot-server-programs
             `(ptflow-mode . ,(lambda (&rest _) ptflow-server-command)))
(add-hook 'ptflow-mode-hook #'eglot-ensure)

(provide 'ptflow-mode)
;;; ptflow-mode.el ends here
