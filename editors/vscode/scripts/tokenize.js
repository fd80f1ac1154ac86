#!/usr/bin/env node
// Tokenizes files with the extension's TextMate grammar, the way VS Code does
// (vscode-textmate on the Oniguruma WebAssembly build), and prints JSON:
//
//   [{"file": ..., "lines": [[{"start", "end", "scopes"}, ...], ...], "finalDepth": n}, ...]
//
// `finalDepth` is the depth of the rule stack after the last line: 1 means
// every begin/end rule the file opened was closed again.  The Python tests use
// this to compare the grammar with the compiler's own lexer.
//
// Usage: node scripts/tokenize.js FILE...   (or `-` to read one file from stdin)

"use strict";

const fs = require("fs");
const path = require("path");
const oniguruma = require("vscode-oniguruma");
const textmate = require("vscode-textmate");

const GRAMMAR_PATH = path.join(__dirname, "..", "syntaxes", "ptflow.tmLanguage.json");

async function loadGrammar() {
  const wasm = fs.readFileSync(path.join(path.dirname(require.resolve("vscode-oniguruma")), "onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== "source.ptflow") {
        return null;
      }
      return textmate.parseRawGrammar(fs.readFileSync(GRAMMAR_PATH, "utf8"), GRAMMAR_PATH);
    },
  });
  return registry.loadGrammar("source.ptflow");
}

function tokenize(grammar, text) {
  let state = textmate.INITIAL;
  const lines = text.split(/\r\n|\n/).map((line) => {
    const result = grammar.tokenizeLine(line, state);
    state = result.ruleStack;
    return result.tokens.map((token) => ({
      start: token.startIndex,
      // vscode-textmate's last token may reach past the line (over the newline it adds).
      end: Math.min(token.endIndex, line.length),
      scopes: token.scopes,
    }));
  });
  return { lines, finalDepth: state.depth };
}

async function main(files) {
  if (files.length === 0) {
    process.stderr.write("usage: tokenize.js FILE... (or - for stdin)\n");
    process.exit(2);
  }
  const grammar = await loadGrammar();
  const results = files.map((file) => {
    const text = file === "-" ? fs.readFileSync(0, "utf8") : fs.readFileSync(file, "utf8");
    return { file, ...tokenize(grammar, text) };
  });
  process.stdout.write(JSON.stringify(results));
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
