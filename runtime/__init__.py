"""The ptflow runtime: what runs inside the ptflow container image.

`python -m ptflow.runtime STEP --flag value ...` runs one standard-library step
(see `entrypoint`); `contract` is how a step declares its typed inputs and
outputs; `kfp_io` is what a step reports to KFP v2 and v1.  `image` holds the
default image reference.  Nothing here imports torch at module level.
"""
