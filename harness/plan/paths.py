"""Folders the run will write into, checked at plan time: an output or cache path that is
(or sits under) a file would otherwise fail as NotADirectoryError once a cell has encoded."""

from __future__ import annotations

from pathlib import Path

from harness.errors import UserError


def check_folder(path: Path | str, key: str) -> None:
    """Raise a one-line UserError when `path` cannot be a folder: it, or the nearest part of it
    that exists, is a file."""
    path = Path(path)
    for part in (path, *path.parents):
        if part.exists():
            if not part.is_dir():
                under = "" if part == path else f", so {path} cannot be a folder"
                raise UserError(
                    f"{part} is a file, not a folder{under}", key=key,
                    suggestion="give a folder path, or move the file away")
            return
