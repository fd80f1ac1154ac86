"""Kubernetes names: how KFP turns step and component names into task names.

KFP lower-cases a name and turns every run of characters outside `[-0-9a-z]`
into a single `-` (`dsl/utils.py: maybe_rename_for_k8s`); the v1 SDK does the
same for template names.  Two names that become the same string collide in
the compiled document, so the checker compares sanitized names.
"""

from __future__ import annotations

import re
from functools import lru_cache

# The node label that names a GPU type on GKE: KFP v1 selects GPU nodes with it, and serve.deploy gives it
# to KServe (and --target vertex reads the GPU type from it).
GKE_ACCELERATOR_LABEL = "cloud.google.com/gke-accelerator"

_OUTSIDE_K8S = re.compile(r"[^-0-9a-z]+")
_DASHES = re.compile(r"-+")


@lru_cache(maxsize=8192)  # a pipeline's checks ask for each step's name several times
def k8s_name(name: str) -> str:
    """The Kubernetes-safe form of `name`, exactly as KFP computes it."""
    return _DASHES.sub("-", _OUTSIDE_K8S.sub("-", name.lower())).strip("-")


def unique_name(name: str, taken) -> str:
    """`name`, or `name-2`, `name-3`, ... : the first one not in `taken` (KFP's rule)."""
    if name not in taken:
        return name
    index = 2
    while f"{name}-{index}" in taken:
        index += 1
    return f"{name}-{index}"
