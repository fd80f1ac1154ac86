"""`ptflow run FILE`: run a pipeline on this machine, with caching and lineage in a local store."""

from __future__ import annotations

import sys

from ptflow.commands.common import (
    EXIT_ERRORS,
    EXIT_OK,
    EXIT_USAGE,
    add_store_option,
    parse_assignments,
    print_diagnostics,
)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run a pipeline here (.ptflow or compiled KFP v2 YAML), with caching and lineage",
        description="Run a pipeline on this machine. A .ptflow file is compiled in memory; a .yaml file is any "
        "KFP v2 PipelineSpec compiled from container components.",
    )
    parser.add_argument("file", metavar="FILE", help="a .ptflow file or a KFP v2 IR .yaml file")
    parser.add_argument(
        "-p",
        "--param",
        action="append",
        metavar="NAME=VALUE",
        help="a pipeline parameter (repeatable); lists and dicts as JSON",
    )
    parser.add_argument("--pipeline", metavar="NAME", help="the pipeline of a .ptflow file to run (default: its last)")
    add_store_option(parser)
    parser.add_argument(
        "--parallelism",
        metavar="N",
        type=_positive_int,
        default=None,
        help="run at most N steps at once (default: the number of CPUs)",
    )
    parser.add_argument("--no-cache", action="store_true", help="run every step, even if a cached result exists")
    parser.add_argument(
        "--containers",
        action="store_true",
        help="run steps in their images with Docker or Podman (the ptflow runtime's steps run here)",
    )
    parser.add_argument(
        "--secrets",
        metavar="DIR|FILE",
        help="where steps' Kubernetes secrets come from: DIR/NAME/KEY, a folder per secret holding a file per key "
        "(the layout `kubectl create secret generic NAME --from-file=DIR/NAME` reads), or a YAML FILE: a map "
        "NAME -> KEY -> value, or `kind: Secret` manifests as `kubectl get secret -o yaml` prints them; env "
        "values reach the step's environment only, never its log or the run record; mounts need --containers",
    )
    parser.add_argument(
        "--config-maps",
        metavar="DIR|FILE",
        help="where steps' Kubernetes ConfigMaps come from: DIR/NAME/KEY or a FILE, as for --secrets "
        "(`kubectl create configmap NAME --from-file=DIR/NAME`, `kind: ConfigMap` manifests)",
    )
    parser.add_argument(
        "--step-timeout", metavar="SECONDS", type=float, default=None, help="stop any step that runs longer than this"
    )
    parser.add_argument("--image", metavar="REF", help="the ptflow runtime image to compile .ptflow steps with")
    parser.set_defaults(handler=run)


def _positive_int(text: str) -> int:
    import argparse

    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text}") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def run(args) -> int:
    from ptflow.runtime.runner.cluster_objects import ObjectError, ObjectSources, object_source
    from ptflow.runtime.runner.engine import RunOptions
    from ptflow.runtime.runner.execute import run_file
    from ptflow.runtime.runner.object_files import ObjectFileError

    try:
        arguments = parse_assignments(args.param)
    except ValueError as error:
        print(f"ptflow run: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        objects = ObjectSources(
            object_source("--secrets", args.secrets, "secret") if args.secrets else None,
            object_source("--config-maps", args.config_maps, "ConfigMap") if args.config_maps else None,
        )
    except (ObjectError, ObjectFileError) as error:
        print(f"ptflow run: {error}", file=sys.stderr)
        return EXIT_USAGE
    options = RunOptions(
        use_cache=not args.no_cache, containers=args.containers, step_timeout=args.step_timeout, objects=objects
    )
    if args.parallelism:
        options.parallelism = args.parallelism
    color = sys.stderr.isatty()
    try:
        outcome = run_file(
            args.file,
            arguments,
            options=options,
            store_dir=args.store,
            pipeline=args.pipeline,
            image=args.image,
            stream=sys.stdout,
            color=color,
        )
    except KeyboardInterrupt as interrupted:  # Ctrl-C, SIGTERM, SIGHUP: the steps are stopped, the run recorded
        from ptflow.runtime.runner.interruption import exit_code, signal_of

        print(
            f"interrupted by {signal_of(interrupted)}: the run is recorded as interrupted; "
            "`ptflow run` again finishes it from the cache",
            file=sys.stderr,
        )
        return exit_code(interrupted)
    if outcome.result is None:
        print_diagnostics(outcome.diagnostics)
        return EXIT_ERRORS
    if outcome.diagnostics:
        print_diagnostics(outcome.diagnostics)
    result = outcome.result
    if outcome.report:
        sys.stderr.write(outcome.report)
    if result.outputs:
        from ptflow.runtime.runner.values import to_text

        # As `ptflow show` prints them and a step would receive them: the store holds numbers as protobuf
        # doubles, and a gathered list of ints would otherwise read `[[20.0, 40.0]]`.
        for name, value in sorted(result.outputs.items()):
            print(f"  output {name} = {to_text(value)}")
    if result.status != "SUCCEEDED":
        print(f"see `ptflow show {result.run_id} --store {args.store}` for every step", file=sys.stderr)
        return EXIT_ERRORS
    return EXIT_OK
