"""The ptflow language server (`ptflow lsp`): LSP over stdio, built on pygls.

- `server`: the server's state and its LSP features;
- `scheduler`: debounced checks in a worker thread;
- `analysis`: one document's check, lint findings and index;
- `diagnostics`, `fixes`, `explain`: diagnostics as LSP sees them, their quick fixes and code links;
- `completion`, `hover`, `navigation`, `symbols`, `formatting`: the other features;
- `positions`: compiler spans <-> LSP positions (the only place they are converted).

The compiler does the work (`ptflow.compiler.api.check_file`, `ptflow.compiler.index`);
nothing here parses or checks on its own.
"""
