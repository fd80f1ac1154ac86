"""Artifacts passed along a chain of three steps (outputPath -> inputPath).

No output is read by value, so no output parameters remain at all: each
input artifact takes `from: '{{tasks.T.outputs.artifacts.T-out}}'`.
"""

from kfp import components, dsl

download = components.load_component_from_text("""
name: download
inputs:
- {name: url, type: String}
outputs:
- {name: raw, type: Dataset}
implementation:
  container:
    image: alpine:3.19
    command: [sh, -c, 'echo "$0" > "$1"', {inputValue: url}, {outputPath: raw}]
""")

clean = components.load_component_from_text("""
name: clean
inputs:
- {name: raw, type: Dataset}
outputs:
- {name: cleaned, type: Dataset}
implementation:
  container:
    image: alpine:3.19
    command: [cp, {inputPath: raw}, {outputPath: cleaned}]
""")

train = components.load_component_from_text("""
name: train
inputs:
- {name: data, type: Dataset}
- {name: raw, type: Dataset}
outputs:
- {name: model, type: Model}
implementation:
  container:
    image: alpine:3.19
    command: [sh, -c, 'cat "$0" "$1" > "$2"', {inputPath: data}, {inputPath: raw}, {outputPath: model}]
""")


@dsl.pipeline(name="artifact-passing")
def pipeline(url: str = "https://example.com/data.csv"):
    raw = download(url=url)
    cleaned = clean(raw=raw.outputs["raw"])
    train(data=cleaned.outputs["cleaned"], raw=raw.outputs["raw"])
