"""Small container components written twice, in ptflow and with kfp's DSL, for differential tests of pipeline
shapes (tests/compiler/test_oneof.py, test_collect.py). Import it after `pytest.importorskip("kfp")`."""

from kfp import dsl

IMAGE = "alpine:3.19"

SAY_AND_WRITE = """
component say(text: str) -> (said: str) {
    image = "alpine:3.19"
    command = ["sh", "-c", "printf \\"%s\\" \\"$0\\" > \\"$1\\"", text, said.path]
}
component write(text: str) -> (file: Dataset) {
    image = "alpine:3.19"
    command = ["sh", "-c", "printf \\"%s\\" \\"$0\\" > \\"$1\\"", text, file.path]
}
"""

READ = """component read(file: Dataset) -> (text: str) {
    image = "alpine:3.19"
    command = ["sh", "-c", "cat \\"$0\\" > \\"$1\\"", file.path, text.path]
}
"""


@dsl.container_component
def say(text: str, said: dsl.OutputPath(str)):
    return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", 'printf "%s" "$0" > "$1"', text, said])


@dsl.container_component
def write(text: str, file: dsl.Output[dsl.Dataset]):
    return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", 'printf "%s" "$0" > "$1"', text, file.path])


@dsl.container_component
def read(file: dsl.Input[dsl.Dataset], text: dsl.OutputPath(str)):
    return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", 'cat "$0" > "$1"', file.path, text])
