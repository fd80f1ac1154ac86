"""The catalogue of diagnostic codes: stable ids, default severities, explanations.

Every code is a named constant whose value is the code string, so a report reads
`diagnostics.report(codes.UNKNOWN_OPTION, ...)` and a misspelled name fails at
import, not in front of a user.  Codes never change meaning once released.  Ranges:

- PTF1xx  syntax
- PTF2xx  names: imports, definitions, inputs, outputs, options
- PTF3xx  types and values
- PTF4xx  the graph: cycles, ordering, groups
- PTF5xx  target support (what KFP v1 / v2 / Vertex can express)
- PTF6xx  lint rules (warnings): each rule class in `ptflow.compiler.lint.rules`
          holds its own code and explanation, entered here when the lint package
          loads; PTF690/PTF691 (suppression comments, configuration) likewise
- PTF9xx  files and the tool itself

`ptflow explain CODE` prints the `explanation` of an entry.
"""

from __future__ import annotations

from collections.abc import Callable

from ptflow.compiler.diagnostics.severity import Severity
from ptflow.compiler.records import record


@record(frozen=True)
class Code:
    """A stable diagnostic code (PTFxxx): its title, severity and explanation."""

    code: str
    title: str
    severity: Severity
    text: str | Callable[[], str]  # the explanation, or the function that writes it (from a table elsewhere)
    tags: tuple[str, ...] = ()

    @property
    def explanation(self) -> str:
        return (self.text() if callable(self.text) else self.text).strip("\n")


CODES: dict[str, Code] = {}


def _code(
    code: str, title: str, explanation: str | Callable[[], str], severity: Severity = Severity.ERROR, tags=()
) -> str:
    """Enter a code into the catalogue; the code itself is returned, to be bound to its constant's name."""
    CODES[code] = Code(code, title, severity, explanation, tuple(tags))
    return code


E = Severity.ERROR
W = Severity.WARNING

# ------------------------------------------------------------------- syntax
SYNTAX_ERROR = _code(
    "PTF101",
    "syntax error",
    """
The parser met a token it cannot accept here. The message lists the tokens
that would have been accepted. ptflow recovers and goes on, so each
independent mistake in a file is reported once.

    train = torch.train(data: data.dataset max_epochs: 3)
                                           ^^^^^^^^^^ expected `,` or `)`

Fix: add the missing separator or closing bracket.
""",
)
UNEXPECTED_CHARACTER = _code(
    "PTF102",
    "unexpected character",
    """
A character that is not part of the language, such as `@` or `$` outside a string.
""",
)
UNTERMINATED_STRING = _code(
    "PTF103",
    "unterminated string",
    """
A string opened with `"` or `'` must close on the same line. Use triple quotes
for text that spans lines:

    command = ["sh", "-c", \"\"\"
        echo hello
    \"\"\"]
""",
)
OPTIONS_ON_NON_STEP = _code(
    "PTF104",
    "options on a non-step",
    """
`with { ... }` sets execution options (resources, retries, caching) on a step,
so it must follow a component call: `x = train(...) with { memory: "8Gi" }`.
""",
)
INVALID_ESCAPE = _code(
    "PTF105",
    "invalid escape",
    """
A string contains a backslash escape that is not valid, such as `"\\q"`.
Write `\\\\` for a literal backslash.
""",
)
INVALID_F_STRING = _code(
    "PTF106",
    "invalid f-string",
    """
An f-string contains an empty or unparsable `{...}` field, or a lone brace.
Write `{{` and `}}` for literal braces.

    args = [f"--tag={pipeline.job_id}"]     # ok
    args = [f"--json={{\\"a\\": 1}}"]         # literal braces
""",
)
MISPLACED_STATEMENT = _code(
    "PTF107",
    "misplaced statement",
    """
A statement appears where it is not allowed: `finally` inside a loop or a
condition, more than one `finally`, a statement after `finally`, a `return`
outside the top level of a pipeline, or a component property in a pipeline.
""",
)
NESTED_TOO_DEEPLY = _code(
    "PTF108",
    "nested too deeply",
    """
Brackets, calls, blocks, member accesses and `not` nest more than 100 levels
deep (the syntax tree's depth; a `[` or a block is one level, a call three),
or more than 100 brackets are open at once (or 100 `.` in one chain, or 100
`not` in a row). Real pipelines stay far below;
the limit keeps the compiler, the formatter and the language server off
Python's recursion limit, and stops reading a file of nothing but brackets at
once. Nothing in the file is checked until the nesting is reduced.
""",
)

# -------------------------------------------------------------------- names
UNKNOWN_NAME = _code(
    "PTF201",
    "unknown name",
    """
A name is used that is not a pipeline parameter, a step, a loop variable, an
imported module or a component defined in this file.

    train = train_model(data: dta.dataset)
                              ^^^ unknown name `dta`; did you mean `data`?
""",
)
UNKNOWN_MEMBER = _code(
    "PTF202",
    "unknown member",
    """
`a.b` names a member that `a` does not have: a component that a module does
not define, an output that a step does not produce, or a property of an
artifact other than `path`, `uri` and `metadata`.
""",
)
UNKNOWN_INPUT = _code(
    "PTF203",
    "unknown input",
    """
A call passes an input that the component does not declare. The message
suggests the closest declared input.

    torch.train(data: d.dataset, max_epoch: 3)
                                 ^^^^^^^^^ did you mean `max_epochs`?
""",
)
MISSING_INPUT = _code(
    "PTF204",
    "missing required input",
    """
A call leaves out an input that has no default and is not optional (`T?`).
Pass it, or give the input a default in the component.
""",
)
DUPLICATE_NAME = _code(
    "PTF205",
    "duplicate name",
    """
Two steps, parameters, inputs, outputs or definitions have the same name in one
scope. Step names become task names in the compiled pipeline, so they must be
unique within a pipeline.
""",
)
KUBERNETES_NAME_COLLISION = _code(
    "PTF206",
    "names collide after Kubernetes sanitization",
    """
KFP turns names into Kubernetes names: lower case, with every run of other
characters replaced by `-`. Two names that differ only in case or in `_`
versus `-` become the same task or template, which KFP rejects at submit time.

    train_model = ...
    trainModel = ...     # both become `train-model` / `trainmodel`? see message
""",
)
IMPORT_NOT_FOUND = _code(
    "PTF207",
    "import not found",
    """
An import names a standard-library module that does not exist, or a file that
cannot be read. File imports are relative to the importing file.
""",
)
IMPORT_CYCLE = _code(
    "PTF208",
    "import cycle",
    """
Two or more .ptflow files import each other. The message shows the cycle.
Move the shared components into a file that both import.
""",
)
INVALID_COMPONENT_FILE = _code(
    "PTF209",
    "invalid component file",
    """
An imported KFP component YAML could not be read: it is not YAML, or it is
neither a KFP v1 `component.yaml` (name, inputs, outputs, implementation) nor
a KFP v2 pipeline/component IR file.
""",
)


def _unknown_option() -> str:
    # The list comes from the option table; options.py reports codes itself, so it is read when asked for.
    from ptflow.compiler.options import known_options_text

    return "A `with { ... }` block or a pipeline sets an option that ptflow does not know.\n" + known_options_text()


UNKNOWN_OPTION = _code("PTF210", "unknown option", _unknown_option)
NOT_CALLABLE = _code(
    "PTF211",
    "not callable",
    """
A step must call a component or a pipeline. The callee named here is a
parameter, a step, a module or a value.
""",
)
POSITIONAL_ARGUMENT = _code(
    "PTF212",
    "positional argument",
    """
Component inputs are passed by name, so a call reads the same whatever the
order of the component's inputs: `train(data: d.dataset, max_epochs: 3)`.
""",
)
UNKNOWN_PROPERTY = _code(
    "PTF213",
    "unknown property",
    """
A component or pipeline sets a property that does not exist. Components know
image, command, args, description, env; pipelines know description and
display_name.
""",
)
NO_PIPELINE = _code(
    "PTF214",
    "no pipeline",
    """
The file defines no pipeline to compile, or `--pipeline NAME` names one that
does not exist.
""",
)
MISSING_IMAGE = _code(
    "PTF215",
    "missing image",
    """
A component has no `image`. Every container component needs an image to run in.
""",
)
MISSING_OUTPUT = _code(
    "PTF216",
    "missing output",
    """
A pipeline declares an output in its signature but its `return (...)` does not
set it, or returns an output that is not declared.
""",
)

# -------------------------------------------------------------------- types
TYPE_MISMATCH = _code(
    "PTF301",
    "type mismatch",
    """
A value of one parameter type is passed where another is expected, such as a
`str` where an `int` is required.
""",
)
PARAMETER_ARTIFACT_MIXUP = _code(
    "PTF302",
    "parameter passed as artifact, or artifact as parameter",
    """
Parameters (str, int, float, bool, list, dict) are small values passed by
value; artifacts (Dataset, Model, Metrics, ...) are files passed by reference.
One can never silently become the other: the message names both ends.
""",
)
ARTIFACT_TYPE_MISMATCH = _code(
    "PTF303",
    "artifact type mismatch",
    """
An artifact of one type is passed where another type is expected, such as a
`Dataset` into a `Model` input. `Artifact` accepts every artifact type.
""",
)
WHOLE_STEP_AS_VALUE = _code(
    "PTF304",
    "whole step passed as a value",
    """
A step was passed where one of its outputs is meant:
`evaluate(model: train)` instead of `evaluate(model: train.model)`.
""",
)
OPTIONAL_VALUE_REQUIRED = _code(
    "PTF305",
    "optional value used where one is required",
    """
An output of a step inside an `if` exists only when the condition held, so
outside the `if` it is optional (`T?`) and cannot feed an input that needs a
value. Use it inside the same `if`.
""",
)
LOOP_OVER_NON_LIST = _code(
    "PTF306",
    "loop over a non-list",
    """
`for x in items` needs a list: a list literal, a `list` parameter or a step
output of list type.
""",
)
CONDITION_NOT_BOOLEAN = _code(
    "PTF307",
    "condition is not boolean",
    """
An `if`/`elif` condition must be a boolean: a comparison, a `bool` parameter
or output, or `and`/`or`/`not` of those.
""",
)
DEFAULT_TYPE_MISMATCH = _code(
    "PTF308",
    "default does not match its type",
    """
A parameter's default value is not of the parameter's declared type, as in
`epochs: int = "three"`.
""",
)
INVALID_OPTION_VALUE = _code(
    "PTF309",
    "invalid resource or option value",
    """
A resource quantity or execution option has a value Kubernetes or KFP would
reject: `memory: "8GB"` (write `8G` or `8Gi`), `cpu: "two"`, a negative
retry count, a timeout that is not a duration.
""",
)
UNKNOWN_TYPE = _code(
    "PTF310",
    "unknown type",
    """
A type name that is neither a parameter type (str, int, float, bool, list,
dict) nor an artifact type (Artifact, Dataset, Model, Metrics,
ClassificationMetrics, SlicedClassificationMetrics, HTML, Markdown).
""",
)
INVALID_COMPARISON = _code(
    "PTF311",
    "invalid comparison",
    """
Conditions compare parameters and outputs with literals or each other. The two
sides must be comparable: numbers with numbers, strings with strings, booleans
with booleans; `<`-style comparisons need numbers.
""",
)
INVALID_VALUE = _code(
    "PTF312",
    "invalid value",
    """
A value is used where it cannot be: an artifact, `pipeline.status` or
`oneof(...)` inside an f-string, a list or a dict (KFP passes those as one
text or JSON value, which can hold parameters only); a dict key in brackets
(`{[name]: ...}`) that is not a string, or outside an importer's `metadata`;
a pipeline output built from step outputs instead of one of them; an output
path passed between steps; a placeholder used outside a component.
""",
)
INVALID_PLACEHOLDER = _code(
    "PTF313",
    "invalid placeholder",
    """
In a component's `command` and `args`, inputs stand for their values and
artifacts for `.path`, `.uri` or `.metadata`; outputs must be written to
`.path`. This message names a use that has no KFP placeholder.
""",
)
NUMBER_OUT_OF_RANGE = _code(
    "PTF314",
    "number out of range",
    """
A number the pipeline cannot carry: integers are 64-bit (from -2^63 to
2^63-1, as KFP and Kubernetes store them), and a float must be finite (at most
about 1.8e308). A literal such as `1e999`, or an integer of hundreds of
digits, would otherwise overflow when the pipeline is compiled.
""",
)

# -------------------------------------------------------------------- graph
DEPENDENCY_CYCLE = _code(
    "PTF401",
    "dependency cycle",
    """
Steps depend on each other in a cycle (through data or `after`). The message
lists the cycle.
""",
)
INVALID_AFTER = _code(
    "PTF402",
    "invalid `after`",
    """
`after` must list steps of the same pipeline, and not the step itself.
""",
)
CROSSES_GROUP_BOUNDARY = _code(
    "PTF403",
    "value crosses a group boundary",
    """
A step can not run `after` a step inside a condition (or a `finally` block)
that does not contain it too: that step may never run. Use its outputs inside
the same `if` block, or move the `after` there. (A step inside a loop is used
after the loop as the list of its values, fan-in; that needs no `after`.)
""",
)
FINALLY_AND_BODY = _code(
    "PTF404",
    "finally steps and the body",
    """
Steps in `finally` run after the body, whatever its outcome, so they cannot
take outputs of steps in the body. Pass them through pipeline parameters.
""",
)
ONEOF_ARMS = _code(
    "PTF405",
    "`oneof` needs one value from each arm",
    """
`oneof(a.out, b.out, ...)` is the output of whichever arm of an
`if`/`elif`/`else` ran (KFP's `dsl.OneOf`). Each value must be an output of a
step written directly in an arm of the same chain, every arm gives exactly
one, and the chain ends in `else`, so that some arm always runs:

    if coin.side == "heads" {
        a = say(text: "heads")
    } else {
        b = say(text: "tails")
    }
    show(text: oneof(a.said, b.said))

It is used after the chain, at the chain's level or inside a group there,
never inside the chain itself.
""",
)
COLLECT_OF_CONDITIONAL = _code(
    "PTF406",
    "`collect` needs a step inside an `if`",
    """
`collect(step.out)` is the list of the values a step inside an `if` made:
one value when the condition held, none when it did not (KFP's
`dsl.Collected` of a task in no loop). The pipeline returns it:

    if threshold == 2 {
        total = add(nums: d.Output)
    }
    return (totals: collect(total.Output))

The step must sit inside an `if` that the `return` is outside of, and in no
loop there (after a loop its output already is the list of every iteration's
value). It can't be another step's input: KFP's compiler refuses
`dsl.Collected` of such a step there, and its backend would pass on the bare
value (so a pipeline that calls this one can't use the output either). A
step inside the same `if` takes the output itself, and `oneof(...)` gives
the value of whichever arm of an `if`/`else` ran.
""",
)

# ------------------------------------------------------------------- target
NOT_SUPPORTED_BY_TARGET = _code(
    "PTF501",
    "not supported by the target",
    """
The construct named in the message cannot be expressed in the target chosen
with `--target`. The message names the construct and the target; see
docs/targets.md for how each target lowers each construct.
""",
)
COMPILED_DOCUMENT_INVALID = _code(
    "PTF502",
    "compiled document is invalid",
    """
The document ptflow produced failed its own validation. This is a bug in
ptflow: please report it with the .ptflow file.
""",
)
INPUT_IGNORED_BY_TARGET = _code(
    "PTF504",
    "input ignored by the target",
    """
A standard-library step was given an input that only matters on another
target, so the target chosen with `--target` ignores it. For example
`serve.deploy`'s `namespace` or `canary_traffic_percent` set up a KServe
InferenceService; on `--target vertex` the step deploys to a Vertex AI
endpoint, which has no such setting. A step option can be ignored the same
way: `vertex_custom_job` only means something on `--target vertex`; on the
Kubeflow targets and under `ptflow run` the step runs as an ordinary step.
The file still compiles; the message names the input. Silence it with `# ptflow: ignore[PTF504]` on the step when
one file is compiled for both targets on purpose.
""",
    W,
)
INVALID_PIPELINE_DOCUMENT = _code(
    "PTF503",
    "invalid pipeline document",
    """
`ptflow validate` found a problem in a compiled KFP document: a dangling
reference, a cycle, an undeclared input, a placeholder naming an unknown
input, a condition that does not parse, or a field the schema does not know.
""",
)

# --------------------------------------------------------------- files/tool
CANNOT_READ_FILE = _code(
    "PTF901",
    "cannot read file",
    """
The file does not exist or cannot be read as UTF-8 text.
""",
)
INVALID_COMMAND_LINE_VALUE = _code(
    "PTF902",
    "invalid command-line value",
    """
A `-p name=value` does not name a pipeline parameter, or its value is not of
the parameter's type.
""",
)

# -------------------------------------------------------------- ptflow import
NOT_A_KFP_DOCUMENT = _code(
    "PTF920",
    "not a KFP document",
    """
`ptflow import` reads a KFP v2 IR pipeline or component (YAML or JSON, with or
without the kfp-kubernetes platform document), a KFP v1 component.yaml or a
KFP 1.x workflow (kfp 1.8's Argo YAML, .tar.gz or .zip). This file is not one:
not YAML, truncated, refused by the safe reader (aliases, duplicate keys), an
Argo Workflow kfp 1.x did not write, a package with a member path outside the
archive, a link, several documents or a member past 64 MiB, or YAML of another
kind. The message names the path of the problem.
""",
)
NOT_EXPRESSIBLE_IN_PTFLOW = _code(
    "PTF921",
    "cannot be expressed in ptflow",
    """
The KFP document uses a feature ptflow has no form for (or a field ptflow does
not know). `ptflow import` never drops it silently: the message names the
document path of the field and the feature. Write that part by hand, or leave
the step as an imported YAML component (`import "x.yaml" as x`).
""",
)

IMPORT_MEANING_CHANGES = _code(
    "PTF922",
    "means something else on KFP v2",
    """
`ptflow import` of a KFP 1.x workflow (Argo) met a setting that imports, and
compiles back for kfp-v1 as it was, but that KFP v2 treats differently or
refuses: Argo variables such as `{{workflow.uid}}` (on v2 the pipeline job's
id), `mlpipeline-ui-metadata`/`mlpipeline-metrics` output files (the KFP v2 UI
reads Metrics and Markdown/HTML artifacts instead), `max_cache_staleness`
(KFP v2 caches by inputs only), node selectors taken from pipeline parameters
through a `podSpecPatch`. An Argo retry policy other than OnFailure is
dropped, with this warning. The warning names the workflow path.
See "From KFP 1.x" in docs/language.md.
""",
    W,
)

# ------------------------------------------------- local runner (ptflow run)
RUN_NOT_RUNNABLE = _code(
    "PTF540",
    "not a runnable pipeline",
    """
`ptflow run` executes KFP v2 IR: a PipelineSpec with `pipelineInfo`, `root`
and schemaVersion 2.1.0 (or a `.ptflow` file, compiled in memory). This input
is not one: a KFP v1 component, an Argo Workflow, or not YAML at all.
""",
)
RUN_MISSING_PARAMETER = _code(
    "PTF542",
    "missing pipeline parameter",
    """
The pipeline has a parameter without a default and `ptflow run` was not
given a value for it. Pass one with `-p name=value`.
""",
)
RUN_PATH_ESCAPES_STORE = _code(
    "PTF543",
    "artifact path escapes the store",
    """
Artifacts live inside the run store (`.ptflow/` or `--store`). An output
named with `/` or `..`, or a step reporting a local artifact URI outside the
store, is refused.
""",
)
RUN_STEP_FAILED = _code(
    "PTF544",
    "step failed",
    """
A step exited with a non-zero code (after its retries). The report names the
step, how it ended, the `.ptflow` line that declared it and the end of its
log; `ptflow show RUN` lists every step of the run.
""",
)
RUN_COMMAND_NOT_FOUND = _code(
    "PTF545",
    "command not found",
    """
A step's command does not exist on this machine. Without `--containers` the
runner runs each step's command here, not in its image: install the command,
or run with `--containers` and a Docker or Podman daemon.
""",
)
RUN_STEP_TIMED_OUT = _code(
    "PTF546",
    "step timed out",
    """
A step ran longer than its timeout (the `timeout` option, kfp-kubernetes'
`activeDeadlineSeconds`, or `--step-timeout`) and was stopped.
""",
)
RUN_NO_CONTAINER_ENGINE = _code(
    "PTF548",
    "no container engine",
    """
`--containers` runs steps in their images with Docker or Podman, and neither
answered. Start the daemon, or run without `--containers`.
""",
)
RUN_CONDITION_NOT_EVALUABLE = _code(
    "PTF549",
    "condition cannot be evaluated",
    """
A task's CEL condition failed when evaluated against the task's inputs, for
example because it reads an input the task does not have.
""",
)
RUN_INPUT_WITHOUT_VALUE = _code(
    "PTF550",
    "input without a value",
    """
A step input has no value at run time: the step that should produce it was
skipped by a condition or did not produce that output. Also a placeholder of a
step's command, environment or image (`{{$.inputs.parameters['x']}}`, ...)
that names no value of the task: `ptflow run` refuses the step rather than
hand the placeholder's text to the command.
""",
)
STORE_CANNOT_OPEN = _code(
    "PTF910",
    "cannot open the run store",
    """
The store directory can't be created, or its `ptflow.db` is not a ptflow
store database.
""",
)
STORE_DISK_FULL = _code(
    "PTF915",
    "the store's disk is full",
    """
The file system that holds the run store (`.ptflow/` or `--store`) has no
space left, or your quota on it is used up. The message names the file that
could not be written. The run stops its steps, removes what they had staged,
and is recorded as failed (the store keeps a little space in reserve,
`ptflow.reserve`, so that this record can still be written); finished steps
stay in the cache. Free space there, or run with `--store DIR` on another
disk, and run again.
""",
)
NO_SUCH_RUN = _code(
    "PTF911",
    "no such run",
    """
`ptflow show RUN` takes a run id from `ptflow runs`, a unique prefix of one,
or `latest`.
""",
)
NO_SUCH_ARTIFACT = _code(
    "PTF912",
    "no such artifact",
    """
`ptflow lineage ARTIFACT` takes an artifact id, its URI or path, or
`RUN/TASK/OUTPUT` as `ptflow show` lists them.
""",
)
EXTRA_NOT_INSTALLED = _code(
    "PTF913",
    "optional extra not installed",
    """
This command needs a package that is not installed; the message names the
extra to install, e.g. `pip install 'ptflow[vertex]'`.
""",
)
SUBMISSION_FAILED = _code(
    "PTF914",
    "submission failed",
    """
The pipeline could not be submitted: the server answered with an error or
could not be reached. The message carries its answer.
""",
)

# ------------------------------------- KFP v2 IR validation (ptflow validate)
IR_UNKNOWN_FIELD = _code(
    "PTF510",
    "unknown field in a KFP IR document",
    """
A key that the KFP schema (the protobuf message named in the message) does not
have. KFP's backend parses IR strictly and rejects the whole pipeline for it.
Usually a misspelling: the help line names the closest field.

    componentRef:
      nme: comp-train        # ComponentRef has only `name`
""",
)
IR_BAD_VALUE = _code(
    "PTF511",
    "invalid value for a KFP IR field",
    """
A value of the wrong kind for its field: text where a number is expected
(`maxRetryCount: three`), a single value where a list is expected, an enum
value that does not exist (`parameterType: STRIN`), or a duration without its
unit (`backoffDuration: 30` instead of `30s`).
""",
)
IR_ONEOF_CONFLICT = _code(
    "PTF512",
    "two alternatives given at once",
    """
Some IR fields are alternatives of which only one may be set (a protobuf
`oneof`): a component is either a `dag` or an `executorLabel`; a task input
is either `componentInputParameter`, `taskOutputParameter`, `runtimeValue` or
`taskFinalStatus`. Keep the one that is meant.
""",
)
IR_UNSUPPORTED_SCHEMA_VERSION = _code(
    "PTF513",
    "unsupported schemaVersion",
    """
The KFP backend accepts only IR with `schemaVersion: 2.1.0` (what every KFP
2.x SDK writes). A different or missing version is rejected on upload.
""",
)
IR_NO_PIPELINE_NAME = _code(
    "PTF514",
    "pipeline without a name",
    """
`pipelineInfo.name` is missing or empty; the KFP backend rejects such a
pipeline on upload.
""",
)
IR_MISSING_FIELD = _code(
    "PTF515",
    "required field missing",
    """
A part of the IR that KFP needs is absent: the `root` component, the
`deploymentSpec` that holds the executors, a task's `componentRef`, a value
source for a task input, a component's `dag` or `executorLabel`, or an
importer's `artifactUri`/`typeSchema`.
""",
)
IR_UNKNOWN_COMPONENT = _code(
    "PTF516",
    "unknown component",
    """
A task's `componentRef.name` names no entry of `components`. KFP accepts the
file and fails when the run is compiled (`cannot find component ref`).

    componentRef:
      name: comp-trian       # components has comp-train
""",
)
IR_UNKNOWN_EXECUTOR = _code(
    "PTF517",
    "unknown executor",
    """
A component's `executorLabel`, or a key of the kubernetes platform document's
`deploymentSpec.executors`, names no entry of `deploymentSpec.executors`.
""",
)
IR_UNKNOWN_TASK = _code(
    "PTF518",
    "unknown task",
    """
A `producerTask`, `producerSubtask`, `taskFinalStatus.producerTask` or an
entry of `dependentTasks` names no task of the same DAG. A task can only read
from and wait for tasks of its own DAG; values from outside come in through
the DAG component's inputs (`pipelinechannel--...`).
""",
)
IR_UNKNOWN_OUTPUT = _code(
    "PTF519",
    "unknown output",
    """
`outputParameterKey` / `outputArtifactKey` names an output the producing
task's component does not declare in its `outputDefinitions`.
""",
)
IR_UNKNOWN_INPUT = _code(
    "PTF520",
    "unknown input",
    """
A `componentInputParameter` / `componentInputArtifact` names no input of the
component whose DAG the task is in, or a condition or an importer reads an
input that does not exist. kfp 2.17.3 itself writes such a reference for a
dict field of a raw-list loop item used inside an exit handler
(`componentInputParameter: loop-item-param-N` at the root); such a file fails
at run time with `Parent pipeline input argument ... not found`.
""",
)
IR_DEPENDENCY_CYCLE = _code(
    "PTF521",
    "dependency cycle in a DAG",
    """
Tasks of one DAG wait for each other in a circle (through `dependentTasks` or
by reading each other's outputs), so none of them can start. The message
lists the cycle.

The same code marks components that run each other in a circle: a DAG
component with a task whose `componentRef` names the component itself, or a
component further up, would be expanded without end.
""",
)
IR_MISSING_INPUT = _code(
    "PTF522",
    "required input not supplied",
    """
The task's component declares an input with no default and not optional, and
the task gives it no value. The run would fail when the task starts.
""",
)
IR_UNDECLARED_INPUT = _code(
    "PTF523",
    "undeclared input",
    """
A task passes an input its component does not declare. The inputs the KFP SDK
adds on its own (`pipelinechannel--*`, `base_image`, and resource inputs such
as `cpu_limit`) are allowed.
""",
)
IR_KIND_MISMATCH = _code(
    "PTF524",
    "parameter wired as an artifact, or artifact as a parameter",
    """
Parameters (strings, numbers, lists...) and artifacts (files with a URI) are
wired differently: parameters under `inputs.parameters` with
`componentInputParameter` / `taskOutputParameter`, artifacts under
`inputs.artifacts` with `componentInputArtifact` / `taskOutputArtifact`. The
message names the side that is of the other kind.
""",
)
IR_PLACEHOLDER_UNKNOWN_NAME = _code(
    "PTF525",
    "placeholder names an unknown input or output",
    """
A `{{$.inputs.parameters['x']}}`, `{{$.inputs.artifacts['x'].path}}`,
`{{$.outputs.parameters['y'].output_file}}` or
`{{$.outputs.artifacts['m'].uri}}` placeholder, or an IfPresent `InputName`,
names something the component does not declare. The launcher would fail to
resolve it when the task starts.
""",
)
IR_PLACEHOLDER_MALFORMED = _code(
    "PTF526",
    "malformed placeholder",
    """
A `{{$...}}` placeholder that is not closed or is not one KFP knows, or an
`IfPresent` / `Concat` structure that is not valid JSON or lacks its parts.
Known forms: `{{$.inputs.parameters['x']}}`,
`{{$.inputs.artifacts['x'].path|uri|metadata}}`,
`{{$.outputs.parameters['y'].output_file}}`,
`{{$.outputs.artifacts['m'].path|uri|metadata}}`, `{{$}}`,
`{{$.outputs.output_file}}`, `{{$.pipeline_job_name}}`,
`{{$.pipeline_job_uuid}}`, `{{$.pipeline_task_name}}`,
`{{$.pipeline_task_uuid}}`, `{{$.pipeline_root}}`, `{{$.workspace_path}}`.
""",
)
IR_NO_IMAGE = _code(
    "PTF527",
    "container without an image",
    """
A container executor has no `image` (or an empty one); the pod could not be
created.
""",
)
IR_BAD_CONDITION = _code(
    "PTF528",
    "condition is not valid CEL",
    """
`triggerPolicy.condition` is a CEL expression evaluated by the KFP driver;
this one does not parse. kfp writes conditions such as
`inputs.parameter_values['pipelinechannel--flip-side'] == 'heads'`.
""",
)
IR_VALUE_TYPE = _code(
    "PTF529",
    "value does not match its parameter type",
    """
A `defaultValue` or `runtimeValue.constant` is not of the declared
`parameterType`: a string for NUMBER_INTEGER, a fraction for NUMBER_INTEGER,
a list for STRING, and so on. Numbers may be written as doubles (`3.0`), as
kfp does.
""",
)
IR_BAD_ITERATOR = _code(
    "PTF530",
    "invalid loop items",
    """
A `parameterIterator` / `artifactIterator` takes its items from an input the
loop task does not have, its `raw` items are not a JSON list, or its
`itemInput` is not an input of the loop's component.
""",
)
IR_BAD_TASK_NAME = _code(
    "PTF531",
    "task name is not a valid Kubernetes name",
    """
Task names become parts of Kubernetes resource names: lowercase letters,
digits and `-`, starting and ending with a letter or digit. kfp renames tasks
this way itself; the help line gives the name it would use.
""",
)
IR_DAG_OUTPUT = _code(
    "PTF532",
    "DAG output does not match the declared outputs",
    """
A DAG component's `dag.outputs` sets an output its `outputDefinitions` does
not declare, or a declared output is never set.
""",
)
IR_TYPE_MISMATCH = _code(
    "PTF533",
    "type mismatch between connected values",
    """
A value wired into a task input has a different type than the input declares:
a STRING output into a NUMBER_INTEGER input, or a Dataset artifact into a
Model input (`system.Artifact` is compatible with every artifact type).
The item of a loop over a list of unknown element type is typed STRING by kfp
and may feed an input of any type (the run hands over the item's JSON value).
""",
)
NOT_A_PIPELINE_DOCUMENT = _code(
    "PTF534",
    "not a KFP pipeline document",
    """
`ptflow validate` recognizes KFP v2 IR (a PipelineSpec with `pipelineInfo`,
`root` or `deploymentSpec`) and Argo Workflows (`apiVersion: argoproj.io/...`,
`kind: Workflow`); the file is neither.
""",
)
INVALID_YAML = _code(
    "PTF535",
    "invalid YAML",
    """
The file is not valid YAML; the position is where the YAML parser gave up.
Or it is YAML that KFP documents never use and ptflow refuses at its line:
anchors and aliases (`&a`, `*a`: expanding them can turn kilobytes into
gigabytes), a key given twice in one mapping (KFP's backend refuses it too),
merge keys (`<<`), tags other than the standard ones, integers of more than
4,300 digits, lists and mappings nested more than 100 levels deep.
""",
)
IR_UNUSED_EXECUTOR = _code(
    "PTF536",
    "unused executor",
    """
An entry of `deploymentSpec.executors` that no component names in its
`executorLabel`. Harmless, but usually the sign of a renamed component.
""",
    W,
)
CHECK_SKIPPED = _code(
    "PTF539",
    "check skipped",
    """
Part of the document could not be checked because an optional package is not
installed; the message names it.
""",
    W,
)

# --------------------------------- Argo Workflow validation (KFP v1, PTF570-599)
ARGO_INVALID_NAME = _code(
    "PTF570",
    "invalid name in an Argo Workflow",
    """
Argo refuses names that do not fit its rules: template and DAG task names
match `[a-zA-Z0-9][-a-zA-Z0-9]*` (at most 128 characters, and a task name may
not start with a digit when dependencies are used), parameter and artifact
names match `[-a-zA-Z0-9_]+`, and `metadata.generateName` is a lowercase
Kubernetes name prefix of at most 58 characters (Argo adds 5).
""",
)
ARGO_DUPLICATE_NAME = _code(
    "PTF571",
    "duplicate name",
    """
Two templates, two tasks of one DAG, or two parameters or artifacts of one
list have the same name; Argo refuses the workflow.
""",
)
ARGO_TEMPLATE_TYPE = _code(
    "PTF572",
    "template must have exactly one type",
    """
An Argo template is exactly one of `container`, `script`, `resource`, `dag`,
`steps`, `suspend`, `data`, `http`, `containerSet` or `plugin`: this one has
none or several.
""",
)
ARGO_UNKNOWN_TEMPLATE = _code(
    "PTF573",
    "unknown template",
    """
`spec.entrypoint`, `spec.onExit` or a task's `template` names a template that
`spec.templates` does not define.
""",
)
ARGO_UNKNOWN_DEPENDENCY = _code(
    "PTF574",
    "unknown dependency",
    """
A DAG task's `dependencies` (or `depends`) names a task that is not in the same DAG.
""",
)
ARGO_DEPENDENCY_CYCLE = _code(
    "PTF575",
    "dependency cycle in a DAG",
    """
The `dependencies` of a DAG's tasks form a cycle; the message lists it.
""",
)
ARGO_UNKNOWN_TASK_OUTPUT = _code(
    "PTF576",
    "reference to an unknown task or output",
    """
A `{{tasks.T.outputs.parameters.Y}}` or `{{tasks.T.outputs.artifacts.Y}}`
names a task that is not in the DAG, or an output that T's template does not
declare. Argo fails such a workflow with "failed to resolve".
""",
)
ARGO_MISSING_DEPENDENCY = _code(
    "PTF577",
    "task output used without a dependency",
    """
A DAG task reads `{{tasks.T.outputs...}}` but T is not among its ancestors
(its `dependencies`, their dependencies, and so on). Argo resolves task
outputs only for ancestors, so it refuses the workflow: add T to the task's
`dependencies`.
""",
)
ARGO_UNDECLARED_INPUT = _code(
    "PTF578",
    "undeclared input",
    """
A template reads `{{inputs.parameters.X}}` or `{{inputs.artifacts.X.path}}`
but its `inputs` declare no X.
""",
)
ARGO_UNKNOWN_WORKFLOW_PARAMETER = _code(
    "PTF579",
    "unknown workflow parameter",
    """
`{{workflow.parameters.P}}` names a parameter that `spec.arguments.parameters`
does not define.
""",
)
ARGO_ITEM_OUTSIDE_LOOP = _code(
    "PTF580",
    "loop item outside a loop",
    """
`{{item}}` or `{{item.key}}` is only defined in a DAG task (or step) that has
`withItems` or `withParam`; a leaf template must receive the item through an
input parameter.
""",
)
ARGO_INPUT_NOT_SUPPLIED = _code(
    "PTF581",
    "required input not supplied",
    """
A template input without a default (`value`) or a source is not given by the
task that calls the template (or, for the entrypoint and the exit handler, by
`spec.arguments`).
""",
)
ARGO_NO_IMAGE = _code(
    "PTF582",
    "container without an image",
    """
A container template has no `image` (or an empty one); the pod could not be created.
""",
)
ARGO_FIELD_NOT_VALID_HERE = _code(
    "PTF583",
    "field not valid on this kind of template",
    """
`activeDeadlineSeconds` is only valid on leaf templates (container, script,
resource...), and `parallelism` only on `dag` and `steps` templates.
""",
)
ARGO_UNKNOWN_FIELD = _code(
    "PTF584",
    "unknown field in an Argo Workflow",
    """
A key that Argo's types (as hera's models spell them) do not have. Argo and
KFP 1.x parse workflows leniently and silently drop such keys, so a
misspelled field (`imagee:`, `dependancies:`) is simply ignored at run time.
The help line names the closest field.
""",
)
ARGO_WRONG_TYPE = _code(
    "PTF585",
    "value of the wrong type",
    """
A value that Argo's types do not accept here: a string where a list is
expected, a list where an integer is expected, or a value that only a lenient
parser would convert (`parallelism: "2"`). Integer resource quantities
(`nvidia.com/gpu: 1`) and integer IntOrString fields are accepted, as
Kubernetes accepts them.
""",
)
ARGO_MISSING_FIELD = _code(
    "PTF586",
    "required field missing",
    """
A field that Argo requires is absent: a template or task without `name`, a
workflow without `metadata.name` or `metadata.generateName`, an output
parameter without `valueFrom`.
""",
)
ARGO_NOT_A_WORKFLOW = _code(
    "PTF587",
    "not a valid Argo Workflow",
    """
The document is not an Argo Workflow (`apiVersion: argoproj.io/v1alpha1`,
`kind: Workflow`), or lacks `spec.templates`.
""",
)
ARGO_EMPTY_DAG = _code(
    "PTF588",
    "DAG without tasks",
    """
A `dag` template must have at least one task.
""",
)
ARGO_UNKNOWN_VARIABLE = _code(
    "PTF589",
    "unknown variable",
    """
A `{{...}}` reference with one of Argo's prefixes (`inputs.`, `outputs.`,
`tasks.`, `steps.`, `workflow.`, `pod.`, `item`, `retries`) that Argo cannot
resolve where it is used, such as `{{tasks.T.outputs...}}` in a container
template or `{{inputs.foo}}`.
""",
)
