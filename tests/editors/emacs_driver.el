;;; emacs_driver.el --- drives Emacs + eglot through editors/emacs/ptflow-mode.el  -*- lexical-binding: t; -*-
;; tests/editors/test_emacs.py runs `emacs --batch -l emacs_driver.el' and checks the JSON written
;; to $PTFLOW_EMACS_RESULT: what eglot received for a diagnostic, a completion, a hover, a
;; definition into the standard library, a rename and a format.
(require 'package)
(package-initialize)                    ; Debian's elpa-eglot on Emacs 28
(require 'json)
(add-to-list 'load-path (getenv "PTFLOW_EMACS_SETUP_DIR"))
(require 'ptflow-mode)
(setq ptflow-server-command (json-read-from-string (getenv "PTFLOW_EMACS_SERVER")))
(setq ptflow-server-command (append ptflow-server-command nil)) ; vector -> list

(defvar ptflow-test-results nil)
(defun ptflow-test-record (key value) (push (cons key value) ptflow-test-results))
(defun ptflow-test-finish ()
  (with-temp-file (getenv "PTFLOW_EMACS_RESULT") (insert (json-encode ptflow-test-results)))
  (kill-emacs 0))
(defun ptflow-test-wait (predicate)
  (let ((deadline (+ (float-time) 30)))
    (while (and (< (float-time) deadline) (not (funcall predicate)))
      (accept-process-output nil 0.05))
    (funcall predicate)))
(defun ptflow-test-goto (text offset)
  (goto-char (point-min))
  (search-forward text)
  (goto-char (+ (match-beginning 0) offset)))

(condition-case err
    (progn
      (find-file (concat (getenv "PTFLOW_EMACS_PROJECT") "/main.ptflow"))
      (ptflow-test-record 'mode (symbol-name major-mode))
      ;; `eglot-ensure' starts the server after the first command; batch Emacs runs none.
      (unless (eglot-current-server) (apply #'eglot (eglot--guess-contact)))
      (unless (ptflow-test-wait (lambda () (flymake-diagnostics)))
        (error "no diagnostics arrived"))
      (ptflow-test-record
       'diagnostics
       (vconcat (mapcar (lambda (d) `((line . ,(line-number-at-pos (flymake-diagnostic-beg d)))
                                      (text . ,(flymake-diagnostic-text d))))
                        (flymake-diagnostics))))
      ;; completion after `torch.'
      (ptflow-test-goto "torch.train(" (length "torch."))
      (let ((capf (eglot-completion-at-point)))
        (ptflow-test-record 'completion (vconcat (all-completions "" (nth 2 capf)))))
      ;; hover on `train'
      (ptflow-test-goto "torch.train(" (length "torch.t"))
      (let ((hover (jsonrpc-request (eglot--current-server-or-lose) :textDocument/hover
                                    (eglot--TextDocumentPositionParams))))
        (ptflow-test-record 'hover (plist-get (plist-get hover :contents) :value)))
      ;; definition of `train': into the standard library
      (let* ((identifier (xref-backend-identifier-at-point 'eglot))
             (location (xref-item-location (car (xref-backend-definitions 'eglot identifier)))))
        (ptflow-test-record 'definition `((file . ,(xref-location-group location))
                                          (line . ,(xref-location-line location)))))
      ;; rename the step `data' to `digits'
      (ptflow-test-goto "data = " 0)
      (eglot-rename "digits")
      (ptflow-test-record 'after_rename (buffer-substring-no-properties (point-min) (point-max)))
      ;; format another file
      (find-file (concat (getenv "PTFLOW_EMACS_PROJECT") "/messy.ptflow"))
      (unless (eglot-current-server) (apply #'eglot (eglot--guess-contact)))
      (ptflow-test-wait (lambda () (eglot-current-server)))
      (eglot-format-buffer)
      (ptflow-test-record 'formatted (buffer-substring-no-properties (point-min) (point-max)))
      (ptflow-test-finish))
  (error (ptflow-test-record 'error (error-message-string err))
         (ptflow-test-finish)))
