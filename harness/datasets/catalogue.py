"""Dataset plugins: each has check(arg) (cheap, plan time) and load(arg, ref) -> Dataset."""

from __future__ import annotations

from pathlib import Path

from harness.datasets.base import Dataset
from harness.suite import DatasetRef


class beir:
    @staticmethod
    def check(arg: str) -> str | None:
        if not arg:
            return "expected a folder after 'beir:' (beir:path/to/folder)"
        folder = Path(arg).expanduser()
        if not (folder / "corpus.jsonl").is_file():
            return f"no BEIR folder at '{arg}' (expected {folder / 'corpus.jsonl'})"
        return None

    @staticmethod
    def load(arg: str, ref: DatasetRef) -> Dataset:
        from harness.datasets.beir import load_beir

        return load_beir(arg, split=ref.split, ignore_identical_ids=ref.ignore_identical_ids)


class bbc_news:
    @staticmethod
    def check(arg: str) -> str | None:
        return None

    @staticmethod
    def load(arg: str, ref: DatasetRef) -> Dataset:
        from harness.datasets.bbc import load_bbc_news

        return load_bbc_news()
