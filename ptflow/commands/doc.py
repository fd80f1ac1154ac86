"""`ptflow doc stdlib[.MODULE[.COMPONENT]]`: the standard library's reference, from its `##` docs."""

from __future__ import annotations

import sys

from ptflow.commands.common import EXIT_OK, EXIT_USAGE


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "doc",
        help="the standard library's reference (ptflow doc stdlib.torch.train)",
        description="Print the reference of the standard library (`stdlib`), one module (`stdlib.torch`) or "
        "one component (`stdlib.torch.train`) as Markdown: inputs with types, defaults and docs, "
        "outputs, and the module's example. `ptflow doc stdlib` is docs/stdlib.md.",
    )
    parser.add_argument(
        "name",
        nargs="?",
        default="stdlib",
        metavar="NAME",
        help="stdlib, stdlib.MODULE or stdlib.MODULE.COMPONENT (default: stdlib)",
    )
    parser.set_defaults(handler=run)


def run(args) -> int:
    from ptflow.compiler.reference import UnknownReference, reference_markdown

    try:
        text = reference_markdown(args.name)
    except UnknownReference as error:
        print(f"ptflow doc: {error}", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK
