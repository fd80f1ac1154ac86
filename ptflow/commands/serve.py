"""`ptflow serve ARCHIVE|MODEL`: serve a model here with KServe's v1 and v2 protocols.

ARCHIVE is a `.mar` or `serve.archive`'s output folder; MODEL is what
`torch.train` wrote (its `model_file` folder) or a TorchScript file.  Predict
with `POST /v1/models/NAME:predict` (`{"instances": [...]}`), explain with
`:explain` (Captum), or `POST /v2/models/NAME/infer`.  Listens on 127.0.0.1
unless `--host` says otherwise (`--port 0` picks a free port; the line it
prints says which); a request body over `--max-request-mb` (16 by default)
gets 413; Ctrl-C or SIGTERM stops it.
"""

from __future__ import annotations

import errno
import logging
import sys
from pathlib import Path

from ptflow.commands.common import EXIT_ERRORS, EXIT_USAGE


def register(subparsers) -> None:
    parser = subparsers.add_parser("serve", help="serve a model or .mar archive here (KServe v1/v2 protocol)")
    parser.add_argument(
        "target",
        metavar="ARCHIVE|MODEL",
        help="a .mar, serve.archive's output folder, torch.train's model folder, or a TorchScript file",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8080,
        help="the HTTP port (default 8080; 0 picks a free one, named in the line it prints)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    parser.add_argument("--name", help="the model name in URLs (default: the archive's model name, or the file's)")
    parser.add_argument(
        "--max-request-mb",
        type=float,
        default=None,
        metavar="MB",
        help="answer 413 to a request body larger than this many megabytes (2^20 bytes; default 16)",
    )
    parser.set_defaults(handler=run)


def run(args) -> int:
    if not 0 <= args.port < 65536:
        print(f"error: --port {args.port} is not a TCP port", file=sys.stderr)
        return EXIT_USAGE
    from ptflow.stdlib.serving.model_server import DEFAULT_MAX_REQUEST_MB, listen_on

    max_request_mb = DEFAULT_MAX_REQUEST_MB if args.max_request_mb is None else args.max_request_mb
    if not max_request_mb > 0:
        print(f"error: --max-request-mb {args.max_request_mb:g} must be more than 0", file=sys.stderr)
        return EXIT_USAGE
    # Bound once, before the model loads: a port in use fails fast, and port 0's choice can't be taken meanwhile.
    try:
        listener = listen_on(args.host, args.port)
    except OSError as error:
        problem = (
            "the port is in use (choose another with --port)"
            if error.errno == errno.EADDRINUSE
            else error.strerror or str(error)
        )
        print(f"error: cannot listen on {args.host}:{args.port}: {problem}", file=sys.stderr)
        return EXIT_ERRORS
    from ptflow.stdlib.serving.inference import ModelLoadError
    from ptflow.stdlib.serving.model_server import load_servable, serve

    with listener:
        try:
            servable = load_servable(Path(args.target), args.name)
        except ModelLoadError as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_ERRORS
        logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
        port = listener.getsockname()[1]
        base = f"http://[{args.host}]:{port}" if ":" in args.host else f"http://{args.host}:{port}"
        print(
            f"serving `{servable.name}` on {base}: POST {base}/v1/models/{servable.name}:predict (or :explain), "
            f"{base}/v2/models/{servable.name}/infer; Ctrl-C stops it",
            file=sys.stderr,
            flush=True,
        )
        serve(servable, listener, int(max_request_mb * (1 << 20)))
    return 0
