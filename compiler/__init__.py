"""The ptflow compiler: source → tree → checked DAG → KFP documents.

Modules, in the order data flows through them:

- `source`, `diagnostics`, `codes`: positions and the diagnostics every phase reports;
- `parser` → `tree`: text to a typed syntax tree;
- `modules`: imports (stdlib, other .ptflow files, KFP component YAML);
- `types`, `checker` (with `components` and `pipeline_checker`) → `dag`: name resolution, types, and the checked DAG;
- `options`: the option table, one row per `with { }` option (reading, docs, what each target does with it);
- `targets`: lowering the DAG to KFP v2 IR and KFP v1 Argo YAML; `targets.registry` is the table of targets;
- `validate`: checks on compiled documents, whoever wrote them.
"""
