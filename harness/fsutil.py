"""Files: atomic writes (temp file + fsync + rename), shared by the store and the cache, and the
folders of installed data packages (package_dir), shared by datasets and encoders.

A reader never sees a half-written file: it sees the old one or the new one. Files get the
process umask's permissions (mkstemp makes 0600; results are meant to be shared).
"""

from __future__ import annotations

import importlib.util
import os
import re
import tempfile
from pathlib import Path

from harness.errors import UserError


def _umask() -> int:
    # Read without a lasting change: umask() can only be read by setting it.
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def safe_filename(text: str, limit: int = 80) -> str:
    """A file name part from untrusted text (e.g. a run id read from a manifest): letters,
    digits, '.', '_' and '-' only, no leading dot, so no path can climb out of its folder."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(text)).strip("._")[:limit]
    return cleaned or "run"


def package_dir(name: str, install: str, what: str) -> Path:
    """The folder of an installed package (found on sys.path, never imported).

    `what` names the files for the error (e.g. "the GloVe 6B 50d vectors"), `install` says how
    to get them.
    """
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"{what} is not installed (package {name})", suggestion=install)
    return Path(next(iter(spec.submodule_search_locations)))
