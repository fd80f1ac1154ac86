# The ptflow runtime image: every standard-library step runs in it, as
# `python -m ptflow.runtime STEP --flag value ...` (the command compiled specs give).
#
#   CPU: docker build -t ghcr.io/ptflow/ptflow-runtime:0.1.0 .
#   GPU: docker build --build-arg VARIANT=gpu -t ghcr.io/ptflow/ptflow-runtime:0.1.0-gpu .
#   push the tag, then compile against it: ptflow compile --image <tag> ...
#
# The default tag is ptflow.compiler.image.DEFAULT_RUNTIME_IMAGE.
ARG PYTHON_VERSION=3.11
FROM python:${PYTHON_VERSION}-slim

# cpu: torch's CPU wheels (about 200 MB); gpu: its CUDA wheels (several GB, CUDA
# libraries included, so the base image needs no CUDA of its own).
ARG VARIANT=cpu
ARG TORCH_VERSION=2.13.0
ARG CUDA_TAG=cu128

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1

# torch (and the matching torchvision, for CIFAR-10) first, from the variant's
# index; the project's own `torch==` pin is then already satisfied.
RUN case "$VARIANT" in \
        cpu) index="https://download.pytorch.org/whl/cpu" ;; \
        gpu) index="https://download.pytorch.org/whl/${CUDA_TAG}" ;; \
        *) echo "VARIANT must be cpu or gpu, not '$VARIANT'" >&2; exit 1 ;; \
    esac \
    && pip install --index-url "$index" "torch==${TORCH_VERSION}" torchvision

# The project itself, with what its steps need (the `runtime` extra).
WORKDIR /opt/ptflow
COPY pyproject.toml setup.py README.md ./
COPY ptflow ./ptflow
COPY compiler ./compiler
COPY grammar ./grammar
COPY runtime ./runtime
COPY stdlib ./stdlib
RUN pip install ".[runtime]" \
    && python -c "import torch; assert torch.__version__.startswith('${TORCH_VERSION}'), torch.__version__" \
    && python -m ptflow.runtime --help

WORKDIR /workspace
# No ENTRYPOINT: KFP gives each step its command, and KFP v1's TensorBoard
# viewer runs `tensorboard` in this same image (older viewers pass it as
# arguments only), which has the PyTorch profiler plugin.
CMD ["python", "-m", "ptflow.runtime", "--help"]
