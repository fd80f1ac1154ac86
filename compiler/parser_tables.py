"""The clean parser's tables on disk, so that a text without syntax errors is parsed without importing lark.

`CleanParser` (`clean_parser.py`) reads its LALR tables, lexer regex, keyword
list and tree-shaping rules from lark's parser object.  Importing lark and
loading that object from lark's own cache costs a cold `ptflow compile` about
25 ms of CPU (lark and the standard modules it pulls in: tempfile, logging,
pickle, hashlib, ...), more than the rest of the parse of a small program.
So what the clean parser reads is kept here, in a `marshal` file of plain
values next to lark's cache (the temporary folder), and lark is imported
only to report a syntax error, or to build the tables when the file is
missing or stale.

The file is the tables of one grammar text, one lark installation and one
Python: all three are part of the key written in the file and compared in
full when it is read (its name has a hash of the key, so two grammars,
as in the tests, each keep theirs).  lark's version is read from the stamp
(size and modification time) of its `__init__.py`, found without importing
it.  A file that is missing, stale, unreadable or corrupt is rebuilt through
lark and written atomically (a temporary file renamed over it); where it
can't be written (a read-only folder) the parse goes on without it.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from collections.abc import Callable
from importlib.machinery import PathFinder

from ptflow.compiler.clean_parser import CleanParser

# Bump when what `CleanParser.to_data` writes changes shape.
FORMAT = 1


def cache_folder() -> str:
    """The folder lark keeps its cache in (`tempfile.gettempdir()`), found without importing `tempfile`."""
    for variable in ("TMPDIR", "TEMP", "TMP"):
        folder = os.environ.get(variable)
        if folder:
            return folder
    return "/tmp"


def _lark_stamp() -> tuple:
    """Where lark's `__init__.py` is, its size and modification time: a new lark version (or a reinstall)
    changes them.  Found through the import system's path search, which loads nothing."""
    spec = PathFinder.find_spec("lark")
    if spec is None or spec.origin is None:
        return ("no lark",)
    stat = os.stat(spec.origin)
    return (spec.origin, stat.st_size, stat.st_mtime_ns)


def cache_key(grammar: str, options: str) -> tuple:
    """What the tables depend on: the grammar text, lark's options, lark itself, Python (marshal's format)."""
    return (FORMAT, sys.hexversion, _lark_stamp(), options, grammar)


def cache_path(key: tuple) -> str:
    digest = hashlib.sha256(repr(key).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    # The user's own file (as lark's cache is), so no other user of a shared temporary folder writes the
    # tables this user's files are parsed with.
    user = getattr(os, "getuid", lambda: "user")()
    return os.path.join(cache_folder(), f".ptflow_parser_tables_{user}_{digest}.marshal")


def load(key: tuple, methods: dict[str, Callable], max_nesting: int) -> CleanParser | None:
    """The clean parser kept for `key`, or None where there is none, or it is stale or corrupt."""
    try:
        with open(cache_path(key), "rb") as file:
            stored_key, data = marshal.load(file)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if stored_key != key:
        return None  # another grammar, lark or Python whose key has the same hash
    try:
        return CleanParser.from_data(data, methods, max_nesting)
    except Exception:  # noqa: BLE001 (garbage data raises anything: KeyError, TypeError, re.error, ...)
        return None  # written by something else, or mangled: rebuilt by the caller


def store(key: tuple, parser: CleanParser) -> None:
    """Keep `parser`'s tables for `key`; where the folder can't be written, nothing is kept (and nothing said:
    the next process builds them again)."""
    path = cache_path(key)
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        with open(temporary, "wb") as file:
            marshal.dump((key, parser.to_data()), file)
        os.replace(temporary, path)  # atomic: a reader sees the old file or the whole new one
    except (OSError, ValueError):
        try:
            os.unlink(temporary)
        except OSError:
            pass
