"""Distributed training: a Kubeflow PyTorchJob in the cluster, torchrun processes here.

- `pytorchjob`: the PyTorchJob object, its outcome and progress;
- `local_run`: the same command as ranks of a torchrun on this machine.

The step is ptflow.stdlib.steps.distributed (`distributed.pytorchjob`).
"""
