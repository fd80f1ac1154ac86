"""Hostile inputs, timed: what took seconds to minutes (or gigabytes) before issue 15, and what it takes now.

    .venv/bin/python benchmarks/hostile_inputs.py                       # this checkout
    .venv/bin/python benchmarks/hostile_inputs.py --peer /work/main/.venv/bin/python   # and another, side by side

Each measurement runs in a fresh subprocess of the given interpreter (so a
peer checkout's ptflow can be timed the same way), times only the work (not
the interpreter start), and is cut off after --timeout seconds.  `ptflow
validate` is timed as a whole process, with its peak memory from getrusage.

- check: 1,000 / 2,000 / 3,000 unclosed `[` in a signature of the
  control_flow example (quadratic error recovery: 31 s for 3,000), an
  f-string with 20,000 placeholders (44 s), and 1 MB files of assorted
  hostile text (every file of at most 1 MB should take under 2 s);
- the language server: from opening the 3,000 `[` file to its diagnostics,
  over stdio (11.6 s);
- validate: an alias bomb, 16,000 unknown keys (over 10 s), a duplicate key, a
  5,000-digit integer and nesting 500 deep (each refused in under 1 s and 100 MB).

Run it by hand on a quiet machine; it is not part of the test suite.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "control_flow" / "control_flow.ptflow"

_CHECK = """
import sys, time
from ptflow.compiler.api import check_file
text = open(sys.argv[1], encoding="utf-8", errors="surrogatepass").read()
started = time.perf_counter()
result = check_file(sys.argv[1], text)
print(time.perf_counter() - started, len(result.diagnostics))
"""

_LSP = """
import json, os, select, subprocess, sys, time
path = sys.argv[1]
server = subprocess.Popen([sys.executable, "-m", "ptflow", "lsp", "--stdio"], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
def send(message):
    body = json.dumps(message).encode()
    server.stdin.write(b"Content-Length: %d\\r\\n\\r\\n" % len(body) + body)
    server.stdin.flush()
buffer = b""
def messages():
    global buffer
    while True:
        while b"\\r\\n\\r\\n" in buffer:
            head, rest = buffer.split(b"\\r\\n\\r\\n", 1)
            length = int([line for line in head.split(b"\\r\\n") if line.lower().startswith(b"content-length")][0]
                         .split(b":")[1])
            if len(rest) < length:
                break
            buffer = rest[length:]
            yield json.loads(rest[:length])
        buffer += os.read(server.stdout.fileno(), 1 << 16)
stream = messages()
send({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"capabilities": {}}})
while "id" not in next(stream):
    pass
send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
uri = "file://" + path
started = time.perf_counter()
send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
    "uri": uri, "languageId": "ptflow", "version": 1, "text": open(path).read()}}})
for message in stream:
    if message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri:
        print(time.perf_counter() - started, len(message["params"]["diagnostics"]))
        break
server.kill()
"""

_VALIDATE = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run([sys.executable, "-m", "ptflow", "validate", sys.argv[1], "--format", "json"],
                      capture_output=True)
elapsed = time.perf_counter() - started
print(elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024, len(done.stdout) + len(done.stderr))
"""


def source_cases(directory: Path) -> dict[str, Path]:
    example = EXAMPLE.read_text()
    signature = example.index("-> (y: ") + len("-> (y: ")
    cases = {}
    for count in (1000, 2000, 3000):
        cases[f"{count:,} unclosed [ in a signature"] = example[:signature] + "[" * count + example[signature:]
    cases["f-string, 20,000 placeholders"] = 'pipeline p(a: str) {\n    s = f(a: f"' + "{a}" * 20_000 + '")\n}\n'
    megabyte = 1_000_000
    cases["1 MB: the example, repeated"] = (example * (megabyte // len(example) + 1))[:megabyte]
    cases["1 MB: ["] = "[" * megabyte
    cases["1 MB: ( after a call"] = "pipeline p() {\n    s = f(a: " + "(" * (megabyte - 30) + "\n}\n"
    cases["1 MB: a number repeated"] = "pipeline p() {\n    s = f(a: [" + "0.1 " * (megabyte // 4) + "])\n}\n"
    cases["1 MB: x.b.b.b..."] = "pipeline p() {\n    s = f(a: x" + ".b" * (megabyte // 2) + ")\n}\n"
    cases["1 MB: one comment line"] = "# " + "c" * megabyte + "\npipeline p() {}\n"
    cases["1 MB: unterminated strings"] = '"x\n' * (megabyte // 3)
    cases["1 MB: nested if blocks"] = "pipeline p(n: int = 1) {\n" + "if n == 1 {\n" * (megabyte // 12) + "\n}\n"
    cases["1 MB: lone surrogates"] = 'pipeline p() {\n    s = f(a: "' + "\ud800" * (megabyte // 2) + '")\n}\n'
    paths = {}
    for index, (name, text) in enumerate(cases.items()):
        path = directory / f"case{index}.ptflow"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        paths[name] = path
    return paths


def yaml_cases(directory: Path) -> dict[str, Path]:
    header = "pipelineInfo: {name: p}\nschemaVersion: 2.1.0\nsdkVersion: kfp-2.7.0\ndeploymentSpec: {executors: {}}\n"
    anchors = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    anchors += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    cases = {
        "alias bomb (10^8 strings)": header + "root:\n  dag: {tasks: {}}\n  inputDefinitions:\n    parameters:\n"
        "      x: {parameterType: STRING, defaultValue: {" + ", ".join(anchors) + "}}\n",
        "16,000 unknown keys": header
        + "root: {dag: {tasks: {}}}\n"
        + "".join(f"unknown{i}: 1\n" for i in range(16_000)),
        "a duplicate key": header + "root: {dag: {tasks: {}}}\nschemaVersion: 2.1.0\n",
        "a 5,000-digit integer": header + "root: {dag: {tasks: {}}}\nextra: " + "9" * 5000 + "\n",
        "nesting 500 deep": header + "root: {dag: {tasks: {}}}\nextra: " + "[" * 500 + "]" * 500 + "\n",
    }
    paths = {}
    for index, (name, text) in enumerate(cases.items()):
        path = directory / f"case{index}.yaml"
        path.write_text(text)
        paths[name] = path
    return paths


def measure(python: str, script: str, path: Path, timeout: float) -> list[str]:
    # Run from the inputs' folder: `python -c` puts the working directory first on sys.path, and from a
    # checkout's root that would import this checkout's ptflow whatever the interpreter.
    try:
        done = subprocess.run(
            [python, "-c", script, str(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=path.parent,
        )
    except subprocess.TimeoutExpired:
        return [f">{timeout:.0f}"]
    if done.returncode != 0 or not done.stdout.strip():
        return ["crash: " + (done.stderr.strip().splitlines() or ["?"])[-1][:60]]
    return done.stdout.split()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--peer", help="another checkout's interpreter to time the same inputs with")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--skip-lsp", action="store_true")
    args = parser.parse_args(argv)
    pythons = {"this": sys.executable}
    if args.peer:
        pythons["peer"] = args.peer

    def row(name: str, results: dict[str, list[str]], unit: str) -> None:
        shown = []
        for label, values in results.items():
            try:
                seconds = float(values[0])
                extra = (
                    f", {values[1]} diagnostics"
                    if unit == "check"
                    else (f", {values[1]} MB, {int(values[2]):,} bytes of output" if unit == "validate" else "")
                )
                shown.append(f"{label} {seconds:7.2f} s{extra}")
            except ValueError:
                shown.append(f"{label} {values[0]}")
        print(f"  {name:38s} " + " | ".join(shown), flush=True)

    with tempfile.TemporaryDirectory() as directory:
        directory = Path(directory)
        print("ptflow check (the work only):")
        sources = source_cases(directory)
        for name, path in sources.items():
            row(
                name, {label: measure(python, _CHECK, path, args.timeout) for label, python in pythons.items()}, "check"
            )
        if not args.skip_lsp:
            print("language server, didOpen to publishDiagnostics:")
            path = sources["3,000 unclosed [ in a signature"]
            row(
                "3,000 unclosed [ in a signature",
                {label: measure(python, _LSP, path, args.timeout) for label, python in pythons.items()},
                "lsp",
            )
        print("ptflow validate (whole process; peak memory):")
        for name, path in yaml_cases(directory).items():
            row(
                name,
                {label: measure(python, _VALIDATE, path, args.timeout) for label, python in pythons.items()},
                "validate",
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
