"""The ptflow grammar, shipped as package data so the compiler can find it."""

from pathlib import Path

GRAMMAR_PATH = Path(__file__).with_name("ptflow.lark")
