"""The fast YAML writer reads back as exactly the data it was given."""

from pathlib import Path

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ptflow.compiler.api import compile_file
from ptflow.compiler.yaml_writer import dump, dump_all

REPO = Path(__file__).resolve().parents[2]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(max_size=12), documents, max_size=5))
@example({"\u2028": "a\u2029b", "\x85": ["x\u2028"]})  # YAML's line separators, found by hypothesis
def test_round_trip_of_arbitrary_json_data(document):
    assert yaml.safe_load(dump(document)) == document


def test_tricky_strings_stay_strings():
    document = {
        "a": [
            "yes",
            "no",
            "on",
            "null",
            "~",
            "1",
            "1.5",
            "0x1F",
            "-c",
            "a: b",
            "# x",
            " lead",
            "trail ",
            "{{$.inputs.parameters['x']}}",
            "line\nbreak",
            "",
            "1e3",
            ".5",
            "2026-11-28",
            "@x",
            "*x",
            "!x",
            "x #y",
            "é",
            "true",
            "False",
            "-",
            "?",
        ]
    }
    assert yaml.safe_load(dump(document)) == document


def test_every_example_round_trips():
    for path in sorted(REPO.glob("examples/**/*.ptflow")):
        result = compile_file(str(path))
        assert list(yaml.safe_load_all(dump_all(result.documents))) == result.documents


def test_the_bytes_are_block_style_with_sorted_keys_and_plain_strings_where_safe():
    """What a compiled file looks like: the layout reviewers diff and goldens pin, not only what it reads as."""
    document = {
        "b": {"nested": {"deep": 1}, "empty": {}, "none": [], "list": ["x", 2]},
        "a": [{"name": "first", "value": -3}, {}, [1, [2]], [], "gs://bucket/x y"],
        "scalars": [None, True, False, 0, 1.0, 2.5, 1e-05, 1.5e20, float("inf"), float("-inf"), float("nan")],
        "strings": ["plain/path.txt", "yes", "No", "12", "-x", "a: b", "", "two words", "x\u2028y", "\x85"],
        "3": "key",
    }
    assert dump(document) == (
        '"3": key\n'
        "a:\n"
        "- name: first\n"
        "  value: -3\n"
        "- {}\n"
        "-\n"
        "  - 1\n"
        "  -\n"
        "    - 2\n"
        "- []\n"
        '- "gs://bucket/x y"\n'
        "b:\n"
        "  empty: {}\n"
        "  list:\n"
        "  - x\n"
        "  - 2\n"
        "  nested:\n"
        "    deep: 1\n"
        '  "none": []\n'
        "scalars:\n"
        "- null\n"
        "- true\n"
        "- false\n"
        "- 0\n"
        "- 1.0\n"
        "- 2.5\n"
        "- 1.0e-05\n"
        "- 1.5e+20\n"
        "- .inf\n"
        "- -.inf\n"
        "- .nan\n"
        "strings:\n"
        "- plain/path.txt\n"
        '- "yes"\n'
        '- "No"\n'
        '- "12"\n'
        '- "-x"\n'
        '- "a: b"\n'
        '- ""\n'
        "- two words\n"
        '- "x\\u2028y"\n'
        '- "\\u0085"\n'
    )
    assert dump({}) == "{}\n"
    assert dump_all([{"a": 1}, {"b": [True]}]) == "a: 1\n---\nb:\n- true\n"


def test_a_key_that_is_not_text_is_written_as_text():
    """KFP's and Argo's documents have text keys only (a protobuf Struct's keys are strings): a number key
    handed to the writer comes out as its text, quoted so a reader gets a string key back."""
    text = dump({"a": {1: "x", 2: ["y"]}})
    assert text == 'a:\n  "1": x\n  "2":\n  - "y"\n'
    assert yaml.safe_load(text) == {"a": {"1": "x", "2": ["y"]}}
