"""A raw `dsl.ContainerOp` (deprecated in kfp 1.8, common in older pipelines): kfp writes no component_spec."""

from kfp import dsl


@dsl.pipeline(name="container-op")
def pipeline():
    dsl.ContainerOp(name="hello", image="alpine:3.19", command=["echo", "hello"])
