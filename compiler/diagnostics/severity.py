"""How bad a diagnostic is: its own module because the model and the code catalogue both need it."""

from __future__ import annotations

import enum


class Severity(enum.IntEnum):
    """How bad a diagnostic is; the numbers are LSP's DiagnosticSeverity."""

    ERROR = 1
    WARNING = 2
    INFO = 3
    HINT = 4

    @property
    def label(self) -> str:
        return self.name.lower() if self is not Severity.INFO else "note"
