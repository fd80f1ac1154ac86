"""`ptflow validate FILE.yaml`: check a compiled KFP document, whoever wrote it.

KFP v2 IR (a PipelineSpec, optionally followed by a `platforms` document) goes
through `ptflow.compiler.validate.ir`; an Argo Workflow (KFP v1) through
`ptflow.compiler.validate.argo`.  Exit 0 when clean (warnings allowed), 1 on
errors or an unreadable file, 2 on usage errors.
"""

from __future__ import annotations

import json
import sys

from ptflow.commands.common import EXIT_ERRORS, EXIT_OK, has_errors
from ptflow.compiler.diagnostics import codes
from ptflow.compiler.diagnostics.json_format import diagnostic_to_json
from ptflow.compiler.gc_pause import garbage_collection_paused

# A document broken throughout (a thousand tasks all wrong the same way) would bury the terminal: text output
# shows this many findings, errors first, then says how many more there are; --format json lists them all.
SHOWN_AT_MOST = 50


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "validate", help="check a compiled KFP v2 IR or Argo Workflow YAML file (from ptflow, kfp or by hand)"
    )
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.add_argument("--deny-warnings", action="store_true", help="exit 1 on warnings too")
    # Its output is written and flushed when it returns: the process can end without freeing (cli.exit_at_once).
    parser.set_defaults(handler=run, exits_at_once=True)


def run(args) -> int:
    everything = []
    texts: dict[str, str] = {}
    for path in args.files:
        with garbage_collection_paused():
            diagnostics, text = validate_file(path)
        everything.extend(diagnostics)
        if text is not None:
            texts[path] = text
    if args.format == "json":
        json.dump([_as_json(d) for d in everything], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_capped(everything, texts)
    return EXIT_ERRORS if has_errors(everything, args.deny_warnings) else EXIT_OK


def _print_capped(diagnostics: list, texts: dict[str, str]) -> None:
    from ptflow.compiler.diagnostics.text import SourceCache, render_text, summary

    if not diagnostics:
        sys.stderr.write(summary(diagnostics) + "\n")
        return
    worst_first = sorted(diagnostics, key=lambda d: d.severity)  # stable: each severity keeps its order
    shown = worst_first[:SHOWN_AT_MOST]
    color = sys.stderr.isatty()
    sys.stderr.write(render_text(shown, SourceCache(texts), color=color) + "\n")
    hidden = len(diagnostics) - len(shown)
    if hidden:
        sys.stderr.write(f"... and {hidden} more (--format json lists them all)\n")
    sys.stderr.write(summary(diagnostics) + "\n")


def _as_json(diagnostic) -> dict:
    data = diagnostic_to_json(diagnostic)
    data.setdefault("hint", None)
    return data


def validate_file(path: str):
    """(diagnostics, text) for one file; text is None when it could not be read."""
    from ptflow.compiler.diagnostics import Diagnostics
    from ptflow.compiler.source import SourceText

    diagnostics = Diagnostics()
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        diagnostics.report(codes.CANNOT_READ_FILE, f"cannot read `{path}`: {reason}", None)
        return diagnostics.items, None
    source = SourceText(path, text)
    documents = _load(source, diagnostics)
    if documents is not None:
        diagnostics.extend(validate_documents(documents, source, diagnostics))
    return diagnostics.items, text


def _load(source, diagnostics):
    import yaml

    from ptflow.compiler.validate.yaml_source import safe_load_documents, yaml_error_span

    try:
        return safe_load_documents(source.text)
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or str(error).split("\n")[0]
        diagnostics.report(codes.INVALID_YAML, f"not valid YAML: {problem}", yaml_error_span(error, source))
        return None


def validate_documents(documents: list, source, diagnostics) -> list:
    """Recognize what the documents are and run the matching validator."""
    from ptflow.compiler.validate.ir import is_pipeline_spec

    present = [d for d in documents if d is not None]
    start = source.span(0, min(len(source.text), max(1, source.text.find("\n"))))
    if not present:
        diagnostics.report(codes.NOT_A_PIPELINE_DOCUMENT, f"`{source.path}` holds no YAML document", start)
        return []
    if any(is_pipeline_spec(d) for d in present):
        from ptflow.compiler.validate.ir import validate_ir

        return validate_ir(documents, source)
    from ptflow.compiler.validate.argo import is_workflow, validate_workflow

    workflow = next((d for d in present if is_workflow(d)), None)
    if workflow is not None:
        return list(validate_workflow(workflow, source))
    diagnostics.report(
        codes.NOT_A_PIPELINE_DOCUMENT,
        "not a KFP pipeline document: expected KFP v2 IR (`pipelineInfo`, `root`, `deploymentSpec`) "
        "or an Argo Workflow (`apiVersion: argoproj.io/v1alpha1`, `kind: Workflow`)",
        start,
    )
    return []
