"""The ptflow runtime image: the one place its default reference is set.

Compiled pipelines run standard-library steps in this image; `ptflow compile
--image REF` overrides it.  Importing this module must stay cheap (the
compiler reads it), so it imports nothing.
"""

from ptflow import __version__

DEFAULT_RUNTIME_IMAGE = f"ghcr.io/ptflow/ptflow-runtime:{__version__}"
