"""The editor's TextMate grammar against the compiler's own grammar.

Every .ptflow file we have that parses (the grammar tests' sources, the
examples and the standard library) is read twice: by lark with
grammar/ptflow.lark, as the compiler reads it, and by vscode-textmate with
syntaxes/ptflow.tmLanguage.json, as VS Code colours it.  Each token the
compiler sees must be coloured as what it is: every keyword as that keyword,
strings as strings, a step's name as a step, a keyword argument as one, and so
on.  Nothing in a valid file may be marked invalid, every begin/end rule must
be closed at the end of the file, and every character must get a scope of its
own.  A keyword or token added to ptflow.lark makes these tests fail until the
TextMate grammar (and this file's table) learn it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import lark
import pytest
from lark import Token, Tree

from ptflow.compiler import types as ptflow_types
from ptflow.compiler.components import RUNTIME_PLACEHOLDERS
from ptflow.compiler.parser import get_parser as compiler_parser
from ptflow.compiler.parser import parse_module
from ptflow.compiler.pipeline_checker import BUILTINS, PIPELINE_VALUES
from ptflow.grammar import GRAMMAR_PATH
from tests.editors.conftest import GRAMMAR_TESTS_DIR, REPO, tokenize

# What each keyword of ptflow.lark must be coloured as (innermost scope, less ".ptflow").
KEYWORD_SCOPES: dict[str, tuple[str, ...]] = {
    "import": ("keyword.control.import",),
    "as": ("keyword.control.import",),
    "component": ("storage.type.component",),
    # `pipeline` starts a definition, and is also the namespace of `pipeline.job_name`.
    "pipeline": ("storage.type.pipeline", "variable.language.pipeline"),
    "for": ("keyword.control.loop",),
    "in": ("keyword.control.loop",),
    "parallel": ("keyword.control.loop",),
    "if": ("keyword.control.conditional",),
    "elif": ("keyword.control.conditional",),
    "else": ("keyword.control.conditional",),
    "finally": ("keyword.control.finally",),
    "try": ("keyword.control.try",),
    "return": ("keyword.control.return",),
    "with": ("keyword.other.with",),
    "and": ("keyword.operator.logical",),
    "or": ("keyword.operator.logical",),
    "not": ("keyword.operator.logical",),
    "true": ("constant.language.boolean",),
    "false": ("constant.language.boolean",),
    "null": ("constant.language.null",),
}

# Punctuation and operators: the scope each must have, by prefix.
SYMBOL_SCOPES: dict[str, tuple[str, ...]] = {
    "LPAR": ("punctuation.",),
    "RPAR": ("punctuation.",),
    "LSQB": ("punctuation.",),
    "RSQB": ("punctuation.",),
    "LBRACE": ("punctuation.",),
    "RBRACE": ("punctuation.",),
    "COMMA": ("punctuation.separator.element",),
    "COLON": ("punctuation.separator.",),
    "DOT": ("punctuation.accessor", "punctuation.separator.period"),
    "EQUAL": ("keyword.operator.assignment",),
    "EQ": ("keyword.operator.comparison",),
    "NE": ("keyword.operator.comparison",),
    "LE": ("keyword.operator.comparison",),
    "GE": ("keyword.operator.comparison",),
    # `<` and `>` compare, or bracket a schema title: Artifact<"google.VertexModel">.
    "LESSTHAN": ("keyword.operator.comparison", "punctuation.definition.schema-title.begin"),
    "MORETHAN": ("keyword.operator.comparison", "punctuation.definition.schema-title.end"),
    "_ARROW": ("keyword.operator.arrow",),
    "OPTIONAL": ("keyword.operator.optional",),
}

# Terminals whose every character is checked against a scope somewhere in its stack.
LITERAL_SCOPES: dict[str, str] = {
    "STRING": "string.quoted",
    "FSTRING": "string.interpolated",
    "SIGNED_INT": "constant.numeric.integer",
    "SIGNED_FLOAT": "constant.numeric.float",
    "COMMENT": "comment.line",
}

# `importer` is a step; `if_present` and `concat` build a component's command line.
BUILTIN_FUNCTIONS = {*BUILTINS, "if_present", "concat"}
ASSERTION_LINE = re.compile(r"^#\s*(\^|<~*-+)")
FSTRING_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


@cache
def lark_parser() -> lark.Lark:
    """The compiler's grammar with a plain lexer, so tokens and trees come back untouched."""
    return lark.Lark(
        GRAMMAR_PATH.read_text(),
        parser="lalr",
        lexer="basic",
        start=compiler_parser().options.start,
        maybe_placeholders=True,
    )


def field_start_rule() -> str:
    """The rule the compiler parses an f-string's `{...}` field with (its start rule other than `start`, and
    other than `statements`, the language server's parse of a stretch of a pipeline body)."""
    [rule] = [start for start in compiler_parser().options.start if start not in ("start", "statements")]
    return rule


def keyword_terminals() -> dict[str, str]:
    """Terminal name -> text, for every keyword of ptflow.lark."""
    return {
        t.name: t.pattern.value
        for t in lark_parser().terminals
        if t.pattern.type == "str" and t.pattern.value.isalpha()
    }


def grammar_test_source(path: Path) -> str:
    """What vscode-tmgrammar-test tokenizes: the file less its header and assertion lines."""
    lines = path.read_text().split("\n")[1:]
    return "\n".join(line for line in lines if not ASSERTION_LINE.match(line))


def compiler_tables_source() -> str:
    """A file using every type and built-in name the compiler knows, from the compiler's own tables.

    A type or `pipeline.` member added to the compiler shows up here, so the
    grammar must learn it even before an example uses it.
    """
    types = [*ptflow_types.PARAMETER_TYPES, *ptflow_types.ARTIFACT_TYPES, ptflow_types.STATUS]
    params = ", ".join(f"p{number}: {name}" for number, name in enumerate(types))
    members = [
        f"{namespace}.{member}"
        for namespace in sorted(RUNTIME_PLACEHOLDERS)
        for member in sorted(builtin_members(namespace))
    ]
    arguments = ", ".join(f"a{number}: {member}" for number, member in enumerate(members))
    builtins = "\n".join(f"    b{number} = {name}(x: 1)" for number, name in enumerate(sorted(BUILTINS)))
    return (
        f'component every_type({params}) {{\n    image = "alpine"\n}}\n'
        f"pipeline every_member() {{\n    step = every_type({arguments})\n{builtins}\n}}\n"
    )


def corpus() -> dict[str, str]:
    """Every .ptflow text to compare, by name: grammar tests (but the one of errors), examples, stdlib."""
    texts = {
        f"editors/vscode/tests/{p.name}": grammar_test_source(p)
        for p in sorted(GRAMMAR_TESTS_DIR.glob("*.ptflow"))
        if p.stem != "errors"
    }
    texts["<generated from the compiler's tables>"] = compiler_tables_source()
    for folder in ("examples", "stdlib"):
        for path in sorted((REPO / folder).glob("**/*.ptflow")):
            texts[str(path.relative_to(REPO))] = path.read_text()
    return texts


@dataclass
class ColouredFile:
    """One file's text with the scopes VS Code gives each character."""

    name: str
    text: str
    tokenized: dict
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.line_starts = [0] + [i + 1 for i, c in enumerate(self.text) if c == "\n"]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, offset) - 1
        return line, offset - self.line_starts[line]

    def scopes(self, offset: int) -> list[str]:
        line, column = self.position(offset)
        for token in self.tokenized["lines"][line]:
            if token["start"] <= column < token["end"]:
                return [scope.removesuffix(".ptflow") for scope in token["scopes"]]
        return []

    def report(self, offset: int, what: str, expected: str, got: list[str]) -> None:
        line, column = self.position(offset)
        self.problems.append(
            f"{self.name}:{line + 1}:{column + 1} {what}: expected {expected}, got {' '.join(got) or 'nothing'}"
        )

    def expect_innermost(self, start: int, end: int, prefixes: tuple[str, ...], what: str) -> None:
        """Every character in [start, end) has an innermost scope that is (or starts with) one of `prefixes`."""
        for offset in range(start, end):
            scopes = self.scopes(offset)
            innermost = scopes[-1] if scopes else ""
            if not any(innermost == p or innermost.startswith(p if p.endswith(".") else p + ".") for p in prefixes):
                self.report(offset, what, " or ".join(prefixes), scopes)
                return

    def expect_within(self, start: int, end: int, prefix: str, what: str) -> None:
        """Every character in [start, end) lies inside a scope that starts with `prefix`."""
        for offset in range(start, end):
            if self.text[offset] == "\n":
                continue
            scopes = self.scopes(offset)
            if not any(scope.startswith(prefix) for scope in scopes):
                self.report(offset, what, f"inside {prefix}", scopes)
                return


# ------------------------------------------------------------ token classes


def check_tokens(file: ColouredFile, text: str, base: int, seen: set[str]) -> None:
    """Each token the compiler's lexer finds has the scope of its class."""
    for token in lark_parser().lex(text, dont_ignore=True):
        start, end = base + token.start_pos, base + token.end_pos
        what = f"{token.type} `{token}`"
        seen.add(token.type)
        if token.type == "WS":
            continue
        if token.type in keyword_terminals():
            file.expect_innermost(start, end, KEYWORD_SCOPES[str(token)], what)
        elif token.type in SYMBOL_SCOPES:
            file.expect_innermost(start, end, SYMBOL_SCOPES[token.type], what)
        elif token.type in LITERAL_SCOPES:
            file.expect_within(start, end, LITERAL_SCOPES[token.type], what)
            if token.type == "COMMENT" and str(token).startswith("##"):
                file.expect_within(start, end, "comment.line.documentation", what)
            if token.type == "FSTRING":
                file.expect_innermost(start, start + 1, ("storage.type.string",), what)
                check_fstring_fields(file, token, base, seen)
        elif token.type == "NAME":
            file.expect_innermost(start, end, ("variable.", "entity.name.", "support."), what)
        elif token.type == "ARTIFACT_OF":
            # `Artifact<` is one token to the lexer (so that `a < b` stays a comparison); the editor colours
            # its halves: the type, then the bracket of the schema title.
            name_end = start + len("Artifact")
            file.expect_innermost(start, name_end, ("support.type.artifact",), what)
            file.expect_innermost(end - 1, end, ("punctuation.definition.schema-title.begin",), what)
        else:
            pytest.fail(f"no expectation for terminal {token.type}: add it to this test and the grammar")


def check_fstring_fields(file: ColouredFile, token: Token, base: int, seen: set[str]) -> None:
    """`{expr}` fields of an f-string are coloured as the expressions they are."""
    raw = str(token)
    quote = raw[1:4] if raw[1:4] in ('"""', "'''") else raw[1]
    body_start = 1 + len(quote)
    body = raw[body_start : -len(quote)]
    for match in FSTRING_FIELD.finditer(body):
        field_start = base + token.start_pos + body_start + match.start()
        if match.group(1) is None:
            file.expect_innermost(field_start, field_start + 2, ("constant.character.escape",), "`{{`/`}}` escape")
            continue
        file.expect_innermost(
            field_start, field_start + 1, ("punctuation.definition.interpolation.begin",), "f-string `{`"
        )
        inner_start = field_start + 1
        check_tokens(file, match.group(1), inner_start, seen)
        check_roles(file, lark_parser().parse(match.group(1), start=field_start_rule()), inner_start)


# ------------------------------------------------------------- name roles


def name_role(name: str) -> str:
    """How a bare name in an expression is coloured."""
    if name in ptflow_types.ARTIFACT_TYPES:
        return "support.type.artifact"
    if name == ptflow_types.STATUS:
        return "support.type.status"
    return "variable.other"


def type_role(name: str) -> str:
    if name in ptflow_types.PARAMETER_TYPES:
        return "support.type.primitive"
    if name in ptflow_types.ARTIFACT_TYPES:
        return "support.type.artifact"
    if name == ptflow_types.STATUS:
        return "support.type.status"
    return "entity.name.type"


def callee_role(name: str) -> str:
    return "support.function.builtin" if name in BUILTIN_FUNCTIONS else "entity.name.function.call"


def roles(node: Tree | Token | None, options_dict: bool = False):
    """(NAME token, expected innermost scope) for every name in a parse tree, by its syntactic role."""
    if not isinstance(node, Tree):
        return
    kind, children = node.data, node.children

    def rest(*skip):
        for child in children:
            if not any(child is s for s in skip):
                yield from roles(child)

    if kind == "import_module":
        module_path, alias = children
        for name in module_path.children:
            yield name, "entity.name.namespace"
        if alias is not None:
            yield alias, "entity.name.namespace.alias"
    elif kind == "import_file":
        yield children[1], "entity.name.namespace.alias"
    elif kind in ("component_def", "pipeline_def"):
        yield children[0], f"entity.name.function.{kind.removesuffix('_def')}"
        yield from rest(children[0])
    elif kind == "param":
        yield children[0], "variable.parameter"
        yield from rest(children[0])
    elif kind == "output_decl":
        yield children[0], "variable.parameter.output"
        yield from rest(children[0])
    elif kind == "type":
        yield children[0], type_role(str(children[0]))
        yield from rest(children[0])
    elif kind == "property":
        yield children[0], "variable.other.property"
        yield from rest(children[0])
    elif kind == "assignment":
        target, value, _ = children
        is_step = isinstance(value, Tree) and value.data == "call_expr"
        yield target, "entity.name.variable.step" if is_step else "variable.other.property"
        yield from rest(target)
    elif kind == "call_statement":
        *qualifiers, callee = children[0].children
        for position, name in enumerate(qualifiers):
            yield name, "variable.other" if position == 0 else "variable.other.member"
        yield callee, callee_role(str(callee)) if not qualifiers else "entity.name.function.call"
        yield from rest(children[0])
    elif kind == "call_expr":
        function = children[0]
        if isinstance(function, Tree) and function.data == "name":
            yield function.children[0], callee_role(str(function.children[0]))
        elif isinstance(function, Tree) and function.data == "member":
            yield function.children[1], "entity.name.function.call"
            yield from roles(function.children[0])
        else:
            yield from roles(function)
        yield from rest(function)
    elif kind == "member":
        target, member = children
        namespace = (
            "pipeline"
            if isinstance(target, Tree) and target.data == "pipeline_name"
            else "executor"
            if isinstance(target, Tree) and target.data == "name" and str(target.children[0]) == "executor"
            else None
        )
        if namespace == "executor":
            yield target.children[0], "variable.language.executor"
        else:
            yield from roles(target)
        if namespace is not None and str(member) in builtin_members(namespace):
            yield member, f"support.variable.{namespace}"
        else:
            yield member, "variable.other.member"
    elif kind == "name":
        yield children[0], name_role(str(children[0]))
    elif kind == "keyword_argument":
        yield children[0], "variable.parameter.function-call"
        yield from rest(children[0])
    elif kind == "with_options":
        yield from roles(children[0], options_dict=True)
    elif kind == "dict":
        for entry in children:
            if entry is None:
                continue
            key, value = entry.children
            if isinstance(key, Token):
                yield key, "support.type.property-name.option" if options_dict else "support.type.property-name"
            yield from roles(value)
    elif kind == "for_stmt":
        yield children[0], "variable.other.loop"
        yield from rest(children[0])
    else:
        yield from rest()


@cache
def builtin_members(namespace: str) -> frozenset[str]:
    """`pipeline.job_name` and friends: the members the compiler gives a meaning."""
    members = set(RUNTIME_PLACEHOLDERS.get(namespace, {}))
    if namespace == "pipeline":
        members |= set(PIPELINE_VALUES)
    return frozenset(members)


def check_roles(file: ColouredFile, tree: Tree, base: int) -> None:
    for token, role in roles(tree):
        start = base + token.start_pos
        file.expect_innermost(start, start + len(token), (role,), f"`{token}` ({token.type} in its role)")


# ------------------------------------------------------------------ tests


@pytest.fixture(scope="module")
def coloured(node_toolchain) -> list[ColouredFile]:
    texts = corpus()
    tokenized = tokenize(list(texts.values()))
    return [ColouredFile(name, text, result) for (name, text), result in zip(texts.items(), tokenized)]


def test_keyword_table_matches_the_compilers_grammar():
    """A keyword added to (or dropped from) ptflow.lark must be added to the TextMate grammar too."""
    assert set(keyword_terminals().values()) == set(KEYWORD_SCOPES)


def test_corpus_files_parse_so_the_comparison_means_something(node_toolchain):
    for name, text in corpus().items():
        if not name.startswith(("examples/", "stdlib/")):
            _, diagnostics = parse_module(text, name)
            errors = [d for d in diagnostics if d.is_error]
            assert not errors, f"{name} should be valid ptflow: {errors[0].message} at {errors[0].span}"


def test_corpus_covers_every_token_class_of_the_language(coloured):
    seen: set[str] = set()
    for file in coloured:
        check_tokens(file, file.text, 0, seen)
        file.problems.clear()  # this test is about coverage; the next one reports the problems
    every_terminal = {t.name for t in lark_parser().terminals} | {"COMMENT", "WS"}
    assert every_terminal - seen == set(), "the grammar tests should use every token of ptflow.lark"


def test_every_token_is_coloured_as_its_class(coloured):
    problems = []
    for file in coloured:
        file.problems.clear()
        check_tokens(file, file.text, 0, set())
        problems += file.problems
    assert not problems, "\n".join(problems[:40])


def test_every_name_is_coloured_by_its_role(coloured):
    problems = []
    for file in coloured:
        file.problems.clear()
        check_roles(file, lark_parser().parse(file.text, start="start"), 0)
        problems += file.problems
    assert not problems, "\n".join(problems[:40])


def test_valid_files_have_nothing_invalid_and_close_every_rule(coloured):
    for file in coloured:
        invalid = {
            scope
            for line in file.tokenized["lines"]
            for token in line
            for scope in token["scopes"]
            if scope.startswith("invalid.")
        }
        assert not invalid, f"{file.name}: {invalid}"
        assert file.tokenized["finalDepth"] == 1, f"{file.name} ends inside an unclosed rule"


def test_every_character_gets_a_scope_of_its_own(coloured):
    """No character is left with only `source.ptflow` or a `meta.*` region around it."""
    for file in coloured:
        for offset, char in enumerate(file.text):
            if char.isspace():
                continue
            scopes = file.scopes(offset)
            innermost = scopes[-1] if scopes else ""
            if innermost == "source" or innermost.startswith("meta."):
                line, column = file.position(offset)
                pytest.fail(f"{file.name}:{line + 1}:{column + 1} `{char}` has no scope: {scopes}")
