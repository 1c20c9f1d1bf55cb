"""Progress on the terminal: an encoding bar that moves with a rate, plain lines (no `\\r`)
when the output is not a terminal, an ETA that counts each encoding once, and a failed cell's
traceback kept out of the terminal."""

from __future__ import annotations

import contextlib
import io
import logging
import re
import time

import pytest

from harness.embeddings.cache import EmbeddingCache
from harness.encoders.hashing import HashEncoder, HashOptions
from harness.execution.executor import FILE_ONLY, close_logging, setup_logging
from harness.execution.progress import BuildTicker, EncodeBars, Eta
from harness.store.runs import RunStore

TEXTS = [f"document number {i} about topic {i % 7}" for i in range(2000)]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _encode(tmp_path, bars: EncodeBars) -> None:
    cache = EmbeddingCache(tmp_path / "cache", on_progress=bars)
    out = cache.encode(HashEncoder(HashOptions(dim=16)), TEXTS, role="document",
                       texts_fingerprint="t2000", batch_size=64)
    assert out.vectors.shape == (2000, 16) and not out.cache_hit


def test_encoding_2000_documents_shows_a_moving_bar_with_a_rate(tmp_path):
    term = Terminal()
    _encode(tmp_path, EncodeBars(stream=term, show_after=0.0))
    frames = [f for f in term.getvalue().split("\r") if "/2000" in f]
    done = [int(re.search(r"(\d+)/2000", f).group(1)) for f in frames]
    assert done[0] == 0 and done[-1] == 2000
    assert len(set(done)) >= 4 and done == sorted(done)  # 512, 1024, 1536, 2000: it moves
    assert "encoding documents (hash" in frames[-1]
    assert re.search(r"[\d.]+ docs/s", frames[-1])  # the rate


def test_plain_lines_when_not_a_terminal(tmp_path):
    pipe = io.StringIO()
    _encode(tmp_path, EncodeBars(stream=pipe, echo_plain=True, show_after=0.0))
    text = pipe.getvalue()
    assert "\r" not in text and "\x1b" not in text
    assert re.search(r"2,000/2,000 texts \([\d,]+ docs/s\)\n$", text)


def test_same_vectors_with_and_without_progress(tmp_path):
    enc = HashEncoder(HashOptions(dim=16))
    a = EmbeddingCache(tmp_path / "a").encode(enc, TEXTS, role="query", texts_fingerprint="x")
    b = EmbeddingCache(tmp_path / "b", on_progress=lambda *_: None).encode(
        enc, TEXTS, role="query", texts_fingerprint="x")
    assert (a.vectors == b.vectors).all()


class _Cell:
    def __init__(self, model: str, dataset: str) -> None:
        self.model, self.dataset = {"ref": model}, {"ref": dataset}


def test_eta_counts_each_encoding_once():
    cells = [_Cell(m, "d") for m in ("a", "b") for _ in range(3)]
    eta = Eta(cells)
    assert eta.seconds() is None and "after the first cell" in eta.text()
    eta.done(cells[0], wall_s=12.0, encode_s=10.0)  # the first of model a encodes
    # left: model b's encoding (10 s, once) + 5 cells x 2 s
    assert eta.seconds() == pytest.approx(20.0)
    eta.done(cells[1], wall_s=2.0, encode_s=0.0)  # a cache hit: no encoding left for a
    assert eta.seconds() == pytest.approx(10.0 + 4 * 2.0)
    assert eta.seconds(running_s=5.0) == pytest.approx(13.0)


def test_traceback_goes_to_the_log_file_only(tmp_path, capsys):
    store = RunStore(tmp_path / "run")
    handlers = setup_logging(store, echo=True)
    try:
        log = logging.getLogger("harness")
        log.error("cell abc failed: ValueError: bad")
        log.error("Traceback (most recent call last):\n  File x\nValueError: bad", extra=FILE_ONLY)
    finally:
        close_logging(handlers)
    shown = capsys.readouterr()
    assert shown.out == ""  # the echo is on stderr: stdout holds results (`run --json`)
    assert "cell abc failed: ValueError: bad" in shown.err and "Traceback" not in shown.err
    logged = store.log_path.read_text()
    assert "cell abc failed" in logged and "Traceback (most recent call last)" in logged


def _slow_build(ticker: BuildTicker, seconds: float) -> None:
    with ticker:
        time.sleep(seconds)  # a library call holding no GIL, as index builds do


def test_a_long_build_shows_a_live_line_with_its_time():
    term = Terminal()
    _slow_build(BuildTicker("building hnswlib over 5,000 documents", stream=term,
                            show_after=0.1, tick_s=0.05), 0.6)
    frames = [f for f in term.getvalue().split("\r") if "building hnswlib" in f]
    assert len(frames) >= 3  # refreshed while the build ran
    # the time since the build started (not since the line appeared)
    assert re.search(r"building hnswlib over 5,000 documents: [01] s so far$", frames[-1])


def test_short_builds_show_nothing_and_logs_get_plain_lines(caplog):
    term = Terminal()
    _slow_build(BuildTicker("building exact over 10 documents", stream=term, show_after=5.0,
                            tick_s=0.05), 0.2)
    assert term.getvalue() == ""
    pipe = io.StringIO()
    with caplog.at_level(logging.INFO, logger="harness"):
        _slow_build(BuildTicker("building annoy over 9 documents", stream=pipe, echo_plain=True,
                                show_after=0.1, tick_s=0.05), 0.5)
    # one plain line when it shows (the next only after PLAIN_EVERY_S): no `\r` frames
    assert pipe.getvalue() == "building annoy over 9 documents: 0 s so far\n"
    assert "building annoy over 9 documents: 0 s so far" in caplog.messages


def test_the_runner_wraps_each_build(write_suite, tiny_beir, tmp_path, monkeypatch):
    from harness import api
    from harness.inputs import cell_inputs as context

    built: list[str] = []

    @contextlib.contextmanager
    def record(what: str):
        built.append(what)
        yield

    real = context.CellInputs.__init__

    def with_watch(self, *a, **kw):
        real(self, *a, **{**kw, "build_progress": record})

    monkeypatch.setattr(context.CellInputs, "__init__", with_watch)
    path = write_suite(f"schema_version: 1\nname: t\ndatasets: [beir:{tiny_beir}]\n"
                       "models: [hash:16]\nmetrics: [cosine]\n"
                       "backends: [{name: exact}, {name: hnswlib}]\n")
    api.run(path, api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "c",
                                 progress=False, executor="inline"))
    # 6 topics x 4 documents: each index build wrapped, named with what it builds (the
    # analysis's exact reference points are builds too)
    assert built.count("building hnswlib over 24 documents") == 1
    assert set(built) == {"building exact over 24 documents",
                          "building hnswlib over 24 documents"}
