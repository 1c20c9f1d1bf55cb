"""Temp files of encodings that were killed, swept from the embedding cache at run start.

Runs share a cache, so a temp file may belong to an encoding in flight in another process. A
join's temp file names its writer (`.<entry>.<pid>.tmp`): it is removed once that process is
gone. Part writes use anonymous temp names (atomic_write_bytes): those are removed once older
than STALE_S, far longer than writing one part takes.
"""

from __future__ import annotations

import logging
import os
import re
import time
from pathlib import Path

log = logging.getLogger("harness")
STALE_S = 6 * 3600.0
_WRITER = re.compile(r"^\..+\.(\d+)\.tmp$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def sweep(root: Path, now: float | None = None) -> list[Path]:
    """Remove the cache's temp files whose writer is gone; the removed paths."""
    now = time.time() if now is None else now
    removed = []
    for path in Path(root).glob("*/.*.tmp"):
        m = _WRITER.match(path.name)
        try:
            stale = (not _alive(int(m.group(1))) if m
                     else now - path.stat().st_mtime > STALE_S)
            if stale:
                path.unlink()
                removed.append(path)
        except FileNotFoundError:  # its writer finished meanwhile
            continue
    if removed:
        log.info("removed %d temp file(s) of killed encodings from the cache %s",
                 len(removed), root)
    return removed
