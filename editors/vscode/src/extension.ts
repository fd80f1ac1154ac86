// The ptflow extension: starts `ptflow lsp` over stdio and connects VS Code to it.
//
// Highlighting and brackets come from the grammar and language configuration
// in package.json and work without the server; everything else (diagnostics,
// completion, hover, definitions, rename, formatting) comes from the server.

import * as os from "os";
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from "vscode-languageclient/node";

import { ServerSettings, describeFailure, formatCommandLine, resolveServer } from "./serverCommand";

const CLIENT_ID = "ptflow";
const CLIENT_NAME = "ptflow language server";

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;
// Starts and stops run one after another: a settings change during a slow
// start (probing Python can take seconds) must not leave two servers running.
let lifecycle: Promise<void> = Promise.resolve();

function enqueue(step: () => Promise<void>): Promise<void> {
  lifecycle = lifecycle.then(step, step);
  return lifecycle;
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel(CLIENT_NAME);
  context.subscriptions.push(output);

  context.subscriptions.push(
    vscode.commands.registerCommand("ptflow.restartServer", () => restart()),
    vscode.commands.registerCommand("ptflow.showOutput", () => output?.show(true)),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("ptflow.path") || event.affectsConfiguration("ptflow.serverArgs")) {
        void restart();
      }
    }),
  );

  await enqueue(start);
}

export async function deactivate(): Promise<void> {
  await enqueue(stop);
}

function restart(): Promise<void> {
  return enqueue(async () => {
    await stop();
    await start();
  });
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    try {
      await running.stop();
    } catch (error) {
      // A server that already died can't be stopped cleanly; a restart goes on regardless.
      output?.appendLine(`[ptflow] stopping the server: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

function readSettings(): ServerSettings {
  const config = vscode.workspace.getConfiguration("ptflow");
  return {
    path: config.get<string>("path"),
    serverArgs: config.get<string[]>("serverArgs"),
  };
}

async function start(): Promise<void> {
  const channel = output!;
  const workspaceFolder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const resolution = await resolveServer(readSettings(), {
    workspaceFolder,
    env: process.env,
    home: os.homedir(),
  });
  for (const attempt of resolution.attempts) {
    channel.appendLine(`[ptflow] ${attempt.commandLine}: ${attempt.problem}`);
  }
  if (!resolution.ok) {
    reportStartFailure(describeFailure(resolution));
    return;
  }

  const { command, args } = resolution.server;
  channel.appendLine(`[ptflow] starting ${formatCommandLine(command, args)}`);
  const serverOptions: ServerOptions = {
    command,
    args,
    transport: TransportKind.stdio,
    options: { cwd: workspaceFolder },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "ptflow" },
      { scheme: "untitled", language: "ptflow" },
    ],
    synchronize: {
      // Imported .ptflow files and `[tool.ptflow]` in pyproject.toml change
      // what an open file's diagnostics are, even when they are not open.
      fileEvents: [
        vscode.workspace.createFileSystemWatcher("**/*.ptflow"),
        vscode.workspace.createFileSystemWatcher("**/pyproject.toml"),
      ],
    },
    outputChannel: channel,
  };

  const candidate = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
  try {
    await candidate.start();
    client = candidate;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // Release the half-started client (its output channel is ours and stays).
    await candidate.dispose().catch(() => undefined);
    reportStartFailure(
      `The ptflow language server (${formatCommandLine(command, args)}) stopped while starting: ${reason}`,
    );
  }
}

function reportStartFailure(message: string): void {
  output?.appendLine(`[ptflow] ${message}`);
  void vscode.window.showErrorMessage(message, "Open Settings", "Show Output").then((choice) => {
    if (choice === "Open Settings") {
      void vscode.commands.executeCommand("workbench.action.openSettings", "ptflow.path");
    } else if (choice === "Show Output") {
      output?.show(true);
    }
  });
}
