"""Output files consumed by value and as artifacts; unused parameters pruned.

`make` has three outputs.  `count` is read by value downstream, so it is both
an output parameter (`valueFrom.path`) and an artifact; `data` is read as a
file (an artifact argument with `from:`); `note` is read by nobody, so kfp's
`fix_big_data_passing` keeps it only as an artifact.
"""

from kfp import components, dsl

make = components.load_component_from_text("""
name: make
inputs:
- {name: rows, type: Integer}
outputs:
- {name: data, type: Dataset}
- {name: count, type: Integer}
- {name: note, type: String}
implementation:
  container:
    image: alpine:3.19
    command: [sh, -c, 'seq "$0" > "$1"; echo "$0" > "$2"; echo made > "$3"',
              {inputValue: rows}, {outputPath: data}, {outputPath: count}, {outputPath: note}]
""")

use = components.load_component_from_text("""
name: use
inputs:
- {name: data, type: Dataset}
- {name: count, type: Integer}
implementation:
  container:
    image: alpine:3.19
    command: [sh, -c, 'wc -l "$0"; echo "$1"', {inputPath: data}, {inputValue: count}]
""")


@dsl.pipeline(name="outputs-by-value")
def pipeline(rows: int = 10):
    made = make(rows=rows)
    use(data=made.outputs["data"], count=made.outputs["count"])
