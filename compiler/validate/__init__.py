"""Checks on compiled pipeline documents, whoever wrote them.

- `ir`: KFP v2 IR (PipelineSpec YAML and its `platforms` document), in layers:
  strict protobuf parse, the KFP backend's own rules, and semantic checks kfp
  lacks (references, cycles, inputs, placeholders, CEL, value types, names);
- `protos`: kfp's protobuf classes, loaded without `import kfp`;
- `yaml_source`: positions of YAML keys and values, so diagnostics point into the file.
"""
