"""torch.prepare_text: the shipped sentences, a user's CSV, AG News from a server, bad inputs.

AG News is fetched from a small archive in AG News's own format, served by an
HTTP server on 127.0.0.1 (tests never reach the internet); the step is pointed
at it with PTFLOW_AG_NEWS_URL, the variable a cluster would use for a mirror.
"""

from __future__ import annotations

import csv
import functools
import http.server
import io
import json
import socket
import tarfile
import threading

import pandas as pd
import pytest

from tests.runtime.steps import run_step


def read_split(root, split):
    manifest = json.loads((root / "dataset.json").read_text())
    (relative,) = manifest["splits"][split]["files"]
    path = root / relative
    return pd.read_parquet(path) if relative.endswith(".parquet") else pd.read_csv(path)


def test_the_shipped_sentences_are_split_into_parquet_tables(news):
    manifest = json.loads((news / "dataset.json").read_text())
    assert manifest["kind"] == "text" and manifest["text"]["format"] == "parquet"
    assert manifest["classes"] == ["Business", "Sci/Tech", "Sports", "World"]
    frames = {split: read_split(news, split) for split in ("train", "val", "test")}
    assert sum(len(frame) for frame in frames.values()) == 440
    assert frames["test"]["label"].value_counts().to_dict() == {0: 22, 1: 22, 2: 22, 3: 22}
    assert not set(frames["test"]["text"]) & set(frames["train"]["text"])
    summary = (news.parent / "summary").read_text()
    assert "| Sci/Tech | 77 | 11 | 22 | 110 |" in summary


def test_a_users_csv_with_its_own_columns(tmp_path):
    rows = [(f"review {i} {'great' if i % 2 else 'awful'}", "pos" if i % 2 else "neg") for i in range(40)]
    with (tmp_path / "reviews.csv").open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["body", "sentiment"])
        writer.writerows(rows)
    run_step(
        "torch.prepare_text",
        "--csv",
        tmp_path / "reviews.csv",
        "--text_column",
        "body",
        "--label_column",
        "sentiment",
        "--table_format",
        "csv",
        "--outputs-dir",
        tmp_path / "out",
    ).check()
    root = tmp_path / "out" / "data"
    manifest = json.loads((root / "dataset.json").read_text())
    assert manifest["classes"] == ["neg", "pos"] and manifest["text"]["format"] == "csv"
    test = read_split(root, "test")
    assert len(test) == 8 and set(test["label"]) == {0, 1}
    assert all(("great" in text) == (label == 1) for text, label in zip(test["text"], test["label"]))


def test_a_missing_csv_column_is_named(tmp_path):
    (tmp_path / "data.csv").write_text("text,category\nhello,a\nworld,b\n")
    result = run_step("torch.prepare_text", "--csv", tmp_path / "data.csv", "--outputs-dir", tmp_path / "out")
    assert result.returncode == 2
    assert "--label_column: data.csv has no column 'label'; its columns are 'text', 'category'" in result.stderr


def ag_news_archive() -> bytes:
    """A tiny archive laid out like AG News: classes.txt, and train/test CSVs without a header."""
    classes = ["World", "Sports", "Business", "Sci/Tech"]
    files = {"ag_news_csv/classes.txt": "\n".join(classes) + "\n"}
    for name, count in (("train.csv", 20), ("test.csv", 4)):
        buffer = io.StringIO()
        writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
        for index in range(count):
            label = index % 4
            writer.writerow([label + 1, f"{classes[label]} headline {index}", f"story {index} about {classes[label]}"])
        files[f"ag_news_csv/{name}"] = buffer.getvalue()
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return archive.getvalue()


@pytest.fixture
def ag_news_server(tmp_path):
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "ag_news_csv.tgz").write_bytes(ag_news_archive())
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path / "www"))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/ag_news_csv.tgz"
    server.shutdown()
    server.server_close()


def test_ag_news_is_downloaded_once_and_parsed(tmp_path, ag_news_server):
    environment = {"PTFLOW_AG_NEWS_URL": ag_news_server, "PTFLOW_DATA_CACHE": str(tmp_path / "cache")}
    run_step("torch.prepare_text", "--dataset", "ag_news", "--outputs-dir", tmp_path / "out", env=environment).check()
    root = tmp_path / "out" / "data"
    manifest = json.loads((root / "dataset.json").read_text())
    assert manifest["source"] == "ag_news" and manifest["classes"] == ["World", "Sports", "Business", "Sci/Tech"]
    frames = pd.concat([read_split(root, split) for split in ("train", "val", "test")])
    assert len(frames) == 24
    sports = frames[frames["label"] == 1]["text"]
    assert all(text.startswith("Sports headline") and text.endswith("about Sports") for text in sports)
    assert (tmp_path / "cache" / "ag_news" / "ag_news_csv.tgz").is_file()


def test_ag_news_without_a_network_says_what_to_do(tmp_path):
    with socket.socket() as held:  # a port held bound but not listening for the whole test: nothing answers
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        environment = {
            "PTFLOW_AG_NEWS_URL": f"http://127.0.0.1:{port}/ag_news_csv.tgz",
            "PTFLOW_DATA_CACHE": str(tmp_path / "cache"),
        }
        result = run_step(
            "torch.prepare_text", "--dataset", "ag_news", "--outputs-dir", tmp_path / "out", env=environment
        )
    assert result.returncode == 1
    assert "could not download AG News" in result.stderr and "leave `dataset` unset" in result.stderr
    assert not list((tmp_path / "cache").rglob("*.tgz"))
