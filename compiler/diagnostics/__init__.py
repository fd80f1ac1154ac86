"""Diagnostics: what every phase of ptflow reports, and every way it is shown.

- `model`: `Diagnostic` (code, severity, span, message, related spans, hint, fix)
  and `Diagnostics`, the one list every phase reports into;
- `severity`: `Severity`, error to hint (LSP's numbering);
- `codes`: the catalogue, one named constant per code (`codes.UNKNOWN_OPTION`
  is "PTF210") with its title, default severity and `ptflow explain` text;
- `suggestions`: "did you mean"; a suggestion carries the `Fix` that applies it;
- `text`: the compiler-style rendering (file:line:col, the line, carets);
- `json_format`: the `--format json` objects;
- `sarif`: SARIF 2.1.0 logs for code-scanning tools.

The language server (ptflow/lsp/diagnostics.py) only converts these objects
to LSP types: fixes and deduplication happen here, once, for every output.
The model, severity, codes and suggestions are re-exported here; the
renderers are imported from their modules when something is printed.
"""

from ptflow.compiler.diagnostics import codes
from ptflow.compiler.diagnostics.model import Diagnostic, Diagnostics, Related
from ptflow.compiler.diagnostics.severity import Severity
from ptflow.compiler.diagnostics.suggestions import Fix, Suggestion, did_you_mean

__all__ = ["Diagnostic", "Diagnostics", "Fix", "Related", "Severity", "Suggestion", "codes", "did_you_mean"]
