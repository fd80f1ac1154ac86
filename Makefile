# Two commands do all the set-up (see README.md):
#   make demo   install ptflow and run the main job on a bundled example
#   make test   install the test dependencies and run the whole test suite

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check --quiet
INSTALL := $(PIP) install -c constraints.txt

.PHONY: demo test venv clean system-packages

venv: $(BIN)/python

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip setuptools wheel

# The main job: train, archive and serve the CIFAR10 example here (offline digits, about
# 15 s), then compile it for a cluster and print where the KFP v2 YAML went.
demo: venv
	$(INSTALL) -e ".[runtime]"
	$(BIN)/ptflow run examples/cifar10/cifar10.ptflow --store build/store
	$(BIN)/ptflow compile examples/cifar10/cifar10.ptflow -p serve_here=false -o build/cifar10.yaml

test: venv system-packages
	$(INSTALL) -e ".[test]"
	$(BIN)/python -m pytest -q

# Graphviz's `dot` draws `ptflow graph --format svg|png`; its tests skip (saying so) without it.
system-packages:
	@command -v dot >/dev/null 2>&1 || apt-get install -y -q graphviz >/dev/null 2>&1 \
		|| (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q graphviz >/dev/null 2>&1) \
		|| echo "note: could not install Debian's graphviz; the svg/png picture tests will be skipped"

clean:
	rm -rf build .pytest_cache .hypothesis
