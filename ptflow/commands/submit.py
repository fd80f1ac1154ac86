"""`ptflow submit FILE`: send a pipeline to a KFP 2.x API server (kfp's Client) or to Vertex AI Pipelines.

Both clients are optional extras, imported only here: kfp for `--host`,
google-cloud-aiplatform for `--vertex`.  The pipeline is checked the way
`ptflow run` checks it (document and `-p` values) before anything is sent.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from ptflow.commands.common import EXIT_ERRORS, EXIT_OK, EXIT_USAGE, parse_assignments, print_diagnostics
from ptflow.compiler.diagnostics import codes


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "submit", help="submit a pipeline to a KFP 2.x server (--host) or to Vertex AI Pipelines (--vertex)"
    )
    parser.add_argument("file", metavar="FILE", help="a .ptflow file or a KFP v2 IR .yaml file")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--host", metavar="URL", help="the KFP API endpoint, e.g. http://localhost:8080")
    where.add_argument("--vertex", action="store_true", help="submit to Vertex AI Pipelines")
    parser.add_argument("--project", metavar="P", help="Google Cloud project (with --vertex)")
    parser.add_argument("--region", metavar="R", help="Google Cloud region (with --vertex)")
    parser.add_argument("-p", "--param", action="append", metavar="NAME=VALUE", help="a pipeline parameter")
    parser.add_argument("--pipeline", metavar="NAME", help="the pipeline of a .ptflow file (default: its last)")
    parser.add_argument("--image", metavar="REF", help="the ptflow runtime image to compile with")
    parser.add_argument("--experiment", metavar="NAME", help="the experiment to file the run under")
    parser.add_argument("--run-name", metavar="NAME", help="the run's display name")
    parser.add_argument("--pipeline-root", metavar="URI", help="where the run's artifacts go (gs://, s3://, minio://)")
    parser.add_argument("--service-account", metavar="SA", help="the service account the run uses")
    parser.add_argument("--no-cache", action="store_true", help="disable caching for this run")
    parser.set_defaults(handler=run)


def run(args) -> int:
    if args.vertex and not (args.project and args.region):
        print("ptflow submit: --vertex needs --project and --region", file=sys.stderr)
        return EXIT_USAGE
    try:
        texts = parse_assignments(args.param)
    except ValueError as error:
        print(f"ptflow submit: {error}", file=sys.stderr)
        return EXIT_USAGE
    from ptflow.runtime.runner import preflight, spec

    try:
        # For Vertex AI, serve.deploy deploys to a Vertex AI endpoint (see docs/targets.md).
        documents, loaded, warnings = spec.load(
            args.file, args.pipeline, args.image, target="vertex" if args.vertex else "kfp-v2"
        )
    except spec.LoadError as error:
        print_diagnostics(error.diagnostics)
        return EXIT_ERRORS
    problems, arguments = preflight.check(documents, loaded, texts)
    if any(d.is_error for d in problems):
        print_diagnostics(list(warnings) + problems)
        return EXIT_ERRORS
    with tempfile.TemporaryDirectory(prefix="ptflow-submit-") as folder:
        package = Path(folder) / f"{loaded.name}.yaml"
        _write(package, documents)
        submit = _submit_vertex if args.vertex else _submit_kfp
        return submit(args, package, loaded.name, arguments)


def _write(path: Path, documents: list[dict]) -> None:
    from ptflow.commands.common import dump_yaml_documents

    path.write_text(dump_yaml_documents(documents), encoding="utf-8")


def _missing_extra(extra: str, package: str, what: str) -> int:
    print(
        f"error[{codes.EXTRA_NOT_INSTALLED}]: {what} needs the `{package}` package, which is not installed\n"
        f"   = help: pip install 'ptflow[{extra}]'",
        file=sys.stderr,
    )
    return EXIT_ERRORS


def _submit_kfp(args, package: Path, name: str, arguments: dict) -> int:
    try:
        import kfp
    except ImportError:
        return _missing_extra("kfp", "kfp", "`ptflow submit --host`")
    try:
        client = kfp.Client(host=args.host)
        result = client.create_run_from_pipeline_package(
            str(package),
            arguments=arguments,
            run_name=args.run_name or name,
            experiment_name=args.experiment,
            pipeline_root=args.pipeline_root,
            enable_caching=False if args.no_cache else None,
            service_account=args.service_account,
        )
    except Exception as error:  # the client raises many kinds; all mean the submission did not happen
        print(
            f"error[{codes.SUBMISSION_FAILED}]: submitting `{name}` to {args.host} failed: {_reason(error)}",
            file=sys.stderr,
        )
        return EXIT_ERRORS
    print(f"submitted `{name}` to {args.host}: run {result.run_id}")
    return EXIT_OK


def _submit_vertex(args, package: Path, name: str, arguments: dict) -> int:
    try:
        from google.cloud import aiplatform
    except ImportError:
        return _missing_extra("vertex", "google-cloud-aiplatform", "`ptflow submit --vertex`")
    try:
        aiplatform.init(project=args.project, location=args.region)
        job = aiplatform.PipelineJob(
            display_name=args.run_name or name,
            template_path=str(package),
            parameter_values=arguments,
            pipeline_root=args.pipeline_root,
            enable_caching=False if args.no_cache else None,
        )
        job.submit(service_account=args.service_account, experiment=args.experiment)
    except Exception as error:
        print(
            f"error[{codes.SUBMISSION_FAILED}]: submitting `{name}` to Vertex AI failed: {_reason(error)}",
            file=sys.stderr,
        )
        return EXIT_ERRORS
    print(f"submitted `{name}` to Vertex AI Pipelines: {job.resource_name}")
    return EXIT_OK


def _reason(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:300]
