"""`ptflow compile FILE`: write the KFP document a pipeline compiles to."""

from __future__ import annotations

import sys
from pathlib import Path

from ptflow.commands.common import (
    EXIT_ERRORS,
    EXIT_OK,
    EXIT_USAGE,
    dump_yaml_documents,
    parse_assignments,
    print_diagnostics,
)
from ptflow.compiler.targets.registry import DEFAULT_TARGET, TARGETS


def register(subparsers) -> None:
    parser = subparsers.add_parser("compile", help="compile a .ptflow pipeline to KFP v2 IR or KFP v1 (Argo) YAML")
    parser.add_argument("file", metavar="FILE")
    parser.add_argument(
        "--target",
        choices=list(TARGETS),
        default=DEFAULT_TARGET,
        help="; ".join(
            f"{name}: {target.description}" + (" (default)" if name == DEFAULT_TARGET else "")
            for name, target in TARGETS.items()
        ),
    )
    parser.add_argument("--pipeline", metavar="NAME", help="the pipeline to compile (default: the file's last one)")
    parser.add_argument(
        "-o", "--output", metavar="OUT", help="output file (.yaml; .tar.gz or .zip for kfp-v1); `-` for stdout"
    )
    parser.add_argument(
        "-p", "--param", action="append", metavar="NAME=VALUE", help="override a parameter's default (repeatable)"
    )
    parser.add_argument("--image", metavar="REF", help="the ptflow runtime image for standard-library steps")
    # The compile runs with the collector paused already (api.compile_file); without it from the start, the
    # compiler's imports skip ~5 ms of scans too.  Its output is written and flushed when it returns: the
    # process can end without freeing (cli.py: collector_off, exit_at_once).
    parser.set_defaults(handler=run, collector_off=True, exits_at_once=True)


def default_output(source: str, target: str) -> Path:
    path = Path(source)
    return path.with_name(path.stem + TARGETS[target].suffix)


def run(args) -> int:
    from ptflow.compiler.api import compile_file

    try:
        params = parse_assignments(args.param)
    except ValueError as error:
        print(f"ptflow compile: {error}", file=sys.stderr)
        return EXIT_USAGE
    result = compile_file(args.file, args.target, pipeline=args.pipeline, params=params, image=args.image)
    if not result.ok:
        print_diagnostics(result.diagnostics)
        return EXIT_ERRORS
    if result.diagnostics:
        print_diagnostics(result.diagnostics)
    from ptflow.compiler.gc_pause import garbage_collection_paused

    with garbage_collection_paused():
        text = dump_yaml_documents(result.documents, header=_header(result))
    output = args.output or str(default_output(args.file, args.target))
    if output == "-":
        sys.stdout.write(text)
        return EXIT_OK
    _write(Path(output), text, args.target)
    print(f"compiled pipeline `{result.pipeline}` for {args.target}: {output}")
    return EXIT_OK


def _header(result) -> str:
    return (
        f"# Compiled by ptflow from {result.path} (pipeline `{result.pipeline}`, target {result.target}).\n"
        "# Edit the .ptflow source, not this file.\n"
    )


def _write(path: Path, text: str, target: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    name = path.name
    if name.endswith((".tar.gz", ".tgz")) or name.endswith(".zip"):
        from ptflow.compiler.packaging import write_package

        write_package(path, text)
        return
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
