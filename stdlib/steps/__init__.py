"""Runtime steps of the standard library: every module here registers its own.

Each module declares its steps with `ptflow.runtime.contract.step` and is
imported by the runtime's registry to find them, so a module must be cheap to
import: no torch, lightning, ax or transformers at module level (import them
inside the step function, or in a helper module only the step imports).

One module per family of steps (data, training, tensorboard, hpo, serving,
...); a step's name is `<ptflow module>.<component>` as the `.ptflow`
declaration writes it (`runtime = "torch.train"`).
"""
