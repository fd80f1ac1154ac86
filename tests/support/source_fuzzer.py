"""A seeded, grammar-aware mutation fuzzer for .ptflow source, and the oracle it is judged by.

Seeds are the examples and the standard library.  Each input is one seed cut
into tokens (a small lexer of its own: strings, f-strings, numbers, names,
punctuation, whitespace, comments) and changed by one to four mutations:
tokens deleted, duplicated (once or hundreds of times), swapped or inserted
from the language's vocabulary; values wrapped in deep brackets; numbers made
huge; odd Unicode (a lone surrogate, NUL, a BOM, right-to-left marks,
combining marks, astral characters) put in; the file cut short.  The same
(seed, index) always gives the same input, so a failure is reproduced by its
number alone.

The oracle (`judge`): checking, compiling for every target, and formatting
never raise; no diagnostic is an internal error (PTF502) or a code outside the
catalogue.  tests/compiler/test_source_fuzzer.py runs a few thousand inputs;
benchmarks/fuzz_compiler.py runs as many as you like.
"""

from __future__ import annotations

import random
import re
import traceback
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SEED_FILES = sorted(REPO.glob("examples/**/*.ptflow")) + sorted(REPO.glob("stdlib/**/*.ptflow"))

_TOKEN = re.compile(
    r'''
    f?"""(?:[^\\]|\\.)*?"""|f?\'\'\'(?:[^\\]|\\.)*?\'\'\'   # triple-quoted strings
  | f?"(?:[^"\\\n]|\\.)*"|f?'(?:[^'\\\n]|\\.)*'           # strings and f-strings
  | \#[^\n]*                                               # comments
  | -?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?                       # numbers
  | [A-Za-z_][A-Za-z0-9_]*                                 # names and keywords
  | ->|==|!=|<=|>=                                         # two-character operators
  | \s+                                                    # whitespace
  | .                                                      # any other character
''',
    re.S | re.X,
)

VOCABULARY = [
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    "=",
    ".",
    "?",
    "->",
    "<",
    ">",
    "==",
    "with",
    "for",
    "in",
    "parallel",
    "if",
    "elif",
    "else",
    "finally",
    "return",
    "pipeline",
    "component",
    "import",
    "as",
    "and",
    "or",
    "not",
    "true",
    "false",
    "null",
    '"',
    "'",
    'f"{',
    '"""',
    "#",
    "##",
    "0",
    "-1",
    "1e3",
    "x",
    "pipeline.job_id",
    "list[",
    "dict",
    "Model",
    "Artifact<",
    '"a.yaml"',
    "stdlib",
    "after",
    "image",
    "command",
    "@",
    "\\",
    "$",
    "\n",
    " ",
    "\t",
]
ODD_TEXT = [
    "\ud800",
    "\udfff",
    "\x00",
    "\ufeff",
    "\u202e",
    "\u200b",
    "e\u0301",
    "\U0001f600",
    "\r",
    "\r\n",
    "\u2028",
    "\xa0",
    "ß",
    "İ",
    "\x1b[31m",
    "\\u0000",
]
HUGE = [
    "9" * 5000,
    "9" * 400,
    "-" + "9" * 25,
    "9223372036854775808",
    "1e999",
    "-1e999",
    "1e-999",
    "0" * 300,
    "1" + "0" * 4300,
    "1.7976931348623157e308",
]
TARGETS = ("kfp-v2", "kfp-v1", "vertex")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


class Mutator:
    """The inputs of one run: input `index` is the same text whatever ran before it."""

    def __init__(self, seed: int, seeds: list[Path] | None = None):
        self.seed = seed
        self.files = seeds or SEED_FILES
        self.texts = {path: path.read_text(encoding="utf-8") for path in self.files}
        self.token_lists = {path: tokens(text) for path, text in self.texts.items()}

    def case(self, index: int) -> tuple[Path, str, list[str]]:
        """(the seed file, the mutated text, what was done) of input `index`."""
        rng = random.Random(f"{self.seed}:{index}")
        path = rng.choice(self.files)
        pieces = list(self.token_lists[path])
        done = []
        for _ in range(rng.randint(1, 4)):
            mutation = rng.choice(_MUTATIONS)
            done.append(mutation(rng, pieces))
        return path, "".join(pieces), done


def _meaningful(rng: random.Random, pieces: list[str]) -> int:
    """The index of a random token that is not whitespace (or any token, if there is none)."""
    for _ in range(20):
        index = rng.randrange(len(pieces)) if pieces else 0
        if pieces and not pieces[index].isspace():
            return index
    return rng.randrange(len(pieces)) if pieces else 0


def _delete(rng, pieces):
    if not pieces:
        return "delete (empty)"
    index = _meaningful(rng, pieces)
    count = rng.choice([1, 1, 1, 2, 3, 8])
    del pieces[index : index + count]
    return f"delete {count} at {index}"


def _duplicate(rng, pieces):
    if not pieces:
        return "duplicate (empty)"
    index = _meaningful(rng, pieces)
    times = rng.choice([1, 1, 2, 5, 50, 500, 3000])
    pieces[index : index + 1] = [pieces[index]] * (times + 1)
    return f"duplicate {pieces[index]!r} x{times} at {index}"


def _swap(rng, pieces):
    if len(pieces) < 2:
        return "swap (short)"
    first, second = _meaningful(rng, pieces), _meaningful(rng, pieces)
    if rng.random() < 0.5:  # neighbours, the likelier typo
        second = min(len(pieces) - 1, first + rng.choice([1, 2]))
    pieces[first], pieces[second] = pieces[second], pieces[first]
    return f"swap {first} {second}"


def _insert(rng, pieces):
    index = rng.randrange(len(pieces) + 1)
    token = rng.choice(VOCABULARY)
    pieces.insert(index, token)
    return f"insert {token!r} at {index}"


def _odd_unicode(rng, pieces):
    index = rng.randrange(len(pieces) + 1)
    text = rng.choice(ODD_TEXT)
    if pieces and index < len(pieces) and pieces[index][:1] in "\"'f" and rng.random() < 0.5:
        piece = pieces[index]  # inside a string literal, where it survives the lexer
        middle = len(piece) // 2
        pieces[index] = piece[:middle] + text + piece[middle:]
    else:
        pieces.insert(index, text)
    return f"unicode {text!r} at {index}"


def _huge_number(rng, pieces):
    numbers = [i for i, piece in enumerate(pieces) if re.fullmatch(r"-?\d[\d.eE+-]*", piece)]
    index = rng.choice(numbers) if numbers and rng.random() < 0.8 else _meaningful(rng, pieces)
    number = rng.choice(HUGE)
    if pieces:
        pieces[index] = number
    else:
        pieces.append(number)
    return f"number {number[:12]}.. at {index}"


def _deep_nesting(rng, pieces):
    depth = rng.choice([50, 99, 101, 150, 300, 500, 1000])
    opener, closer = rng.choice(
        [("[", "]"), ("(", ")"), ("{a: ", "}"), ("f(a: ", ")"), ("not ", ""), ("if x {", "}"), ("[", "")]
    )
    index = _meaningful(rng, pieces) if pieces else 0
    target = pieces[index] if pieces else "x"
    pieces[index : index + 1] = [opener * depth + target + closer * depth]
    return f"nest {opener!r} x{depth} at {index}"


def _long_name(rng, pieces):
    names = [i for i, piece in enumerate(pieces) if re.fullmatch(r"[A-Za-z_]\w*", piece)]
    if not names:
        return "long name (none)"
    index = rng.choice(names)
    pieces[index] = pieces[index] * rng.choice([50, 300, 5000])
    return f"long name at {index}"


def _truncate(rng, pieces):
    keep = rng.randrange(len(pieces) + 1)
    del pieces[keep:]
    return f"truncate at {keep}"


_MUTATIONS = [
    _delete,
    _delete,
    _duplicate,
    _duplicate,
    _swap,
    _insert,
    _insert,
    _odd_unicode,
    _huge_number,
    _deep_nesting,
    _long_name,
    _truncate,
]


# ------------------------------------------------------------------ the oracle


@dataclass
class Failure:
    index: int
    seed_file: str
    mutations: list[str]
    problem: str


def judge(seed_file: Path, text: str, loader=None, targets=TARGETS, format_too: bool = True) -> str | None:
    """What is wrong with how ptflow answered `text`, or None if nothing.

    The text is checked as an unsaved file next to its seed (so relative
    imports resolve), never as the seed itself, so a shared loader's parses of
    real modules stay true.
    """
    path = seed_file.parent / "__fuzzed__.ptflow"
    try:
        return _judge(path, text, loader, targets, format_too)
    finally:
        if loader is not None:
            loader.set_overlay(str(path), None)


def _judge(path: Path, text: str, loader, targets, format_too: bool) -> str | None:
    from ptflow.compiler.api import check_file, compile_file
    from ptflow.compiler.diagnostics.codes import CODES
    from ptflow.compiler.formatter import FormatError, FormatterBug, format_source

    try:
        checked = check_file(str(path), text, loader=loader)
        problem = _bad_diagnostics(checked.diagnostics, CODES)
        if problem:
            return problem
        if not any(d.is_error for d in checked.diagnostics):
            for target in targets:
                compiled = compile_file(str(path), target, text=text, loader=loader)
                problem = _bad_diagnostics(compiled.diagnostics, CODES)
                if problem:
                    return f"{target}: {problem}"
        # The formatter refuses a file with syntax errors after the very parse `check` just made; only
        # files that parse are worth its time.
        if format_too and not any(d.code.startswith("PTF1") and d.is_error for d in checked.diagnostics):
            try:
                format_source(text, str(path))
            except FormatterBug as bug:
                return f"formatter bug: {str(bug)[:300]}"
            except FormatError:
                pass  # refusing a file with syntax errors is the right answer
    except Exception:  # noqa: BLE001 - any exception at all is what the fuzzer looks for
        return "exception:\n" + traceback.format_exc(limit=-6)
    return None


def _bad_diagnostics(diagnostics, codes) -> str | None:
    for diagnostic in diagnostics:
        if diagnostic.code == "PTF502":
            return f"internal error PTF502: {diagnostic.message[:300]}"
        if diagnostic.code not in codes:
            return f"uncatalogued code {diagnostic.code}: {diagnostic.message[:200]}"
    return None


def run(
    seed: int, count: int, start: int = 0, loader_factory=None, targets=TARGETS, format_too: bool = True, on_case=None
) -> list[Failure]:
    """Judge inputs start..start+count-1 of `seed`; the failures, each with what reproduces it."""
    mutator = Mutator(seed)
    loader = loader_factory() if loader_factory else None
    failures = []
    for index in range(start, start + count):
        path, text, done = mutator.case(index)
        problem = judge(path, text, loader, targets, format_too)
        if problem:
            failures.append(Failure(index, str(path.relative_to(REPO)), done, problem))
        if on_case:
            on_case(index)
    return failures
