"""The site in headless Chromium: no console message, every point drawn has a hover text, and
selecting a model (through the URL hash the selectors write) changes the points drawn.

Skipped only when no Chromium binary exists (.ci/run installs Debian's `chromium`)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from test_site import run_suite

from harness import api

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(n)), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium binary on PATH")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--dump-dom"]


def dump(tmp_path, url: str) -> tuple[str, list[str]]:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    res = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", url],
                         capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout, [ln for ln in res.stderr.splitlines() if ":CONSOLE" in ln
                        or "Uncaught" in ln]


def drawn(dom: str, plot: str) -> tuple[int, int]:
    m = re.search(rf'id="plot-{plot}"[^>]*data-points="(\d+)" data-hover="(\d+)"', dom)
    assert m, plot
    return int(m.group(1)), int(m.group(2))


def test_site_in_chromium(write_suite, tmp_path, tiny_beir):
    run_suite(write_suite, tmp_path, tiny_beir, "site-a", "tiny")
    api.site(tmp_path / "results", tmp_path / "site")
    page = (tmp_path / "site" / "ds-tiny.html").as_uri()
    dom, console = dump(tmp_path, page)
    assert console == [] and 'data-ready="1"' in dom and "data-errors" not in dom
    every = {p: drawn(dom, p) for p in ("qps", "knn", "bytes")}
    assert every["qps"] == (6, 6) and every["bytes"] == (6, 6)  # all 6 rows, each with a text
    # plotly's own markers: one path.point per drawn point in the three plots
    assert dom.count('class="point plotly-customdata"') == sum(n for n, _ in every.values())
    one, console = dump(tmp_path, page + "#model=hash%3A8")
    assert console == [] and 'data-selected="3"' in one
    assert drawn(one, "qps") == (3, 3) and drawn(one, "bytes") == (3, 3)
    assert one.count('class="point plotly-customdata"') < dom.count(
        'class="point plotly-customdata"')
    assert '<option value="hash:8" selected="">' in one
    index, console = dump(tmp_path, (tmp_path / "site" / "index.html").as_uri())
    assert console == [] and "hash:16" in index


def test_a_second_distance_keeps_every_point_selected(write_suite, tmp_path, tiny_beir):
    """Two distances make `metric` (the distance) a selector: the task-metric selector has its
    own key, so by default every row is still selected (the two once shared one key and the
    page drew nothing)."""
    from test_site import SUITE

    text = SUITE.format(name="two-d", beir=tiny_beir, ds="tiny").replace(
        "metrics: [cosine]", "metrics: [cosine, l2]")
    opts = api.RunOptions(output=tmp_path / "results", cache_dir=tmp_path / "cache",
                          progress=False, executor="inline", report=False, analysis=False)
    assert len(api.run(write_suite(text, "two-d.yaml"), opts).frame) == 12
    api.site(tmp_path / "results", tmp_path / "site")
    page = (tmp_path / "site" / "ds-tiny.html").as_uri()
    dom, console = dump(tmp_path, page)
    assert console == [] and 'data-selected="12"' in dom and drawn(dom, "qps") == (12, 12)
    l2, _ = dump(tmp_path, page + "#metric=l2")
    assert 'data-selected="6"' in l2 and drawn(l2, "qps") == (6, 6)
