"""The `mlpipeline-ui-metadata` and `mlpipeline-metrics` outputs.

Outputs whose names sanitize to these two become artifacts with exactly those
names (no task prefix), which the KFP 1.x UI reads for its visualizations and
run metrics.
"""

from kfp import components, dsl

evaluate = components.load_component_from_text("""
name: evaluate
inputs:
- {name: threshold, type: Float}
outputs:
- {name: mlpipeline_ui_metadata, type: Artifact}
- {name: mlpipeline_metrics, type: Metrics}
implementation:
  container:
    image: alpine:3.19
    command: [sh, -c, 'echo "{\\"outputs\\": []}" > "$1"; echo "{\\"metrics\\": [{\\"name\\": \\"t\\", \\"numberValue\\": $0}]}" > "$2"',
              {inputValue: threshold}, {outputPath: mlpipeline_ui_metadata}, {outputPath: mlpipeline_metrics}]
""")


@dsl.pipeline(name="ui-metadata-and-metrics")
def pipeline(threshold: float = 0.8):
    evaluate(threshold=threshold)
