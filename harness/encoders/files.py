"""Model files: where a package put them, their content hashes and fingerprints, JSON configs.

Packages are located without importing them (find_spec), so listing the catalogue stays cheap
and a package's own import-time code never runs.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.errors import UserError

_HASHES: dict[tuple[str, int, int], str] = {}
_HASHES_LOCK = threading.Lock()


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, cached per (resolved path, size, mtime) for the process."""
    resolved = Path(path).resolve()
    st = resolved.stat()
    key = (str(resolved), st.st_size, st.st_mtime_ns)
    with _HASHES_LOCK:
        cached = _HASHES.get(key)
    if cached is not None:
        return cached
    h = hashlib.sha256()
    with resolved.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    digest = h.hexdigest()
    with _HASHES_LOCK:
        _HASHES[key] = digest
    return digest


def spec_fingerprint(version: str, fields: Mapping[str, object]) -> str:
    """An encoder's fingerprint: sha256 of 'version|key=value|...', the fields in their order.

    `fields` hold everything the vectors depend on (file hashes, pooling, normalisation, ...);
    changing the version string invalidates every cached vector of that encoder.
    """
    raw = version + "".join(f"|{k}={v}" for k, v in fields.items())
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def package_dir(name: str, install: str, what: str) -> Path:
    """The folder of an installed package (found on sys.path, never imported).

    `what` names the files for the error (e.g. "the GloVe 6B 50d vectors"), `install` says how
    to get them.
    """
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"{what} is not installed (package {name})", suggestion=install)
    return Path(next(iter(spec.submodule_search_locations)))


def read_json_config(path: Path, *, strict: bool = False) -> dict[str, Any]:
    """A folder's JSON config as a dict ({} when absent); unreadable -> one-line UserError.

    strict=True also rejects a file that holds something other than a JSON object.
    """
    if not path.is_file():
        return {}
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: cannot read: {exc}") from exc
    if not isinstance(value, dict):
        if strict:
            raise UserError(f"{path}: expected a JSON object")
        return {}
    return value
