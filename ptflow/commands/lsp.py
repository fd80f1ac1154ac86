"""`ptflow lsp`: the language server, speaking LSP over stdio (for editors to start)."""

from __future__ import annotations

import sys

from ptflow.commands.exit_codes import EXIT_OK, EXIT_USAGE


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "lsp",
        help="run the language server over stdio (editors start this)",
        description="Run the ptflow language server: LSP over stdin/stdout, for editors such as VS Code, "
        "Neovim, Helix and Emacs. It reports the diagnostics of `ptflow check` as you type, "
        "and offers completion, hover, go to definition, references, rename, outline, "
        "quick fixes and formatting.",
    )
    # Language clients add `--stdio` when they talk over stdin/stdout, the only transport there is.
    parser.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default)")
    parser.add_argument(
        "--check-delay-ms",
        type=float,
        default=None,
        metavar="MS",
        help="how long edits must pause before a check starts (default 5)",
    )
    parser.add_argument("--log-file", metavar="PATH", help="write the server's log here (default: stderr)")
    parser.add_argument("--log-level", choices=["debug", "info", "warning", "error"], default="warning")
    parser.set_defaults(handler=run)


def run(args) -> int:
    import importlib.util
    import logging

    missing = next((name for name in ("pygls", "lsprotocol") if importlib.util.find_spec(name) is None), None)
    if missing:
        print(f"ptflow lsp: the language server needs {missing}: pip install 'ptflow[lsp]'", file=sys.stderr)
        return EXIT_USAGE

    handler = (
        logging.FileHandler(args.log_file, encoding="utf-8") if args.log_file else logging.StreamHandler(sys.stderr)
    )  # stdout carries the protocol; logs must never go there
    logging.basicConfig(
        level=args.log_level.upper(), handlers=[handler], format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # `initialize` is answered before pygls is imported (most of the start): see ptflow/lsp/handshake.py.
    from ptflow.lsp.handshake import start_session

    handshake = start_session(sys.stdin.buffer, sys.stdout.buffer)
    if handshake.exit_code is not None:
        return handshake.exit_code
    from ptflow.lsp.server import DEFAULT_CHECK_DELAY_S, main

    delay = DEFAULT_CHECK_DELAY_S if args.check_delay_ms is None else max(0.0, args.check_delay_ms / 1000)
    main(delay, handshake)
    return EXIT_OK
