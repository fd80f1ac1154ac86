"""The local runner: executes KFP v2 IR on this machine, with a store, a cache and lineage.

Entry point: `ptflow.runtime.runner.execute.run_file` (what `ptflow run` calls).
Modules, one concept each:

- `spec`: loading the PipelineSpec (YAML, or `.ptflow` compiled in memory)
- `preflight`: what is refused before anything runs
- `values`, `placeholders`, `cel`: KFP's value text, placeholder and CEL rules
- `engine`: DAGs, conditions, loops, exit handlers, fan-in
- `launcher`, `commands`: one container step: retries, timeouts, where its command runs
- `store`, `artifacts`: the SQLite record (runs, executions, artifacts, events) and artifact files
- `progress`, `failures`: what the user sees while and after it runs
"""
