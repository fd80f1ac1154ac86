"""The lint rules, one class per rule, grouped by theme; importing this registers them all."""

from ptflow.compiler.lint.rules import caching, images, naming, resources, secrets, unused  # noqa: F401
