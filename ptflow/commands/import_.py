"""`ptflow import SOURCE [-o OUT.ptflow]`: a KFP v2 IR pipeline or component, a KFP v1
component.yaml, or a KFP 1.x pipeline (kfp 1.8's Argo Workflow, or its .tar.gz/.zip
package) as idiomatic .ptflow.

    ptflow import pipeline.yaml                  the .ptflow source on stdout
    ptflow import pipeline.yaml -o pipeline.ptflow
    ptflow import kfp1_pipeline.tar.gz -o pipeline.ptflow
    ptflow import pipeline.py [--function NAME]   compiled by the installed kfp, in a child process

What imports but means something else on KFP v2 (a KFP 1.x workflow's Argo
variables, UI output files, cache staleness) is a PTF922 warning with its path.

Exit codes: 0 imported, 1 the source can't be imported (the message names the
document path of the problem and a PTF code) or the imported source is written
but `ptflow check` rejects it (a language gap: its diagnostics follow), 2 usage.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ptflow.commands.common import EXIT_ERRORS, EXIT_OK, EXIT_USAGE, print_diagnostics
from ptflow.compiler.diagnostics import Diagnostics, codes


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "import",
        help="turn a KFP v2 IR pipeline or component, a v1 component.yaml or a KFP 1.x pipeline into a .ptflow file",
    )
    parser.add_argument(
        "source",
        metavar="SOURCE",
        help="a KFP v2 IR file (.yaml or .json), a KFP v1 component.yaml, a KFP 1.x workflow (.yaml, .tar.gz, "
        ".zip), or a KFP Python file (.py, compiled with the installed kfp)",
    )
    parser.add_argument("-o", "--output", metavar="OUT.ptflow", help="write here instead of stdout")
    parser.add_argument(
        "--function",
        metavar="NAME",
        help="for a KFP Python file: the @dsl.pipeline (or component) to import, when it defines several",
    )
    parser.set_defaults(handler=run)


def run(args) -> int:
    from ptflow.compiler.importer import ImportRefused
    from ptflow.compiler.importer.api import import_document
    from ptflow.compiler.importer.package_reader import is_package, read_package

    origin = args.source
    python_file = args.source.endswith(".py")
    if args.function and not python_file:
        print("ptflow import: --function is for a KFP Python file (.py)", file=sys.stderr)
        return EXIT_USAGE
    try:
        if python_file:
            text = _compiled_by_kfp(args.source, args.function)
            if text is None:
                return EXIT_ERRORS
        elif is_package(args.source):
            text, origin = read_package(args.source)
        else:
            text = Path(args.source).read_text(encoding="utf-8")
        imported = import_document(text, origin, args.output or f"{_stem(args.source)}.ptflow")
    except ImportRefused as refused:
        where = f" at `{refused.where}`" if refused.where else ""
        return _refuse(refused.code, f"`{args.source}`{where}: {refused.message}")
    except (OSError, UnicodeDecodeError) as error:
        return _refuse(codes.CANNOT_READ_FILE, f"cannot read `{args.source}`: {error}")
    except RecursionError:
        return _refuse(codes.NOT_A_KFP_DOCUMENT, f"`{args.source}`: the document nests too deeply to import")
    source = imported.source
    if imported.warnings:
        notes = Diagnostics()
        for code, where, message in imported.warnings:
            notes.report(code, f"`{args.source}` at `{where}`: {message}", None)
        print_diagnostics(list(notes))
    problems = _check(imported)
    if args.output:
        try:
            Path(args.output).write_text(source, encoding="utf-8")
        except OSError as error:
            return _refuse(codes.CANNOT_READ_FILE, f"cannot write `{args.output}`: {error}")
        print(f"imported {args.source}: {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(source)
    if problems:
        gap = Diagnostics()
        gap.report(
            codes.NOT_EXPRESSIBLE_IN_PTFLOW,
            f"`{args.source}`: the imported source uses what ptflow's "
            "checker rejects (a language gap; edit the lines below by hand)",
            None,
        )
        print_diagnostics([*gap, *problems], texts={d.span.file: source for d in problems if d.span})
        return EXIT_ERRORS
    return EXIT_OK


def _compiled_by_kfp(path: str, function: str | None) -> str | None:
    """kfp's YAML for the Python file, or None once the reason is printed."""
    from ptflow.kfp_python import KFP_MISSING, compile_python_file

    if not Path(path).is_file():
        _refuse(codes.CANNOT_READ_FILE, f"cannot read `{path}`: no such file")
        return None
    compiled = compile_python_file(path, function)
    if compiled.exit_code == KFP_MISSING:
        _refuse(
            codes.EXTRA_NOT_INSTALLED,
            f"`ptflow import {Path(path).name}` compiles it with kfp, which is not installed: "
            "pip install 'ptflow[kfp]' (or import the YAML that kfp compiles)",
        )
        return None
    if compiled.exit_code:
        _refuse(codes.NOT_A_KFP_DOCUMENT, f"`{path}`: kfp could not compile it: {compiled.problem}")
        return None
    return compiled.text


def _stem(path: str) -> str:
    name = Path(path).name
    for suffix in (".tar.gz", ".tgz", ".tar", ".zip", ".yaml", ".yml", ".json", ".py"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return Path(path).stem


def _check(imported) -> list:
    """The errors `ptflow check` would report on the imported source: written out anyway, but exit 1.

    The formatter's self-check parsed the source already; the checker takes that parse."""
    from ptflow.compiler.api import check_file
    from ptflow.compiler.modules import ModuleLoader

    loader = ModuleLoader()
    loader.remember(imported.path, imported.source, *imported.parsed)
    return [d for d in check_file(imported.path, text=imported.source, loader=loader).diagnostics if d.is_error]


def _refuse(code: str, message: str) -> int:
    """One error in the compiler's format (`error[PTF920]: ...`), exit 1."""
    refusal = Diagnostics()
    refusal.report(code, message, None)
    print_diagnostics(list(refusal))
    return EXIT_ERRORS
