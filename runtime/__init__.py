"""The ptflow runtime: the code that runs a standard-library step, and the local runner.

Inside the ptflow container image, `python -m ptflow.runtime STEP --flag
value ...` runs one standard-library step (`entrypoint`): `registry` finds
the step, `command_line` reads its flags, `contract` is how a step declares
its typed inputs and outputs, and `kfp_io` is what it reports to KFP v2 and
v1.  `suggestions` offers "did you mean" for misspelled names.  Nothing here
imports torch at module level, and nothing here imports the compiler.

`runner/` is different: the local runner behind `ptflow run`, which runs on
the user's machine, compiles .ptflow files, and executes KFP v2 IR with an
SQLite store; it is the one part of runtime/ that may import the compiler.
"""
