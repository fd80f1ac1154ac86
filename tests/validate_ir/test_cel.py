"""The condition check parses exactly as cel-python's `celpy.Environment().compile` does."""

from __future__ import annotations

import pytest

from ptflow.compiler.validate.cel import syntax_error

EXPRESSIONS = [
    "inputs.parameter_values['pipelinechannel--flip-side'] == 'heads'",
    "!(inputs.parameter_values['pipelinechannel--flip-side'] == 'heads') && "
    "inputs.parameter_values['pipelinechannel--flip-side'] == 'tails'",
    "int(inputs.parameter_values['pipelinechannel--threshold']) > 3",
    "double(inputs.parameter_values['pipelinechannel--x']) >= 0.5",
    "inputs.parameter_values['pipelinechannel--flag'] == true",
    "inputs.parameter_values['a'] == false || inputs.parameter_values['b'] != 'x'",
    "inputs.parameter_values['a'] in ['x', 'y']",
    "size(inputs.parameter_values['names']) > 0",
    "inputs.parameter_values['pipelinechannel--flip-side'] = 'heads'",
    "inputs.parameter_values['a'] ==",
    "(inputs.parameter_values['a'] == 1",
    "inputs.parameter_values['a'] == 'unterminated",
    "a && $b",
    "a === b",
    "",
]


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_same_verdict_as_celpy(expression):
    celpy = pytest.importorskip("celpy")
    try:
        celpy.Environment().compile(expression)
        celpy_accepts = True
    except Exception:
        celpy_accepts = False
    assert (syntax_error(expression) is None) == celpy_accepts


def test_messages_say_where():
    assert syntax_error("inputs.parameter_values['x'] = 'heads'") == "unexpected \"= 'heads'\" at character 30"
    assert syntax_error("inputs.parameter_values['x'] ==") == "the expression ends too early"
