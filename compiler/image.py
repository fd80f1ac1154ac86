"""The ptflow runtime image: the one place its default reference is set.

Compiled pipelines run standard-library steps in this image; `ptflow compile
--image REF` overrides it.  Both sides read it: the compiler writes the
reference into compiled steps, and steps that start other containers (the
TensorBoard viewer, PyTorchJob workers) name the image they run in.  It lives
in compiler/, the lower layer, because the compiler may not import runtime/ or
stdlib/ while the container-side code may import a pure compiler module; it
imports nothing but `ptflow.__version__`, so it stays cheap to load on both sides.
"""

from ptflow import __version__

DEFAULT_RUNTIME_IMAGE = f"ghcr.io/ptflow/ptflow-runtime:{__version__}"

# Set in a step's environment when the pipeline was compiled with another
# image, so steps that name an image (the TensorBoard viewer) name that one.
IMAGE_ENVIRONMENT_VARIABLE = "PTFLOW_RUNTIME_IMAGE"


def runtime_image() -> str:
    """The image this step runs in, as far as it can know: the override, or the default."""
    import os

    return os.environ.get(IMAGE_ENVIRONMENT_VARIABLE) or DEFAULT_RUNTIME_IMAGE
