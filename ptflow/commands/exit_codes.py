"""The `ptflow` command's exit codes: 0 success, 1 the input has errors (or the run failed), 2 usage.

A module of their own, importing nothing, so that a command that must start fast (`ptflow lsp`, which
answers its editor before importing anything heavy) can use them without `common`'s imports.
"""

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
