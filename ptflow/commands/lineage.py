"""`ptflow lineage ARTIFACT`: what produced an artifact, from which inputs, and what consumed it."""

from __future__ import annotations

import json
import sys

from ptflow.commands.common import EXIT_ERRORS, EXIT_OK, add_store_option
from ptflow.compiler.diagnostics import codes


def register(subparsers) -> None:
    parser = subparsers.add_parser("lineage", help="what produced an artifact, from which inputs, what consumed it")
    parser.add_argument(
        "artifact", metavar="ARTIFACT", help="an artifact id (#N in `ptflow show`), its URI or path, or RUN/STEP/OUTPUT"
    )
    add_store_option(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from ptflow.commands.runs import open_store
    from ptflow.runtime.runner.views import AmbiguousStep, execution_json, lineage_view

    store = open_store(args.store)
    if store is None:
        return EXIT_ERRORS
    try:
        try:
            found = store.find_artifacts(args.artifact.lstrip("#"))
        except AmbiguousStep as error:
            print(f"error[PTF912]: {args.artifact}: {error}", file=sys.stderr)
            return EXIT_ERRORS
        if not found:
            print(f"error[{codes.NO_SUCH_ARTIFACT}]: no artifact `{args.artifact}` in {args.store}", file=sys.stderr)
            return EXIT_ERRORS
        artifact = found[0]
        lineage = store.lineage(artifact["id"])
    finally:
        store.close()
    if args.json:
        document = {
            "artifact": artifact,
            "producers": [execution_json(e) for e in lineage["producers"]],
            "consumers": [dict(execution_json(e), input_name=e["name"]) for e in lineage["consumers"]],
        }
        print(json.dumps(document, indent=2, default=str))
    else:
        sys.stdout.write(lineage_view(artifact, lineage))
    return EXIT_OK
