"""Where `torch.prepare_text` gets its sentences: the shipped set, AG News, or a CSV."""

from __future__ import annotations

import csv
import os
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ptflow.runtime.contract import StepError, UsageError
from ptflow.stdlib.image_sources import cache_directory

SHIPPED = Path(__file__).parent / "data" / "news_sentences.csv"
# fast.ai's mirror of the AG News CSVs (train.csv, test.csv, classes.txt);
# PTFLOW_AG_NEWS_URL points elsewhere (a mirror inside a cluster, a test server).
AG_NEWS_URL = "https://s3.amazonaws.com/fast-ai-nlp/ag_news_csv.tgz"
BUILT_IN = ("news", "ag_news")


@dataclass
class TextSet:
    texts: list[str]
    labels: np.ndarray  # (N,) int64, indices into classes
    classes: list[str]
    source: str


def _from_named_labels(texts: list[str], names: list[str], source: str) -> TextSet:
    classes = sorted(set(names), key=_class_order)
    index = {name: position for position, name in enumerate(classes)}
    return TextSet(texts, np.array([index[name] for name in names], dtype=np.int64), classes, source)


def _class_order(name: str):
    """Numeric labels sort as numbers (2 before 10), others alphabetically."""
    try:
        return (0, float(name), "")
    except ValueError:
        return (1, 0.0, name)


def load_shipped() -> TextSet:
    """The 440 news-style sentences in four classes that ship with ptflow."""
    with SHIPPED.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    return _from_named_labels([row["text"] for row in rows], [row["label"] for row in rows], "news")


def load_csv(path: Path, text_column: str, label_column: str) -> TextSet:
    """The user's CSV: a file, or a directory holding exactly one .csv file."""
    if path.is_dir():
        found = sorted(path.glob("*.csv"))
        if len(found) != 1:
            raise UsageError(f"--csv: the directory {path} holds {len(found)} .csv files; give one file")
        path = found[0]
    with path.open(newline="", encoding="utf-8") as stream:
        reader = csv.DictReader(stream)
        columns = reader.fieldnames or []
        for flag, column in (("text_column", text_column), ("label_column", label_column)):
            if column not in columns:
                raise UsageError(
                    f"--{flag}: {path.name} has no column {column!r}; its columns are "
                    + ", ".join(repr(c) for c in columns)
                )
        rows = [(row[text_column], row[label_column]) for row in reader]
    rows = [(text.strip(), label.strip()) for text, label in rows if text and text.strip() and label.strip()]
    if not rows:
        raise UsageError(f"--csv: {path.name} has no rows with both a text and a label")
    labels = [label for _, label in rows]
    if len(set(labels)) < 2:
        raise UsageError(
            f"--csv: every row of {path.name} has the label {labels[0]!r}; a classifier needs two classes at least"
        )
    return _from_named_labels([text for text, _ in rows], labels, f"csv:{path.name}")


def load_ag_news() -> TextSet:
    """AG News (120000 + 7600 articles, 4 classes), downloaded once into the cache."""
    url = os.environ.get("PTFLOW_AG_NEWS_URL") or AG_NEWS_URL
    directory = cache_directory() / "ag_news"
    archive = directory / "ag_news_csv.tgz"
    if not archive.is_file():
        directory.mkdir(parents=True, exist_ok=True)
        partial = archive.with_suffix(".part")
        try:
            with urllib.request.urlopen(url, timeout=30) as response, partial.open("wb") as stream:
                while chunk := response.read(1 << 20):
                    stream.write(chunk)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise StepError(
                f"could not download AG News from {url}: {error}. Without a network, leave "
                "`dataset` unset for the shipped sentences, or pass your own CSV"
            ) from None
        partial.replace(archive)
    texts: list[str] = []
    labels: list[int] = []
    with tarfile.open(archive, "r:*") as tar:
        members = {Path(member.name).name: member for member in tar if member.isfile()}
        missing = {"classes.txt", "train.csv", "test.csv"} - set(members)
        if missing:
            raise StepError(f"{url} is not the AG News archive: it lacks {', '.join(sorted(missing))}")
        classes = tar.extractfile(members["classes.txt"]).read().decode().split()
        for name in ("train.csv", "test.csv"):
            lines = tar.extractfile(members[name]).read().decode("utf-8").splitlines()
            # No header; columns are class (1-based), title, description.
            for class_number, title, description in csv.reader(lines):
                texts.append(f"{title} {description}".replace("\\n", " ").replace("\\", " ").strip())
                labels.append(int(class_number) - 1)
    return TextSet(texts, np.array(labels, dtype=np.int64), classes, "ag_news")
