"""Hypothesis strategies for valid .ptflow programs, written in random layouts.

A program is drawn as a list of tokens (components with typed inputs and
outputs, a pipeline whose steps call them with well-typed arguments, loops,
conditions, `with` options, `finally`, `return`), then joined with random
whitespace, line breaks and `#` comments between tokens, and random quote
styles, so the same program appears in many shapes.  Every drawn program
checks clean: the formatter's tests compile it before and after formatting.
"""

from __future__ import annotations

from hypothesis import strategies as st

NAMES = ["alpha", "beta", "gamma", "delta", "omega", "rows", "lr", "seed", "tag", "mode"]
STRING_VALUES = ["a", "text with spaces", "it's", "x-y", "", "#not a comment"]


def _string(draw, value: str) -> str:
    """A string token in a random quote style (single quotes only where they need no escape)."""
    if "'" not in value and draw(st.booleans()):
        return f"'{value}'"
    return '"' + value + '"'


@st.composite
def components(draw, index: int):
    """Tokens of one component, and its signature: (name, [(input, type, has_default)], [(output, type)])."""
    name = f"comp_{index}"
    count = draw(st.integers(0, 3))
    inputs = []
    used = set()
    for _ in range(count):
        input_name = draw(st.sampled_from(NAMES).filter(lambda n: n not in used))
        used.add(input_name)
        input_type = draw(st.sampled_from(["int", "str"]))
        inputs.append((input_name, input_type, draw(st.booleans())))
    outputs = []
    for position in range(draw(st.integers(0, 2))):
        outputs.append((f"out{position}", draw(st.sampled_from(["int", "str"]))))
    tokens = ["component", name, "("]
    for position, (input_name, input_type, has_default) in enumerate(inputs):
        tokens += [input_name, ":", input_type]
        if has_default:
            tokens += ["=", "3" if input_type == "int" else _string(draw, draw(st.sampled_from(STRING_VALUES)))]
        if position < len(inputs) - 1 or draw(st.booleans()):
            tokens.append(",")
    tokens.append(")")
    if outputs:
        tokens += ["->", "("]
        for position, (output_name, output_type) in enumerate(outputs):
            tokens += [output_name, ":", output_type]
            if position < len(outputs) - 1:
                tokens.append(",")
        tokens.append(")")
    tokens += ["{", "image", "=", _string(draw, "python:3.11-slim"), "command", "=", "[", _string(draw, "echo")]
    for input_name, _, _ in inputs:
        tokens += [",", input_name]
    for output_name, _ in outputs:
        tokens += [",", output_name, ".", "path"]
    if draw(st.booleans()):
        tokens.append(",")
    tokens += ["]", "}"]
    return tokens, (name, inputs, outputs)


class _Pipeline:
    """What the pipeline body has made so far: steps and their outputs, by scope."""

    def __init__(self, signatures, params):
        self.signatures = signatures
        self.params = params  # [(name, type)]
        self.step_count = 0

    def new_step_name(self) -> str:
        self.step_count += 1
        return f"step{self.step_count}"


def _value_of_type(draw, wanted: str, available: list[tuple[str, str]]) -> list[str]:
    """Tokens of an argument value of type `wanted`: a literal or something in scope."""
    candidates = [reference for reference, kind in available if kind == wanted]
    if candidates and draw(st.booleans()):
        return draw(st.sampled_from(candidates)).split(" ")
    if wanted == "int":
        return [str(draw(st.integers(-5, 500)))]
    return [_string(draw, draw(st.sampled_from(STRING_VALUES)))]


@st.composite
def step(draw, pipeline: _Pipeline, available: list[tuple[str, str]]):
    """A step calling a component with all its required inputs, and what it adds to scope."""
    name, inputs, outputs = draw(st.sampled_from(pipeline.signatures))
    step_name = pipeline.new_step_name()
    tokens = [step_name, "=", name, "("]
    arguments = [i for i in inputs if not i[2] or draw(st.booleans())]
    for position, (input_name, input_type, _) in enumerate(arguments):
        tokens += [input_name, ":", *_value_of_type(draw, input_type, available)]
        if position < len(arguments) - 1 or draw(st.booleans()):
            tokens.append(",")
    tokens.append(")")
    options = draw(
        st.lists(st.sampled_from(["retries", "cache", "memory", "cpu", "display_name"]), unique=True, max_size=3)
    )
    if options:
        tokens += ["with", "{"]
        values = {
            "retries": ["2"],
            "cache": ["false"],
            "memory": [_string(draw, "2Gi")],
            "cpu": [_string(draw, "1")],
            "display_name": [_string(draw, f"Step {step_name}")],
        }
        for position, option in enumerate(options):
            tokens += [option, ":", *values[option]]
            if position < len(options) - 1:
                tokens.append(",")
        tokens.append("}")
    made = [(f"{step_name} . {output}", kind) for output, kind in outputs]
    return tokens, made


@st.composite
def statements(draw, pipeline: _Pipeline, available: list[tuple[str, str]], depth: int):
    """Tokens of a run of statements; outputs made inside a block stay inside it."""
    tokens: list[str] = []
    scope = list(available)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["step", "step", "for", "if"] if depth < 2 else ["step"]))
        if kind == "step":
            step_tokens, made = draw(step(pipeline, scope))
            tokens += step_tokens
            scope += made
        elif kind == "for":
            variable = f"item{depth}"
            tokens += ["for", variable, "in", "[", "1", ",", "2", "]"]
            if draw(st.booleans()):
                tokens += ["parallel", "2"]
            tokens += ["{", *draw(statements(pipeline, scope + [(variable, "int")], depth + 1)), "}"]
        else:
            numbers = [reference for reference, kind_ in scope if kind_ == "int"] or ["1"]
            left = draw(st.sampled_from(numbers)).split(" ")
            operator = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
            condition = [*left, operator, str(draw(st.integers(0, 9)))]
            if draw(st.booleans()):
                condition = (
                    ["not", "(", *condition, ")"]
                    if draw(st.booleans())
                    else [*condition, draw(st.sampled_from(["and", "or"])), *left, "<", "100"]
                )
            tokens += ["if", *condition, "{", *draw(statements(pipeline, scope, depth + 1)), "}"]
            if draw(st.booleans()):
                tokens += ["elif", *left, ">", "1000", "{", *draw(statements(pipeline, scope, depth + 1)), "}"]
            if draw(st.booleans()):
                tokens += ["else", "{", *draw(statements(pipeline, scope, depth + 1)), "}"]
    return tokens


@st.composite
def program_tokens(draw):
    tokens: list[str] = []
    signatures = []
    for index in range(draw(st.integers(1, 3))):
        component_tokens, signature = draw(components(index))
        tokens += component_tokens
        signatures.append(signature)
    params = [("rows", "int"), ("tag", "str")][: draw(st.integers(1, 2))]  # `rows` keeps conditions non-constant
    tokens += ["pipeline", "main", "("]
    for position, (name, kind) in enumerate(params):
        tokens += [name, ":", kind, "=", "10" if kind == "int" else _string(draw, "v1")]
        if position < len(params) - 1:
            tokens.append(",")
    tokens += [")", "{"]
    if draw(st.booleans()):
        tokens += ["description", "=", _string(draw, "a generated pipeline")]
    pipeline = _Pipeline(signatures, params)
    tokens += draw(statements(pipeline, list(params), 0))
    if draw(st.booleans()):
        tokens += ["finally", "{", *draw(step(pipeline, list(params)))[0], "}"]
    tokens.append("}")
    return tokens


SEPARATORS = [
    " ",
    " ",
    " ",
    "\n",
    "\n    ",
    "  ",
    "\n\n",
    "\t",
    " # a note\n",
    "\n# an own-line note\n",
    "\n\n    # after a blank line\n",
]


@st.composite
def programs(draw) -> str:
    """A valid program in a random layout, with `#` comments between random tokens."""
    tokens = draw(program_tokens())
    pieces = [tokens[0]]
    for token in tokens[1:]:
        pieces.append(draw(st.sampled_from(SEPARATORS)))
        pieces.append(token)
    return "".join(pieces) + draw(st.sampled_from(["", "\n", "\n\n", "  # the end\n"]))
