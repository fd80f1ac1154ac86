"""Hyperparameter search for the `hpo` steps: the typed search space and the experiment state.

`space` is pure Python (checked before Ax is imported); `experiment` holds the
Ax client between steps.
"""
