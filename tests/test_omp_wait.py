"""`import harness` makes OpenMP wait passively (harness/__init__.py), unless the user set a
policy: faiss's threads then sleep instead of spinning while they wait."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = ("import harness, os, faiss, numpy as np\n"
         "print(os.environ['OMP_WAIT_POLICY'])\n"
         "x = np.random.default_rng(0).integers(0, 256, (3000, 8), dtype=np.uint8)\n"
         "ix = faiss.IndexBinaryFlat(64); ix.add(x)\n"
         "faiss.omp_set_num_threads(1); one = ix.search(x[:200], 5)[1]\n"
         "faiss.omp_set_num_threads(2); two = ix.search(x[:200], 5)[1]\n"
         "print(bool((one == two).all()), bool((one[:, 0] == np.arange(200)).all()))\n")


def _run(policy: str | None) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    env["PYTHONPATH"] = str(ROOT)
    if policy:
        env["OMP_WAIT_POLICY"] = policy
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                          text=True, check=True)
    return done.stdout.split()


def test_import_sets_a_passive_wait_and_keeps_the_results():
    # the policy, then: 1 and 2 threads give the same neighbours, each code its own first
    assert _run(None) == ["PASSIVE", "True", "True"]


def test_a_policy_the_user_set_is_kept():
    assert _run("ACTIVE")[0] == "ACTIVE"
