"""A load client in a process of its own: `python -m harness.execution.load.child JOB.json`.

It opens the index's saved form memory-mapped (SharedIndex.open_shared: one copy in the page
cache for every client), warms up, says `ready` on stdout, reads the point's start time
(monotonic ns) on stdin, runs its loop and writes its sample, CPU seconds and the private
memory that opening and searching the index added (anon_bytes) to the job's `out` file."""

from __future__ import annotations

import importlib
import json
import sys

import numpy as np

from harness.execution.load.loop import closed_loop, open_loop
from harness.execution.load.points import cpu_seconds

WARMUP = 20  # queries searched before `ready` (page faults of the mapped index, caches)


def main(job_path: str) -> None:
    with open(job_path, encoding="utf-8") as fh:
        job = json.load(fh)
    for name in filter(None, (m.strip() for m in job["plugins"].split(","))):
        importlib.import_module(name)
    cls = getattr(importlib.import_module(job["module"]), job["qualname"])
    anon0 = anon_bytes()
    backend = cls.open_shared(job["index"], job["metric"], job["build"])
    backend.prepare(job["settings"])
    queries = np.load(job["queries"], mmap_mode="r")
    rows = [np.ascontiguousarray(queries[i:i + 1]) for i in range(len(queries))]
    k = int(job["k"])

    def search(i: int) -> object:
        return backend.search(rows[i], k)

    for i in range(min(WARMUP, len(rows))):
        search(i)
    print("ready", flush=True)
    start = int(sys.stdin.readline())
    cpu0 = cpu_seconds()
    if job["due"] is None:
        sample = closed_loop(search, len(rows), int(job["first"]), start,
                             start + int(float(job["seconds"]) * 1e9))
    else:
        sample = open_loop(search, len(rows), np.load(job["due"]), start)
    np.savez(job["out"], latency_ns=sample.latency_ns, finish_ns=sample.finish_ns,
             cpu_s=np.float64(cpu_seconds() - cpu0), anon_bytes=np.int64(anon_bytes() - anon0))


def anon_bytes() -> int:
    """This process's private resident memory (RssAnon): what opening the index copied into
    the process. A memory-mapped index is file-backed (RssFile), one copy for every client."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    return 0


if __name__ == "__main__":
    main(sys.argv[1])
