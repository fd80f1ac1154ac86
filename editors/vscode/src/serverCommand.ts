// Finding the command that starts `ptflow lsp`.
//
// Kept free of the `vscode` module so it can be unit-tested under plain node:
// the extension passes the settings in and shows the error itself.

import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const DEFAULT_PATH = "ptflow";

/** How long a probe may take: a cold Python start on a busy laptop is slow. */
export const PROBE_TIMEOUT_MS = 15_000;

export interface ServerSettings {
  /** `ptflow.path`: a ptflow executable or a Python interpreter. */
  path?: string;
  /** `ptflow.serverArgs`: extra arguments after `lsp`. */
  serverArgs?: string[];
}

/** One way of running ptflow: `command ...launcher` is the `ptflow` CLI. */
export interface Launcher {
  command: string;
  /** Arguments that turn `command` into the ptflow CLI (`-m ptflow` for Python). */
  launcher: string[];
}

/** The process that runs the language server. */
export interface ServerCommand {
  command: string;
  args: string[];
}

export interface FailedAttempt {
  /** The command line as a user would type it, for the error message. */
  commandLine: string;
  problem: string;
}

export type Resolution =
  | { ok: true; server: ServerCommand; attempts: FailedAttempt[] }
  | { ok: false; attempts: FailedAttempt[]; configured: boolean };

// `python`, `python3`, `python3.11`, `python.exe`, `pythonw`, `py`: an
// interpreter, so ptflow is run as a module of it.
const PYTHON_NAME = /^(python(\d+(\.\d+)*)?w?|py)(\.exe)?$/i;

export function isPythonInterpreter(command: string): boolean {
  return PYTHON_NAME.test(path.basename(command));
}

/** `${workspaceFolder}` replaced, `~` expanded, relative paths taken from the workspace. */
export function expandPath(setting: string, workspaceFolder: string | undefined, home: string): string {
  let expanded = setting.trim();
  if (workspaceFolder) {
    expanded = expanded.split("${workspaceFolder}").join(workspaceFolder);
  }
  if (expanded === "~" || expanded.startsWith("~/")) {
    expanded = path.join(home, expanded.slice(1));
  }
  // A bare name (`ptflow`) is looked up on PATH; anything with a separator is a path.
  const hasSeparator = expanded.includes("/") || expanded.includes(path.sep);
  if (hasSeparator && !path.isAbsolute(expanded) && workspaceFolder) {
    expanded = path.join(workspaceFolder, expanded);
  }
  return expanded;
}

/**
 * The launchers to try, in order.  The configured one comes first; only when
 * the setting is left at its default do we fall back to `python -m ptflow`,
 * so a wrong explicit path is reported instead of silently replaced.
 */
export function launchers(settings: ServerSettings, workspaceFolder: string | undefined, home: string): Launcher[] {
  const configured = (settings.path ?? "").trim() || DEFAULT_PATH;
  const command = expandPath(configured, workspaceFolder, home);
  const first: Launcher = isPythonInterpreter(command)
    ? { command, launcher: ["-m", "ptflow"] }
    : { command, launcher: [] };
  if (configured !== DEFAULT_PATH) {
    return [first];
  }
  const pythons = process.platform === "win32" ? ["python", "py"] : ["python3", "python"];
  return [first, ...pythons.map((python) => ({ command: python, launcher: ["-m", "ptflow"] }))];
}

export function serverCommand(launcher: Launcher, serverArgs: string[] | undefined): ServerCommand {
  return { command: launcher.command, args: [...launcher.launcher, "lsp", ...(serverArgs ?? [])] };
}

export function formatCommandLine(command: string, args: string[]): string {
  const quote = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`);
  return [command, ...args].map(quote).join(" ");
}

/** The executable that `command` names: itself if it is a path, else the first match on PATH. */
export function findExecutable(command: string, env: NodeJS.ProcessEnv): string | undefined {
  const extensions =
    process.platform === "win32" ? ["", ...(env.PATHEXT ?? ".EXE;.CMD;.BAT;.COM").split(";")] : [""];
  const isFile = (candidate: string) => {
    try {
      const stat = fs.statSync(candidate);
      if (!stat.isFile()) {
        return false;
      }
      fs.accessSync(candidate, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (path.isAbsolute(command) || command.includes("/") || command.includes(path.sep)) {
    return extensions.map((ext) => command + ext).find(isFile);
  }
  for (const directory of (env.PATH ?? "").split(path.delimiter)) {
    if (!directory) {
      continue;
    }
    const found = extensions.map((ext) => path.join(directory, command + ext)).find(isFile);
    if (found) {
      return found;
    }
  }
  return undefined;
}

/** The last line a failing command wrote that says something (Python's error, argparse's complaint). */
function lastMeaningfulLine(text: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  return lines.length ? lines[lines.length - 1] : "";
}

/**
 * Whether `launcher` runs a ptflow that has a language server: `... lsp --help`
 * must exit 0.  Returns undefined when it does, else what went wrong.
 */
export function probe(launcher: Launcher, env: NodeJS.ProcessEnv, timeoutMs = PROBE_TIMEOUT_MS): Promise<string | undefined> {
  const executable = findExecutable(launcher.command, env);
  if (!executable) {
    const where = launcher.command.includes("/") || launcher.command.includes(path.sep) ? "no such executable file" : "not found on PATH";
    return Promise.resolve(where);
  }
  return new Promise((resolve) => {
    execFile(
      executable,
      [...launcher.launcher, "lsp", "--help"],
      { env, timeout: timeoutMs, windowsHide: true },
      (error, _stdout, stderr) => {
        if (!error) {
          resolve(undefined);
          return;
        }
        const failure = error as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
        if (failure.killed) {
          resolve(`did not answer within ${Math.round(timeoutMs / 1000)} s`);
          return;
        }
        const said = lastMeaningfulLine(String(stderr));
        if (/invalid choice: 'lsp'/.test(said)) {
          resolve("this ptflow has no `lsp` command (upgrade ptflow)");
          return;
        }
        if (typeof failure.code === "string") {
          resolve(`could not run it (${failure.code})`);
          return;
        }
        resolve(said ? `exit code ${failure.code}: ${said}` : `exit code ${failure.code}`);
      },
    );
  });
}

/** The first launcher that works, or every attempt with what went wrong. */
export async function resolveServer(
  settings: ServerSettings,
  options: { workspaceFolder?: string; env: NodeJS.ProcessEnv; home: string; timeoutMs?: number },
): Promise<Resolution> {
  const attempts: FailedAttempt[] = [];
  for (const launcher of launchers(settings, options.workspaceFolder, options.home)) {
    const problem = await probe(launcher, options.env, options.timeoutMs);
    const server = serverCommand(launcher, settings.serverArgs);
    if (problem === undefined) {
      return { ok: true, server, attempts };
    }
    attempts.push({ commandLine: formatCommandLine(server.command, server.args), problem });
  }
  const configured = ((settings.path ?? "").trim() || DEFAULT_PATH) !== DEFAULT_PATH;
  return { ok: false, attempts, configured };
}

/** The message shown when no launcher works: what was tried and how to fix it. */
export function describeFailure(resolution: Extract<Resolution, { ok: false }>): string {
  const tried = resolution.attempts.map((attempt) => `\`${attempt.commandLine}\`: ${attempt.problem}`).join("; ");
  const fix = resolution.configured
    ? "Check the `ptflow.path` setting: it must name a ptflow executable or a Python interpreter with ptflow installed."
    : "Install ptflow (`pip install ptflow`) in an environment on PATH, or set `ptflow.path` to its `ptflow` executable or Python interpreter.";
  return `Could not start the ptflow language server. Tried ${tried}. ${fix}`;
}
