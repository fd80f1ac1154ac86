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
	$(BIN)/python -m pytest -q --durations=15

# Debian packages that tests drive for real; where one can't be installed, its tests skip saying why.
# $(1): a command that succeeds when the package is there; $(2): the packages; $(3): the tests that need them.
# --no-install-recommends: emacs-nox recommends a mail server whose set-up fails in containers.
define debian_install
	@$(1) >/dev/null 2>&1 || apt-get install -y -q --no-install-recommends $(2) >/dev/null 2>&1 \
		|| (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends $(2) >/dev/null 2>&1) \
		|| echo "note: could not install Debian's $(2); $(3) will be skipped"
endef

system-packages:
	$(call debian_install,command -v dot,graphviz fonts-liberation2,the svg/png picture tests)
	$(call debian_install,command -v nvim,neovim,the Neovim set-up tests)
	$(call debian_install,emacs --batch --eval "(progn (require 'package) (package-initialize) (require 'eglot))",emacs-nox elpa-eglot,the Emacs set-up tests)
	$(call debian_install,command -v chromedriver,chromium chromium-driver,the browser tests of ptflow ui)
	$(call debian_install,command -v jq,jq curl,the inference script test of examples/cifar10_containers)

clean:
	rm -rf build .pytest_cache .hypothesis
