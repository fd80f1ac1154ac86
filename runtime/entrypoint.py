"""The container entrypoint: pick the step, read its command line, run it, report to KFP.

Exit codes: 0 the step succeeded; 1 it failed; 2 it was called wrongly (an
unknown step or flag, a bad value, a missing input), which is reported
before any compute is spent.
"""

from __future__ import annotations

import logging
import sys
import time

from ptflow.runtime import kfp_io
from ptflow.runtime.command_line import describe_step, parse_invocation
from ptflow.runtime.contract import Outputs, StepError, UsageError, check_output_value, is_chief_process
from ptflow.runtime.registry import find_step, known_steps

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
PROGRAM = "python -m ptflow.runtime"
log = logging.getLogger("ptflow.runtime")


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    if not arguments or arguments[0] in ("-h", "--help"):
        print(_overview(), file=sys.stdout if arguments else sys.stderr)
        return EXIT_OK if arguments else EXIT_USAGE
    name, rest = arguments[0], arguments[1:]
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format=f"[{name}] %(message)s")
    try:
        spec = find_step(name)
        if rest[:1] in (["-h"], ["--help"]):  # only in flag position: a value may be any text
            print(describe_step(spec))
            return EXIT_OK
        return run(spec, rest)
    except UsageError as error:
        print(f"{PROGRAM} {name}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except StepError as error:
        print(f"{PROGRAM} {name}: failed: {error}", file=sys.stderr)
        return EXIT_FAILED


def run(spec, arguments: list[str]) -> int:
    invocation = parse_invocation(spec, arguments)
    for artifact in invocation.output_artifacts.values():
        artifact.path.parent.mkdir(parents=True, exist_ok=True)
    outputs = Outputs(invocation.output_artifacts)
    started = time.perf_counter()
    returned = spec.call(outputs, invocation.inputs)
    if not is_chief_process():
        # Other ranks of a distributed run (Lightning relaunches this command per
        # device) trained alongside; rank 0 alone reports.
        return EXIT_OK
    parameters = _output_parameters(spec, returned)
    kfp_io.write_output_parameters(parameters, invocation.output_parameter_paths)
    kfp_io.write_metrics_files(outputs)
    if invocation.executor_input is not None:
        kfp_io.write_executor_output(invocation.executor_input, outputs, parameters)
    kfp_io.write_v1_files(outputs, invocation.v1_ui_metadata, invocation.v1_metrics)
    log.info("done in %.2f s", time.perf_counter() - started)
    return EXIT_OK


def _output_parameters(spec, returned: dict) -> dict:
    declared = {port.name: port for port in spec.outputs if not port.type.is_artifact}
    unknown = set(returned) - set(declared)
    if unknown:
        raise StepError(f"the step returned undeclared outputs {sorted(unknown)}")
    return {name: check_output_value(port, returned.get(name)) for name, port in declared.items()}


def _overview() -> str:
    lines = [f"usage: {PROGRAM} STEP [--name value ...]   ({PROGRAM} STEP --help for a step's flags)", "", "steps:"]
    for name, spec in known_steps().items():
        summary = spec.doc.splitlines()[0] if spec.doc else ""
        lines.append(f"  {name:24} {summary}")
    return "\n".join(lines)
