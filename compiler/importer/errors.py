"""The one error an import ends with: what could not be brought in, and where in the source document."""

from __future__ import annotations

from ptflow.compiler.diagnostics import codes
from ptflow.compiler.records import record


class ImportRefused(Exception):
    """`code` is a catalogue code (PTF920 not a KFP document, PTF921 a feature ptflow can't express)."""

    def __init__(self, code: str, where: str, message: str):
        super().__init__(f"{where}: {message}" if where else message)
        self.code = code
        self.where = where
        self.message = message


@record
class MeaningChange:
    """What imports, and compiles back for kfp-v1 as it was, but means something else on KFP v2 (PTF922)."""

    where: str
    message: str
    code: str = codes.IMPORT_MEANING_CHANGES


NOT_KFP = codes.NOT_A_KFP_DOCUMENT
CANT_EXPRESS = codes.NOT_EXPRESSIBLE_IN_PTFLOW


def path_of(*parts) -> str:
    """`components.comp-a.executorLabel`-style path: a base path, then keys (a key with a dot is quoted)."""
    out = []
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        else:
            text = str(part)
            if not out:
                out.append(text)  # the first part is a path already
            else:
                out.append(f"[{text!r}]" if "." in text else "." + text)
    return "".join(out)
