// The language configuration's regular expressions, evaluated as VS Code
// evaluates them (JavaScript RegExp), on lines a user would type.

import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

// out/test/ -> editors/vscode/
const ROOT = path.resolve(__dirname, "..", "..");
const config = JSON.parse(fs.readFileSync(path.join(ROOT, "language-configuration.json"), "utf8"));
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

describe("language configuration", () => {
  it("is the one package.json registers for .ptflow files", () => {
    const [language] = manifest.contributes.languages;
    assert.equal(language.id, "ptflow");
    assert.deepEqual(language.extensions, [".ptflow"]);
    assert.equal(path.resolve(ROOT, language.configuration), path.join(ROOT, "language-configuration.json"));
  });

  it("comments lines with #", () => {
    assert.deepEqual(config.comments, { lineComment: "#" });
  });

  it("pairs (), [] and {}", () => {
    assert.deepEqual(config.brackets, [["{", "}"], ["[", "]"], ["(", ")"]]);
  });

  it("auto-closes brackets, quotes, triple quotes and f-strings, but not inside strings or comments", () => {
    const pairs = new Map<string, { close: string; notIn?: string[] }>(
      config.autoClosingPairs.map((pair: { open: string; close: string; notIn?: string[] }) => [pair.open, pair]),
    );
    for (const [open, close] of [["{", "}"], ["[", "]"], ["(", ")"], ['"', '"'], ["'", "'"], ['"""', '"""'],
      ["'''", "'''"], ['f"', '"'], ["f'", "'"]]) {
      assert.equal(pairs.get(open)?.close, close, open);
    }
    for (const quote of ['"', "'", '"""', "'''"]) {
      assert.deepEqual(pairs.get(quote)?.notIn, ["string", "comment"], quote);
    }
  });

  const increase = new RegExp(config.indentationRules.increaseIndentPattern);
  const decrease = new RegExp(config.indentationRules.decreaseIndentPattern);

  it("indents after a line that opens a block, a call, a list or a dict", () => {
    for (const line of [
      "pipeline cifar10(",
      "pipeline cifar10(max_epochs: int = 1) {",
      "component flip_coin(seed: int = 0) -> (side: str) {",
      "    train = torch.train(",
      "    ) with {",
      "    if deploy and train.accuracy > 0.5 {",
      "    } else {",
      "    for t in trials parallel 2 {  # fan out",
      '    command = ["sh", "-c", "echo {}", [',
      "    finally {",
    ]) {
      assert.ok(increase.test(line), line);
    }
  });

  it("does not indent after brackets that are closed, or that sit in strings or comments", () => {
    for (const line of [
      "    data = torch.prepare(dataset: \"cifar10\")",
      "    x = \"{\"",
      "    x = '('",
      '    x = "say \\"{\\""',
      "    # a comment ending in {",
      "    echo(msg: x) with { cache: false }",
      "pipeline p() {}",
    ]) {
      assert.ok(!increase.test(line), line);
    }
  });

  it("dedents a line that starts by closing", () => {
    for (const line of ["}", "    }", "    ) with {", "    ]", "} else {"]) {
      assert.ok(decrease.test(line), line);
    }
    for (const line of ["    x = {}", "    echo(msg: x)"]) {
      assert.ok(!decrease.test(line), line);
    }
  });

  it("continues a ## doc comment on the next line", () => {
    const [rule] = config.onEnterRules;
    assert.ok(new RegExp(rule.beforeText).test("    ## Train the model."));
    assert.ok(!new RegExp(rule.beforeText).test("    # an ordinary comment"));
    assert.equal(rule.action.appendText, "## ");
  });

  it("selects names and numbers as words", () => {
    const word = new RegExp(config.wordPattern, "g");
    assert.deepEqual("train.accuracy >= -0.5e3 and max_epochs".match(word), [
      "train", "accuracy", "-0.5e3", "and", "max_epochs",
    ]);
  });
});
