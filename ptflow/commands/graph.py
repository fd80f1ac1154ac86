"""`ptflow graph FILE`: a picture of a pipeline's DAG.

    ptflow graph pipeline.ptflow                       Graphviz dot, to stdout
    ptflow graph pipeline.ptflow --format mermaid      Mermaid, to stdout (paste into Markdown)
    ptflow graph pipeline.ptflow --format svg          pipeline.svg next to the file (needs Graphviz)
    ptflow graph pipeline.ptflow -o dag.png            the format follows the extension

Exit codes: 0 written, 1 the file has errors (or Graphviz is missing), 2 usage.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ptflow.commands.common import EXIT_ERRORS, EXIT_OK, EXIT_USAGE, print_diagnostics

_EXTENSIONS = {".dot": "dot", ".gv": "dot", ".mmd": "mermaid", ".mermaid": "mermaid", ".svg": "svg", ".png": "png"}


def register(subparsers) -> None:
    parser = subparsers.add_parser("graph", help="draw a pipeline's DAG (dot, mermaid, svg, png)")
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--pipeline", metavar="NAME", help="the pipeline to draw (default: the file's last one)")
    parser.add_argument(
        "--format",
        choices=["dot", "mermaid", "svg", "png"],
        help="dot (default), mermaid, or svg/png drawn by Graphviz; default: from -o's extension, else dot",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="where to write it; `-` for stdout (default: stdout for dot and mermaid, "
        "FILE's name with .svg/.png next to it for pictures)",
    )
    parser.set_defaults(handler=run)


def run(args) -> int:
    output_format = args.format or _format_from_extension(args.output) or "dot"
    if args.format and args.output and args.output != "-":
        implied = _format_from_extension(args.output)
        if implied and implied != args.format:
            print(
                f"ptflow graph: -o {args.output} looks like {implied}, but --format is {args.format}", file=sys.stderr
            )
            return EXIT_USAGE
    from ptflow.compiler.api import check_file

    result = check_file(args.file)
    if not result.ok:
        print_diagnostics(result.diagnostics)
        return EXIT_ERRORS
    graph = _choose(result, args.pipeline, args.file)
    if graph is None:
        return EXIT_ERRORS
    from ptflow.compiler import picture

    drawing = picture.build_picture(graph)
    if output_format == "dot":
        content: bytes | str = picture.to_dot(drawing)
    elif output_format == "mermaid":
        content = picture.to_mermaid(drawing)
    else:
        try:
            content = picture.render(drawing, output_format)
        except picture.GraphvizMissing as error:
            print(f"ptflow graph: {error}", file=sys.stderr)
            return EXIT_ERRORS
    output = args.output
    if output is None:
        output = "-" if output_format in ("dot", "mermaid") else str(Path(args.file).with_suffix("." + output_format))
    if output == "-":
        if isinstance(content, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(content)
        else:
            sys.stdout.write(content)
        return EXIT_OK
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    if isinstance(content, bytes):
        temporary.write_bytes(content)
    else:
        temporary.write_text(content, encoding="utf-8")
    temporary.replace(path)
    print(f"drew pipeline `{graph.name}` ({output_format}): {output}", file=sys.stderr)
    return EXIT_OK


def _format_from_extension(output: str | None) -> str | None:
    if not output or output == "-":
        return None
    return _EXTENSIONS.get(Path(output).suffix.lower())


def _choose(result, name: str | None, path: str):
    names = [definition.name.name for definition in result.scope.pipelines()]
    if not names:
        print(f"ptflow graph: {path} defines no pipeline", file=sys.stderr)
        return None
    if name is None:
        return result.pipelines.get(names[-1])
    if name not in result.pipelines:
        from ptflow.compiler.diagnostics import did_you_mean

        suggestion = did_you_mean(name, names)
        hint = f"; {suggestion.hint}" if suggestion else f"; its pipelines are {', '.join(names)}"
        print(f"ptflow graph: {path} has no pipeline `{name}`{hint}", file=sys.stderr)
        return None
    return result.pipelines[name]
