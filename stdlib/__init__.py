"""The ptflow standard library.

Two halves that meet at the runtime step names:

- `*.ptflow` files in this folder declare the components users import
  (`import stdlib.torch as torch`); a component with `runtime = "torch.train"`
  has no image or command of its own;
- `ptflow.stdlib.steps` implements each named step in Python, run in the ptflow
  runtime image by `python -m ptflow.runtime torch.train --flag value ...`.

Importing this package (or `steps`) must stay cheap: torch, lightning and ax
are imported inside the step functions that need them.
"""
