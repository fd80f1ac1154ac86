"""ptflow's one YAML reader: PyYAML's safe loader's objects for ordinary YAML, one short error for what KFP refuses.

Every YAML file ptflow reads (IR for `validate` and `run`, Argo Workflows,
imported component files) goes through `load_documents`; the end-to-end
refusals by `ptflow validate` are in tests/validate_ir/test_hostile_yaml.py.
"""

import math
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ptflow.compiler.yaml_reader import MAX_DEPTH, YamlRefused, load_documents

SAFE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _reference(text: str):
    return list(yaml.load_all(text, Loader=SAFE))


def _same(left, right) -> bool:
    """Equal, with NaN equal to NaN and types compared too (1 and 1.0 and True are not the same YAML value)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, float):
        return (math.isnan(left) and math.isnan(right)) or left == right
    if isinstance(left, dict):
        return list(left) == list(right) and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right))
    return left == right


def _refusal(text: str) -> YamlRefused:
    with pytest.raises(YamlRefused) as raised:
        load_documents(text)
    return raised.value


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(
        [
            "yes",
            "No",
            "on",
            "OFF",
            "~",
            "null",
            "0o17",
            "0x1F",
            "1_000",
            "1:30",
            ".inf",
            "-.Inf",
            ".NaN",
            "2001-12-14",
            "2001-12-14t21:59:43.10-05:00",
            "=",
            "<<",
            "",
            "'quoted'",
            "a: b",
            "- x",
            "#",
            "{{$.inputs.parameters['x']}}",
            "0",
            "-0.0",
            "&a",
            "*a",
        ]
    ),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.one_of(st.text(max_size=10), st.integers(), st.booleans()), inner, max_size=5),
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(documents, min_size=1, max_size=3), st.sampled_from([None, False, True]), st.booleans())
def test_any_dumped_documents_load_as_pyyaml_loads_them(values, flow_style, sort_keys):
    text = yaml.safe_dump_all(values, default_flow_style=flow_style, sort_keys=sort_keys, allow_unicode=True)
    assert _same(load_documents(text), _reference(text))


ACCEPTED = {
    "typed scalars": "a: yes\nb: 0o17\nb8: 017\nc: 0x1F\nd: 1_000\ne: 1:30\nf: .inf\ng: ~\nh: 2001-12-14\n"
    "i: 2001-12-14 21:59:43.10 -5\nj: !!binary aGVsbG8=\nk: !!str 12\nl: !!int '7'\nm: !!float 1\n",
    "empty documents": "---\n---\na: 1\n---\n",
    "a scalar document": "just text\n",
    "the value key": "=: 1\n",
    "explicit collection tags": "a: !!map {x: 1}\nb: !!seq [1]\n",
    "tabs and quoting": "a: \"tab\\there\"\nb: 'it''s'\nc: |\n  block\n  text\nd: >\n  folded\n  text\n",
    "a key once per mapping, however often in the file": "a: {k: 1}\nb: {k: 2}\nc: [{k: 1}, {k: 2}]\n",
}


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_ordinary_yaml_loads_as_pyyaml_loads_it(name):
    assert _same(load_documents(ACCEPTED[name]), _reference(ACCEPTED[name]))


def test_typed_scalars_are_pythons_types():
    loaded = load_documents(ACCEPTED["typed scalars"])[0]
    assert (
        loaded["a"] is True
        and loaded["b"] == "0o17"
        and loaded["b8"] == 15
        and loaded["e"] == 90
        and loaded["g"] is None
    )
    assert loaded["h"] == date(2001, 12, 14) and isinstance(loaded["i"], datetime)
    assert loaded["j"] == b"hello" and loaded["k"] == "12" and loaded["l"] == 7 and loaded["m"] == 1.0


# (text, the start of the problem, its 1-based line)
REFUSED = {
    "an anchor": ("a: 1\nbase: &b {x: 1}\nuse: *b\n", "the anchor `&b`: anchors and aliases are not accepted", 2),
    "a scalar anchor": ("item: &s shared\n", "the anchor `&s`", 1),
    "an alias to an undefined anchor": ("a: 1\nb: *nope\n", "the alias `*nope`", 2),
    "a recursive alias": ("a: &a [*a]\n", "the anchor `&a`", 1),
    "merge keys": ("x: 1\nderived:\n  <<: {a: 1}\n  y: 2\n", "merge keys (`<<`) are not accepted", 3),
    "a duplicate key": ("a: 1\nb: 2\na: 3\n", "duplicate key `a` (first given on line 1)", 3),
    "a duplicate key in a flow mapping": ("m: {x: 1, y: 2, x: 3}\n", "duplicate key `x` (first given on line 1)", 1),
    "a duplicate key deep down": ("root:\n  dag:\n    tasks:\n      t: {}\n      t: {}\n", "duplicate key `t`", 5),
    "a complex key": ("? [a, b]\n: 1\n", "a mapping key must be a plain value", 1),
    "a python tag": ("a: !!python/tuple [1, 2]\n", "the tag `!!python/tuple` is not accepted", 1),
    "a python scalar tag": ("a: !!python/name:os.system x\n", "the tag `!!python/name:os.system` is not accepted", 1),
    "a custom tag": ("a: 1\nb: !custom x\n", "the tag `!custom` is not accepted", 2),
    "a set": ("s: !!set {a, b}\n", "the tag `!!set` is not accepted", 1),
    "a bad timestamp": ("a: 1\nb: 2001-13-45\n", "`2001-13-45` is not a valid timestamp", 2),
    "an integer longer than Python reads": (
        "a: 1\nb: " + "9" * 5000 + "\n",
        "this integer has 5,000 digits; at most 4,300 can be read",
        2,
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_what_kfp_never_needs_is_refused_at_its_line(name):
    text, problem, line = REFUSED[name]
    refused = _refusal(text)
    assert refused.problem.startswith(problem)
    assert refused.problem_mark.line + 1 == line
    assert isinstance(refused, yaml.YAMLError)  # callers that handle YAML errors handle these


def test_an_alias_bomb_is_refused_at_its_first_anchor_with_a_short_message():
    lines = ["pipelineInfo: {name: p}", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]  # 10**10 strings
    refused = _refusal("\n".join(lines) + "\n")
    assert refused.problem_mark.line + 1 == 2 and "&a0" in refused.problem and len(str(refused)) < 300


def test_echoed_keys_are_cut_short():
    key = "k" * 100_000
    refused = _refusal(f"? {key}\n: 1\n? {key}\n: 2\n")  # explicit keys: YAML limits implicit ones to 1,024
    assert refused.problem.startswith("duplicate key `kkk") and len(refused.problem) < 150


def test_nesting_deeper_than_the_limit_is_refused():
    assert load_documents("[" * MAX_DEPTH + "]" * MAX_DEPTH)  # at the limit: read
    refused = _refusal("a:\n  b: " + "[" * 500 + "]" * 500 + "\n")  # libyaml itself stops at 1,000
    assert refused.problem == f"lists and mappings nest more than {MAX_DEPTH} levels deep here"
    assert refused.problem_mark.line + 1 == 2


def test_text_that_is_not_yaml_raises_pyyamls_error():
    with pytest.raises(yaml.YAMLError) as raised:
        load_documents("a: [1, 2\nb: 3\n")
    assert not isinstance(raised.value, YamlRefused) and raised.value.problem_mark.line == 1


def test_a_kfp_compiled_pipeline_loads_as_pyyaml_loads_it(tmp_path: Path):
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
    assert _same(load_documents(text), _reference(text))
