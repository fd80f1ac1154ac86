"""Importing lark without the third-party `regex` module.

lark imports `regex`, when it is installed, for its `regex=True` option
(Unicode categories in terminals).  ptflow's grammar doesn't use that option,
and the import costs about 10 ms of CPU in every cold `ptflow` command (5% of
`ptflow compile`).  So `regex` is hidden while lark is imported (lark then
uses Python's `re`, as it does wherever `regex` isn't installed), and visible
again for anything else that imports it later.  Import this module before lark.
"""

from __future__ import annotations

import sys

if "lark" not in sys.modules and "regex" not in sys.modules:
    sys.modules["regex"] = None  # type: ignore[assignment]  # makes `import regex` raise ImportError
    try:
        import lark  # noqa: F401
    finally:
        del sys.modules["regex"]
