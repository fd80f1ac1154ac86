"""Started in every Python process of tools/mutation.py's coverage run (this folder is put on PYTHONPATH).

The runner's and the CLI's tests run `python -m ptflow` in child processes; their coverage counts too, each
labelled with the test that started them (PTFLOW_MUTATION_TEST, set by context_plugin.py before each test).
Outside that run (PTFLOW_MUTATION_COVERAGE unset) it does nothing.
"""

import atexit
import os

_CONFIG = os.environ.get("PTFLOW_MUTATION_COVERAGE")
if _CONFIG:
    import coverage

    _coverage = coverage.Coverage(config_file=_CONFIG, context=os.environ.get("PTFLOW_MUTATION_TEST") or None)
    _coverage.start()

    def _save() -> None:
        _coverage.stop()
        _coverage.save()

    atexit.register(_save)
