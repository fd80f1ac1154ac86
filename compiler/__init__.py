"""The ptflow compiler: source → tree → checked DAG → KFP documents.

Modules, in the order data flows through them:

- `api`: the front door the CLI, the language server and the runner call
  (check a file, compile it to a target);
- `source`, `diagnostics` (a package: the model, the catalogue of codes,
  suggestions with their fixes, and the text, JSON and SARIF renderers):
  positions and the diagnostics every phase reports;
- `parser` → `tree`: text to a typed syntax tree;
- `modules`, `component_yaml`: finding imported files (stdlib, other .ptflow
  files) and reading KFP component YAML and compiled IR;
- `types`, `quantities`, `names`: the type system, Kubernetes quantities and names;
- `options`: the option table, one row per `with { }` option (how it is read,
  its docs, what each target writes for it);
- `checker` (with `components` for component definitions and
  `pipeline_checker` for pipeline bodies) → `dag`: name resolution, types,
  and the checked DAG;
- `targets`: lowering the DAG to KFP v2 IR (`kfp_v2`), KFP v1 Argo YAML
  (`kfp_v1`, `kfp_v1_channels`, `kfp_v1_container`, `kfp_v1_support`) and
  Vertex AI (`vertex`, `vertex_machines`); `targets.registry` is the table of
  targets (support check, lowering, validator, file suffix);
- `validate`: checks on compiled documents, whoever wrote them;
- `lint`: the lint rules and `ptflow check`'s configuration;
- `formatter` (with `layout_printer` and `format_check`): `ptflow fmt`;
- `picture`: `ptflow graph`'s pictures of a checked pipeline;
- `index`, `completion` (with `cursor`), `rename`: what editors ask, answered
  without the Language Server Protocol;
- `image`: the default runtime image reference; `packaging`: KFP's upload
  archives; `yaml_writer`: the YAML writer; `gc_pause`: pausing the garbage
  collector during big jobs.

The compiler imports nothing from runtime/, stdlib/ or the CLI/LSP
(tests/architecture/test_layering.py); code the container side shares with
it (`image`, `targets.vertex_machines`) lives here as pure modules.
"""
