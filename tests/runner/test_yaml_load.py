"""The runner's YAML loader gives exactly what PyYAML's safe loader gives: the same objects, or the same error."""

import math
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ptflow.runtime.runner.yaml_load import load_all

SAFE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _reference(text: str):
    return list(yaml.load_all(text, Loader=SAFE))


def _same(left, right, seen: set | None = None) -> bool:
    """Equal, with NaN equal to NaN and types compared too (1 and 1.0 and True are not the same YAML value).

    A recursive structure (an alias to its own ancestor) is compared once per pair of containers.
    """
    if type(left) is not type(right):
        return False
    if isinstance(left, float):
        return (math.isnan(left) and math.isnan(right)) or left == right
    if isinstance(left, (dict, list)):
        seen = set() if seen is None else seen
        if (id(left), id(right)) in seen:
            return True
        seen.add((id(left), id(right)))
        if isinstance(left, dict):
            return list(left) == list(right) and all(_same(left[k], right[k], seen) for k in left)
        return len(left) == len(right) and all(_same(a, b, seen) for a, b in zip(left, right))
    return left == right


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20),
                    st.sampled_from(["yes", "No", "on", "OFF", "~", "null", "0o17", "0x1F", "1_000", "1:30", ".inf",
                                     "-.Inf", ".NaN", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "=", "<<", "",
                                     "'quoted'", "a: b", "- x", "#", "{{$.inputs.parameters['x']}}", "0", "-0.0"]))
documents = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(st.one_of(st.text(max_size=10), st.integers(), st.booleans()),
                                                 inner, max_size=5)), max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(st.lists(documents, min_size=1, max_size=3), st.sampled_from([None, False, True]), st.booleans())
def test_any_dumped_documents_load_the_same(values, flow_style, sort_keys):
    text = yaml.safe_dump_all(values, default_flow_style=flow_style, sort_keys=sort_keys, allow_unicode=True)
    assert _same(load_all(text), _reference(text))


EDGE_CASES = {
    "typed scalars": "a: yes\nb: 0o17\nb8: 017\nc: 0x1F\nd: 1_000\ne: 1:30\nf: .inf\ng: ~\nh: 2001-12-14\n"
                     "i: 2001-12-14 21:59:43.10 -5\nj: !!binary aGVsbG8=\nk: !!str 12\nl: !!int '7'\nm: !!float 1\n",
    "empty documents": "---\n---\na: 1\n---\n",
    "a scalar document": "just text\n",
    "anchors and aliases": "base: &b {x: 1, y: [1, 2]}\nuse: *b\nitem: &s shared\nagain: *s\nlist: &l [a]\nmore: [*l, *l]\n",
    "merge keys": "base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n",
    "the value key": "=: 1\n",
    "complex keys": "? [a, b]\n: 1\n",
    "an aliased key": "k: &k key\n*k : 2\n",
    "duplicate keys": "a: 1\na: 2\n",
    "sets and ordered maps": "s: !!set {a, b}\no: !!omap [a: 1, b: 2]\n",
    "explicit collection tags": "a: !!map {x: 1}\nb: !!seq [1]\n",
    "recursive alias": "a: &a [*a]\n",
    "undefined alias": "a: *nope\n",
    "duplicate anchor": "a: &x 1\nb: &x 2\n",
    "bad timestamp": "a: 2001-13-45\n",
    "a python tag": "a: !!python/tuple [1, 2]\n",
    "a parse error": "a: [1, 2\nb: 3\n",
    "a parse error after an alias": "a: &x 1\nb: *x\nc: [\n",
    "tabs and quoting": "a: \"tab\\there\"\nb: 'it''s'\nc: |\n  block\n  text\nd: >\n  folded\n  text\n",
}


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_edge_cases_load_the_same_or_fail_the_same(name):
    text = EDGE_CASES[name]
    try:
        expected = _reference(text)
    except Exception as error:  # the same exception, with the same message
        with pytest.raises(type(error)) as raised:
            load_all(text)
        assert str(raised.value) == str(error)
        return
    assert _same(load_all(text), expected)


def test_aliases_stay_the_same_object():
    loaded = load_all("base: &b {x: 1}\nuse: *b\nlist: &l [1]\nmore: [*l, *l]\n")[0]
    assert loaded["use"] is loaded["base"] and loaded["more"][0] is loaded["more"][1] is loaded["list"]


def test_typed_scalars_are_pythons_types():
    loaded = load_all(EDGE_CASES["typed scalars"])[0]
    assert loaded["a"] is True and loaded["b"] == "0o17" and loaded["b8"] == 15 and loaded["e"] == 90 and loaded["g"] is None
    assert loaded["h"] == date(2001, 12, 14) and isinstance(loaded["i"], datetime)
    assert loaded["j"] == b"hello" and loaded["k"] == "12" and loaded["l"] == 7 and loaded["m"] == 1.0


def test_a_kfp_compiled_pipeline_loads_the_same(tmp_path: Path):
    from kfp import compiler, dsl, kubernetes

    @dsl.component(base_image="python:3.11")
    def add(a: float, b: float = 1.5) -> float:
        return a + b

    @dsl.pipeline(name="kfp-ir")
    def pipeline(x: float = 0.25, items: list = [1, 2]):
        with dsl.ParallelFor(items) as item:
            task = add(a=item)
            kubernetes.set_timeout(task, 10)
        with dsl.If(x > 0.5):
            add(a=x)

    path = tmp_path / "ir.yaml"
    compiler.Compiler().compile(pipeline, str(path))
    text = path.read_text()
    assert len(_reference(text)) == 2  # the pipeline spec and its platform spec
    assert _same(load_all(text), _reference(text))
