"""`ptflow serve ARCHIVE|MODEL`: serve a model here with KServe's v1 and v2 protocols.

ARCHIVE is a `.mar` or `serve.archive`'s output folder; MODEL is what
`torch.train` wrote (its `model_file` folder) or a TorchScript file.  Predict
with `POST /v1/models/NAME:predict` (`{"instances": [...]}`), explain with
`:explain` (Captum), or `POST /v2/models/NAME/infer`.  Listens on 127.0.0.1
unless `--host` says otherwise; Ctrl-C or SIGTERM stops it.
"""

from __future__ import annotations

import errno
import logging
import socket
import sys
from pathlib import Path

from ptflow.commands.common import EXIT_ERRORS, EXIT_USAGE


def register(subparsers) -> None:
    parser = subparsers.add_parser("serve", help="serve a model or .mar archive here (KServe v1/v2 protocol)")
    parser.add_argument("target", metavar="ARCHIVE|MODEL",
                        help="a .mar, serve.archive's output folder, torch.train's model folder, or a TorchScript file")
    parser.add_argument("--port", type=int, default=8080, help="the HTTP port (default 8080)")
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    parser.add_argument("--name", help="the model name in URLs (default: the archive's model name, or the file's)")
    parser.set_defaults(handler=run)


def run(args) -> int:
    if not 0 < args.port < 65536:
        print(f"error: --port {args.port} is not a TCP port", file=sys.stderr)
        return EXIT_USAGE
    problem = port_problem(args.host, args.port)
    if problem:
        print(f"error: cannot listen on {args.host}:{args.port}: {problem}", file=sys.stderr)
        return EXIT_ERRORS
    from ptflow.stdlib.serving.inference import ModelLoadError
    from ptflow.stdlib.serving.model_server import load_servable, serve

    try:
        servable = load_servable(Path(args.target), args.name)
    except ModelLoadError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERRORS
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    base = f"http://{args.host}:{args.port}"
    print(f"serving `{servable.name}` on {base}: POST {base}/v1/models/{servable.name}:predict (or :explain), "
          f"{base}/v2/models/{servable.name}/infer; Ctrl-C stops it", file=sys.stderr, flush=True)
    serve(servable, args.host, args.port)
    return 0


def port_problem(host: str, port: int) -> str | None:
    """Why the server could not listen there (checked before the model loads), or None."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return "the port is in use (choose another with --port)"
            return error.strerror or str(error)
    return None
