"""The typed syntax tree of a .ptflow file.

Every node carries the `Span` it was parsed from.  Nodes are plain data: the
parser builds them, the checker reads them, the formatter prints them.  Nodes
compare by identity (`eq=False`) so later phases can key tables by node.
"""

from __future__ import annotations

import enum
from dataclasses import field
from typing import Any, TypeVar, dataclass_transform

from ptflow.compiler.records import record
from ptflow.compiler.source import Span

# The name the parser gives to a token it had to invent while recovering from
# a syntax error; later phases treat it as "already reported" and stay quiet.
MISSING = "<missing>"
# The language's reserved words (the keywords of grammar/ptflow.lark), in the order completion lists
# them: no step, parameter or component can have one of these names.
KEYWORDS = (
    "import",
    "as",
    "component",
    "pipeline",
    "for",
    "in",
    "parallel",
    "if",
    "elif",
    "else",
    "finally",
    "try",
    "with",
    "return",
    "and",
    "or",
    "not",
    "true",
    "false",
    "null",
)

_Node = TypeVar("_Node")


# A decorator of our own rather than `node = dataclass(...)`: type checkers only
# see fields and constructors through a real dataclass call or a
# dataclass_transform, not through an alias of a partially applied one.
@dataclass_transform(eq_default=False)
def node(cls: type[_Node]) -> type[_Node]:
    return record(eq=False, slots=True)(cls)


@node
class Identifier:
    """A name as written, with its own span (for hover, rename and carets)."""

    name: str
    span: Span

    @property
    def missing(self) -> bool:
        return self.name == MISSING


# ---------------------------------------------------------------- types


@node
class TypeRef:
    """A type as written: `int`, `list[str]`, `Model`, `Artifact<"google.VertexModel">`, `float?`."""

    span: Span
    name: Identifier
    args: list[TypeRef] = field(default_factory=list)
    schema_title: str | None = None
    optional: bool = False


# ----------------------------------------------------------- expressions


@node
class Name:
    """A name used as a value: a parameter, a step, a loop variable."""

    span: Span
    id: str

    @property
    def missing(self) -> bool:
        return self.id == MISSING


@node
class Member:
    """`obj.attr`: a module member, a step output, an artifact's `.path`, ..."""

    span: Span
    obj: Expr
    attr: Identifier


@node
class Index:
    """`obj[index]`."""

    span: Span
    obj: Expr
    index: Expr


@node
class Argument:
    """One argument of a call; `name` is None for a positional argument."""

    span: Span
    name: Identifier | None
    value: Expr


@node
class Call:
    """`func(arguments)`: a call of a component or pipeline."""

    span: Span
    func: Expr
    args: list[Argument]


@node
class Literal:
    """A string, number, boolean or null, with its Python value."""

    span: Span
    value: Any
    raw: str = ""


@node
class ListExpr:
    """A list literal `[...]`."""

    span: Span
    items: list[Expr]


@node
class DictEntry:
    """One `key: value` of a dict literal."""

    span: Span
    key: Identifier  # a bare name or a string; both mean the same key
    value: Expr
    quoted: bool = False
    # `[expr]: value`: a key known only at run time (a parameter, a step output, an f-string). `key` then holds
    # the text between the brackets, which no written key can equal by accident only if it is quoted.
    computed: Expr | None = None


@node
class DictExpr:
    """A dict literal `{...}`."""

    span: Span
    entries: list[DictEntry]

    def get(self, key: str) -> DictEntry | None:
        for entry in self.entries:
            if entry.key.name == key:
                return entry
        return None


@node
class FString:
    """`f"text {expr} text"`: parts are str or expressions."""

    span: Span
    parts: list[str | Expr]


@node
class Compare:
    """A comparison `left op right`."""

    span: Span
    op: str
    left: Expr
    right: Expr


@node
class BoolOp:
    """`and` / `or` over two operands."""

    span: Span
    op: str
    left: Expr
    right: Expr


@node
class Not:
    """`not operand`."""

    span: Span
    operand: Expr


@node
class TypeExpr:
    """A type written where a value goes; only an importer's `type:` takes one."""

    span: Span
    ref: TypeRef


@node
class ErrorExpr:
    """Stands in for an expression the parser could not read (already reported)."""

    span: Span


Expr = (
    Name
    | Member
    | Index
    | Call
    | Literal
    | ListExpr
    | DictExpr
    | FString
    | Compare
    | BoolOp
    | Not
    | TypeExpr
    | ErrorExpr
)


# ------------------------------------------------------------ statements


@node
class Property:
    """`key = value` inside a component or pipeline (image, command, description, ...)."""

    span: Span
    name: Identifier
    value: Expr


@node
class Step:
    """`name = callee(args) with {options}`, or an unnamed call statement."""

    span: Span
    name: Identifier | None
    call: Call
    options: DictExpr | None = None


@node
class Block:
    """The statements between `{` and `}`."""

    span: Span
    body: list[Statement]


@node
class For:
    """`for var in iterable [parallel n] { ... }`."""

    span: Span
    var: Identifier
    iterable: Expr
    parallelism: Expr | None
    body: Block


@node
class Branch:
    """One arm of an if/elif/else; `condition` is None for `else`."""

    span: Span
    keyword: str
    condition: Expr | None
    body: Block


@node
class If:
    """An `if` with its `elif` and `else` branches."""

    span: Span
    branches: list[Branch]


@node
class Finally:
    """`finally [with { display_name: "..." }] { steps }`: the steps that run after a guarded body."""

    span: Span
    body: Block
    options: DictExpr | None = None


@node
class Try:
    """`try { body } finally { steps }`: an exit handler around part of a pipeline body."""

    span: Span
    body: Block
    final: Finally


@node
class Return:
    """A pipeline's `return (name: value, ...)`."""

    span: Span
    args: list[Argument]


Statement = Property | Step | For | If | Finally | Try | Return


# ---------------------------------------------------------- declarations


@node
class Param:
    """A typed input of a component or pipeline."""

    span: Span
    name: Identifier
    type: TypeRef
    default: Expr | None = None
    doc: str | None = None


@node
class OutputDecl:
    """One output of a component or pipeline signature: `name: type`."""

    span: Span
    name: Identifier
    type: TypeRef
    doc: str | None = None


@node
class ComponentDef:
    """A `component` declaration: its signature and properties."""

    span: Span
    name: Identifier
    params: list[Param]
    outputs: list[OutputDecl]
    properties: list[Property]
    doc: str | None = None

    def property(self, key: str) -> Property | None:
        for prop in self.properties:
            if prop.name.name == key:
                return prop
        return None


@node
class PipelineDef:
    """A `pipeline` declaration: its signature and statements."""

    span: Span
    name: Identifier
    params: list[Param]
    outputs: list[OutputDecl]
    body: list[Statement]
    doc: str | None = None


class ImportKind(enum.StrEnum):
    MODULE = "module"  # `import stdlib.torch as torch`
    FILE = "file"  # `import "x.yaml" as x`


@node
class Import:
    """`import stdlib.torch as torch` or `import "x.yaml" as x`."""

    span: Span
    kind: ImportKind
    path: str
    path_span: Span
    alias: Identifier


@node
class Comment:
    """A `#` comment, with its text."""

    span: Span
    text: str


@node
class Module:
    """A parsed .ptflow file: its imports, components, pipelines and comments."""

    span: Span
    path: str
    imports: list[Import]
    components: list[ComponentDef]
    pipelines: list[PipelineDef]
    comments: list[Comment] = field(default_factory=list)
    # The order definitions were written in, for the formatter.
    items: list[Import | ComponentDef | PipelineDef] = field(default_factory=list)


def walk_expr(expr):
    """Yield `expr` and every expression inside it, depth first."""
    yield expr
    if isinstance(expr, Member):
        yield from walk_expr(expr.obj)
    elif isinstance(expr, Index):
        yield from walk_expr(expr.obj)
        yield from walk_expr(expr.index)
    elif isinstance(expr, Call):
        yield from walk_expr(expr.func)
        for arg in expr.args:
            yield from walk_expr(arg.value)
    elif isinstance(expr, ListExpr):
        for item in expr.items:
            yield from walk_expr(item)
    elif isinstance(expr, DictExpr):
        for entry in expr.entries:
            if entry.computed is not None:
                yield from walk_expr(entry.computed)
            yield from walk_expr(entry.value)
    elif isinstance(expr, FString):
        for part in expr.parts:
            if not isinstance(part, str):
                yield from walk_expr(part)
    elif isinstance(expr, (Compare, BoolOp)):
        yield from walk_expr(expr.left)
        yield from walk_expr(expr.right)
    elif isinstance(expr, Not):
        yield from walk_expr(expr.operand)


def walk_statements(statements):
    """Yield every statement in `statements`, entering blocks, depth first."""
    for statement in statements:
        yield statement
        if isinstance(statement, For):
            yield from walk_statements(statement.body.body)
        elif isinstance(statement, If):
            for branch in statement.branches:
                yield from walk_statements(branch.body.body)
        elif isinstance(statement, Finally):
            yield from walk_statements(statement.body.body)
        elif isinstance(statement, Try):
            yield from walk_statements(statement.body.body)
            yield statement.final
            yield from walk_statements(statement.final.body.body)
