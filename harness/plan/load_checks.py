"""The load axis at plan time: the cells' load description, and what a suite can get wrong
about it (an SLO without load is an error; more clients than cores is a warning, since the
curve is still measured, but its upper points measure the scheduler, not the library)."""

from __future__ import annotations

import logging
import os
from typing import Any

from harness.errors import UserError
from harness.suite.schema import LoadedSuite, Suite

log = logging.getLogger("harness")


def load_of(s: Suite) -> dict[str, Any] | None:
    """What a cell carries of the suite's load axis (its SLOs included), or None."""
    if s.load is None:
        return None
    return {**s.load.model_dump(mode="json"), "slo_p99_ms": list(s.slo_p99_ms)}


def cores() -> int:
    """The CPUs this process may run on (the affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def check_load(loaded: LoadedSuite) -> list[UserError]:
    """An SLO needs load points to be read against; too many clients is warned about."""
    s = loaded.suite
    if s.slo_p99_ms and s.load is None:
        return [UserError("slo_p99_ms needs a load axis: max_qps_at_p99_ms is read from the "
                          "load curves", file=loaded.file, line=loaded.line("slo_p99_ms"),
                          key="slo_p99_ms",
                          suggestion="add `load: {clients: [1, 2, 4], seconds: 5}` or remove "
                          "slo_p99_ms")]
    n = cores()
    if s.load is not None and max(s.load.clients) > n:
        at = loaded.line("load", "clients")
        log.warning("%s%s: load.clients %d is more than the %d cores this machine gives the run:"
                    " points above %d clients measure CPU sharing, not the backend",
                    loaded.file, f":{at}" if at else "", max(s.load.clients), n, n)
    return []
