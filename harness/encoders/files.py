"""Model files: where a package put them, their content hashes and fingerprints, JSON configs.

Packages are located with harness.fsutil.package_dir (find_spec, never imported).
"""

from __future__ import annotations

import hashlib
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
