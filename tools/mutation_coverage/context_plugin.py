"""A pytest plugin for tools/mutation.py's coverage run: which test ran each line of the mutated module.

Each test's own phases (its function-scoped fixtures, its body, its teardown) are measured under the test's
node id, so a mutant on a line can run the tests that reach it first.  Code run outside any one test -- at
collection, or by a fixture shared between tests (module or session scope) -- is measured under SHARED: a
mutant there may change what many tests see, so it meets the whole table.  Child processes learn the test
from PTFLOW_MUTATION_TEST (sitecustomize.py).
"""

from __future__ import annotations

import os

import coverage
import pytest

SHARED = "(shared)"


def _switch(label: str) -> None:
    current = coverage.Coverage.current()
    if current is not None:
        current.switch_context(label)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    os.environ["PTFLOW_MUTATION_TEST"] = item.nodeid
    _switch(item.nodeid)
    try:
        return (yield)
    finally:
        os.environ.pop("PTFLOW_MUTATION_TEST", None)
        _switch(SHARED)


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    if fixturedef.scope == "function":
        return (yield)
    # a fixture shared between tests: what it computes reaches every test that uses it
    test = os.environ.pop("PTFLOW_MUTATION_TEST", None)
    _switch(SHARED)
    try:
        return (yield)
    finally:
        if test is not None:
            os.environ["PTFLOW_MUTATION_TEST"] = test
            _switch(test)
