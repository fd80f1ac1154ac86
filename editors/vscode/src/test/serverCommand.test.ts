// How the extension finds `ptflow lsp`, run against real executables: small
// shell scripts standing in for `ptflow` and `python3` in a PATH of their own
// (VS Code itself can't run here, but process spawning, PATH lookup and exit
// codes are the real thing).

import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";

import {
  DEFAULT_PATH,
  describeFailure,
  expandPath,
  findExecutable,
  isPythonInterpreter,
  launchers,
  resolveServer,
} from "../serverCommand";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ptflow-vscode-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

let folders = 0;
/** A fresh folder holding executable scripts, to be the whole PATH of a test. */
function binFolder(scripts: Record<string, string>): string {
  const folder = path.join(scratch, `bin${folders++}`);
  fs.mkdirSync(folder);
  for (const [name, body] of Object.entries(scripts)) {
    const file = path.join(folder, name);
    fs.writeFileSync(file, `#!/bin/sh\n${body}\n`);
    fs.chmodSync(file, 0o755);
  }
  return folder;
}

// A ptflow whose `lsp --help` works, and one from before the language server.
const PTFLOW_WITH_LSP = `[ "$1" = lsp ] && [ "$2" = --help ] && exit 0; exit 3`;
const PTFLOW_WITHOUT_LSP = `echo "ptflow: error: argument COMMAND: invalid choice: 'lsp' (choose from 'check', 'compile')" >&2; exit 2`;
// An interpreter with ptflow installed, and one without.
const PYTHON_WITH_PTFLOW = `[ "$1" = -m ] && [ "$2" = ptflow ] && [ "$3" = lsp ] && exit 0; exit 3`;
const PYTHON_WITHOUT_PTFLOW = `echo "/usr/bin/python3: No module named ptflow" >&2; exit 1`;

const home = path.join(scratch, "home");
// The scripts run under /bin/sh by their #! line, so PATH can hold nothing but a test's own folder.
const env = (folder: string) => ({ PATH: folder });

describe("choosing the launcher", () => {
  it("runs the configured ptflow with `lsp` and the extra server arguments", async () => {
    const bin = binFolder({ ptflow: PTFLOW_WITH_LSP });
    const resolution = await resolveServer(
      { path: DEFAULT_PATH, serverArgs: ["--log-file", "/tmp/lsp.log"] },
      { env: env(bin), home },
    );
    assert.equal(resolution.ok, true);
    assert.ok(resolution.ok);
    assert.equal(resolution.server.command, "ptflow");
    assert.deepEqual(resolution.server.args, ["lsp", "--log-file", "/tmp/lsp.log"]);
    assert.deepEqual(resolution.attempts, []);
  });

  it("falls back to `python3 -m ptflow lsp` when no ptflow is on PATH", async () => {
    const bin = binFolder({ python3: PYTHON_WITH_PTFLOW });
    const resolution = await resolveServer({}, { env: env(bin), home });
    assert.ok(resolution.ok);
    assert.equal(resolution.server.command, "python3");
    assert.deepEqual(resolution.server.args, ["-m", "ptflow", "lsp"]);
    assert.equal(resolution.attempts.length, 1);
    assert.match(resolution.attempts[0].problem, /not found on PATH/);
  });

  it("falls back to `python` when python3 has no ptflow", async () => {
    const bin = binFolder({ python3: PYTHON_WITHOUT_PTFLOW, python: PYTHON_WITH_PTFLOW });
    const resolution = await resolveServer({ path: "" }, { env: env(bin), home });
    assert.ok(resolution.ok);
    assert.equal(resolution.server.command, "python");
    assert.match(resolution.attempts[1].problem, /No module named ptflow/);
  });

  it("runs ptflow as a module when ptflow.path is a Python interpreter", async () => {
    const bin = binFolder({ "python3.11": PYTHON_WITH_PTFLOW });
    const interpreter = path.join(bin, "python3.11");
    const resolution = await resolveServer({ path: interpreter }, { env: env(binFolder({})), home });
    assert.ok(resolution.ok);
    assert.equal(resolution.server.command, interpreter);
    assert.deepEqual(resolution.server.args, ["-m", "ptflow", "lsp"]);
  });

  it("takes a relative ptflow.path from the workspace folder", async () => {
    const workspace = path.join(scratch, "workspace");
    const venvBin = path.join(workspace, ".venv", "bin");
    fs.mkdirSync(venvBin, { recursive: true });
    fs.writeFileSync(path.join(venvBin, "ptflow"), `#!/bin/sh\n${PTFLOW_WITH_LSP}\n`, { mode: 0o755 });
    const resolution = await resolveServer(
      { path: ".venv/bin/ptflow" },
      { workspaceFolder: workspace, env: env(binFolder({})), home },
    );
    assert.ok(resolution.ok);
    assert.equal(resolution.server.command, path.join(venvBin, "ptflow"));
  });
});

describe("when the server can't be started", () => {
  it("says what it tried and how to install ptflow", async () => {
    const bin = binFolder({ python3: PYTHON_WITHOUT_PTFLOW });
    const resolution = await resolveServer({}, { env: env(bin), home });
    assert.equal(resolution.ok, false);
    assert.ok(!resolution.ok);
    const message = describeFailure(resolution);
    assert.match(message, /Could not start the ptflow language server/);
    assert.match(message, /`ptflow lsp`: not found on PATH/);
    assert.match(message, /`python3 -m ptflow lsp`: exit code 1: \/usr\/bin\/python3: No module named ptflow/);
    assert.match(message, /`python -m ptflow lsp`: not found on PATH/);
    assert.match(message, /pip install ptflow/);
  });

  it("does not fall back from an explicit ptflow.path, and says to check the setting", async () => {
    const bin = binFolder({ python3: PYTHON_WITH_PTFLOW });
    const resolution = await resolveServer({ path: "/nowhere/ptflow" }, { env: env(bin), home });
    assert.ok(!resolution.ok);
    assert.equal(resolution.attempts.length, 1);
    assert.match(describeFailure(resolution), /`\/nowhere\/ptflow lsp`: no such executable file/);
    assert.match(describeFailure(resolution), /Check the `ptflow.path` setting/);
  });

  it("recognizes a ptflow that predates the language server", async () => {
    const bin = binFolder({ ptflow: PTFLOW_WITHOUT_LSP });
    const resolution = await resolveServer({ path: path.join(bin, "ptflow") }, { env: env(bin), home });
    assert.ok(!resolution.ok);
    assert.match(resolution.attempts[0].problem, /no `lsp` command \(upgrade ptflow\)/);
  });

  it("gives up on a probe that hangs", async () => {
    const bin = binFolder({ ptflow: "exec sleep 30" });
    const started = Date.now();
    const resolution = await resolveServer(
      { path: path.join(bin, "ptflow") },
      { env: { PATH: `${bin}${path.delimiter}/bin${path.delimiter}/usr/bin` }, home, timeoutMs: 500 },
    );
    assert.ok(!resolution.ok);
    assert.match(resolution.attempts[0].problem, /did not answer within/);
    assert.ok(Date.now() - started < 10_000);
  });

  it("quotes arguments with spaces in the command lines it reports", async () => {
    const resolution = await resolveServer(
      { path: "/no where/ptflow", serverArgs: ["--log-file", "a b.log"] },
      { env: env(binFolder({})), home },
    );
    assert.ok(!resolution.ok);
    assert.equal(resolution.attempts[0].commandLine, "'/no where/ptflow' lsp --log-file 'a b.log'");
  });
});

describe("paths and names", () => {
  it("tells interpreters from other executables", () => {
    for (const name of ["python", "python3", "python3.11", "/usr/bin/python3", "python.exe", "pythonw", "py"]) {
      assert.equal(isPythonInterpreter(name), true, name);
    }
    for (const name of ["ptflow", "/opt/venv/bin/ptflow", "pytest", "mypython-tool"]) {
      assert.equal(isPythonInterpreter(name), false, name);
    }
  });

  it("expands ${workspaceFolder} and ~, and leaves bare names for PATH", () => {
    assert.equal(expandPath("${workspaceFolder}/.venv/bin/ptflow", "/ws", "/home/me"), "/ws/.venv/bin/ptflow");
    assert.equal(expandPath("~/bin/ptflow", "/ws", "/home/me"), "/home/me/bin/ptflow");
    assert.equal(expandPath("ptflow", "/ws", "/home/me"), "ptflow");
    assert.equal(expandPath("bin/ptflow", undefined, "/home/me"), "bin/ptflow");
  });

  it("offers the Python fallbacks only for the default setting", () => {
    assert.deepEqual(
      launchers({}, undefined, home).map((l) => [l.command, ...l.launcher].join(" ")),
      process.platform === "win32"
        ? ["ptflow", "python -m ptflow", "py -m ptflow"]
        : ["ptflow", "python3 -m ptflow", "python -m ptflow"],
    );
    assert.equal(launchers({ path: "/opt/ptflow" }, undefined, home).length, 1);
  });

  it("finds only executable files on PATH", () => {
    const bin = binFolder({ ptflow: "exit 0" });
    fs.writeFileSync(path.join(bin, "notexec"), "data");
    fs.mkdirSync(path.join(bin, "adir"));
    assert.equal(findExecutable("ptflow", env(bin)), path.join(bin, "ptflow"));
    assert.equal(findExecutable("notexec", env(bin)), undefined);
    assert.equal(findExecutable("adir", env(bin)), undefined);
    assert.equal(findExecutable("ptflow", { PATH: "" }), undefined);
  });
});
