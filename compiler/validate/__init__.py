"""Checks on compiled pipeline documents, whoever wrote them.

- `ir`: KFP v2 IR (PipelineSpec YAML and its `platforms` document), in layers:
  strict protobuf parse, the KFP backend's own rules, and semantic checks kfp
  lacks (references, cycles, inputs, placeholders, CEL, value types, names);
- `argo`: Argo Workflows (what KFP 1.x runs), in layers: a typed round trip
  through hera's models (`argo_schema`) and the main rules of Argo's own
  ValidateWorkflow (`argo_rules`);
- `cel`, `placeholders`: the expression languages inside IR documents;
- `protos`: kfp's protobuf classes, loaded without `import kfp`;
- `yaml_source`: positions of YAML keys and values, so diagnostics point into the file.
"""
