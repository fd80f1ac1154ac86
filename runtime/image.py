"""The ptflow runtime image: the one place its default reference is set.

Compiled pipelines run standard-library steps in this image; `ptflow compile
--image REF` overrides it.  Importing this module must stay cheap (the
compiler reads it), so it imports nothing.
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
