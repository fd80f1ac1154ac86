"""ptflow: a declarative language for PyTorch pipelines on Kubeflow and Vertex AI.

The distribution is split into sub-packages, one per concern:

- ``ptflow.compiler``: parse, check and lower ``.ptflow`` files (no torch, no kfp import);
- ``ptflow.grammar``: the lark grammar of the language;
- ``ptflow.runtime``: the code that runs a step inside the ptflow container image,
  and (``ptflow.runtime.runner``) the local runner behind ``ptflow run``;
- ``ptflow.stdlib``: the standard library of PyTorch steps;
- ``ptflow.cli``, ``ptflow.commands``: the ``ptflow`` command;
- ``ptflow.lsp``: the language server (``ptflow lsp``).
"""

__version__ = "0.1.0"
