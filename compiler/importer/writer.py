"""The model as .ptflow text, then through `ptflow fmt` so it reads as the formatter writes it."""

from __future__ import annotations

import json
import textwrap

from ptflow.compiler.formatter import format_and_parse
from ptflow.compiler.importer.model import (
    Component,
    IfChain,
    Loop,
    Module,
    Pipeline,
    Port,
    Step,
    TryFinally,
)
from ptflow.compiler.tree import Module as Tree


def literal(value) -> str:
    """A JSON-like value as a ptflow literal."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _block(value) if _reads_better_as_block(value) else json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def _reads_better_as_block(text: str) -> bool:
    """A script (a lightweight component's Python source) reads better as a triple-quoted block.

    ptflow drops the newline after the opening quotes and dedents the block, so only
    text that dedenting leaves unchanged may be written this way."""
    return text.count("\n") >= 2 and "\r" not in text and textwrap.dedent(text) == text


def _block(text: str) -> str:
    body = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if body.endswith('"'):
        body = body[:-1] + '\\"'
    return '"""\n' + body + '"""'


def _doc_lines(doc: str, indent: str) -> list[str]:
    return [f"{indent}## {line}".rstrip() for line in doc.splitlines()] if doc else []


def _ports(ports: list[Port]) -> str:
    items = []
    for port in ports:
        text = f"{port.name}: {port.type}"
        if port.default is not None:
            text += f" = {port.default}"
        if "\n" in port.doc:  # a long description: `##` lines above the port
            items += _doc_lines(port.doc, "") + [text + ","]
        else:
            items.append(text + (f",  ## {port.doc}" if port.doc else ","))
    return "\n".join(items)


def _component(component: Component) -> list[str]:
    lines = _doc_lines(component.doc, "")
    signature = f"component {component.name}(\n{_ports(component.inputs)}\n)"
    if component.outputs:
        signature += f" -> (\n{_ports(component.outputs)}\n)"
    lines.append(signature + " {")
    lines.append(f"    image = {component.image}")
    if component.command:
        lines.append("    command = [" + ", ".join(component.command) + "]")
    if component.args:
        lines.append("    args = [" + ", ".join(component.args) + "]")
    if component.env:
        lines.append("    env = {" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in component.env.items()) + "}")
    lines.append("}")
    return lines


def _body(items: list, indent: str) -> list[str]:
    lines = []
    for item in items:
        if isinstance(item, Step):
            call = (
                f"{indent}{item.name} = {item.callee}("
                + ", ".join(f"{k}: {v}" for k, v in item.arguments.items())
                + ")"
            )
            if item.options:
                call += " with {" + ", ".join(f"{k}: {v}" for k, v in item.options.items()) + "}"
            lines.append(call)
        elif isinstance(item, Loop):
            parallel = f" parallel {item.parallel}" if item.parallel else ""
            lines.append(f"{indent}for {item.variable} in {item.items}{parallel} {{")
            lines += _body(item.body, indent + "    ")
            lines.append(f"{indent}}}")
        elif isinstance(item, IfChain):
            for index, (condition, body) in enumerate(item.arms):
                head = "if" if index == 0 else ("elif" if condition is not None else "else")
                opener = f"{head} {condition} {{" if condition is not None else "else {"
                lines.append(f"{indent}{opener}" if index == 0 else f"{indent}}} {opener}")
                lines += _body(body, indent + "    ")
            lines.append(f"{indent}}}")
        elif isinstance(item, TryFinally):
            lines.append(f"{indent}try {{")
            lines += _body(item.body, indent + "    ")
            lines.append(f"{indent}}} finally {_handler_name(item.finally_name)}{{")
            lines += _body(item.finally_body, indent + "    ")
            lines.append(f"{indent}}}")
    return lines


def _handler_name(name: str | None) -> str:
    """`with { display_name: ... } ` after `finally` for a named exit handler, else nothing."""
    return f"with {{ display_name: {literal(name)} }} " if name else ""


def _pipeline(pipeline: Pipeline) -> list[str]:
    lines = _doc_lines(pipeline.doc, "")
    signature = f"pipeline {pipeline.name}(\n{_ports(pipeline.inputs)}\n)"
    if pipeline.outputs:
        signature += f" -> (\n{_ports(pipeline.outputs)}\n)"
    lines.append(signature + " {")
    if pipeline.given_name:
        lines.append(f"    name = {literal(pipeline.given_name)}")
    if pipeline.display_name:
        lines.append(f"    display_name = {literal(pipeline.display_name)}")
    if pipeline.pipeline_root:
        lines.append(f"    pipeline_root = {literal(pipeline.pipeline_root)}")
    if pipeline.workspace:
        lines.append(f"    workspace = {literal(pipeline.workspace)}")
    lines += _body(pipeline.body, "    ")
    if pipeline.returns:
        lines.append("    return (" + ", ".join(f"{k}: {v}" for k, v in pipeline.returns.items()) + ")")
    if pipeline.finally_body:
        lines.append(f"    finally {_handler_name(pipeline.finally_name)}{{")
        lines += _body(pipeline.finally_body, "        ")
        lines.append("    }")
    lines.append("}")
    return lines


def write(module: Module) -> str:
    return write_and_parse(module, module.origin)[0]


def write_and_parse(module: Module, path: str) -> tuple[str, Tree, list]:
    """The formatted source, and its parse as the file `path` (the formatter's self-check parses it)."""
    lines = [f"# Imported by `ptflow import` from {module.origin}.", ""]
    if module.imports:
        lines += module.imports + [""]
    for component in module.components:
        lines += _component(component) + [""]
    for pipeline in module.pipelines:
        lines += _pipeline(pipeline) + [""]
    return format_and_parse("\n".join(lines), path)
