"""report.html in a real browser: headless Chromium renders it with no console message, its
JavaScript makes the tables sortable and filterable, and a screenshot shows plots and tables.

Skipped only when no Chromium binary exists (.ci/run installs Debian's `chromium`).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from report_fixtures import runs_fixture  # noqa: F401 (the `runs` fixture)

from harness.report import html as H

CHROMIUM = next(
    (
        shutil.which(n)
        for n in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
        if shutil.which(n)
    ),
    None,
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium binary on PATH (chromium, chromium-browser or google-chrome); "
    "install it with: apt-get install -y chromium (.ci/run does)",
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def console_messages(stderr: str) -> list[str]:
    # With --enable-logging=stderr every console message (console.error, an uncaught
    # exception, a Content-Security-Policy violation) is logged as ...:CONSOLE...
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def test_console_check_catches_errors(tmp_path):
    """The check below is not vacuous: a page with a script error is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><p>x</p><script>notDefined();</script>")
    res = chromium(tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom", bad.as_uri())
    assert any("notDefined" in m for m in console_messages(res.stderr)), res.stderr[-2000:]


def test_report_renders_without_console_errors(runs, tmp_path):
    url = (runs.a.run_dir / "report.html").as_uri()
    res = chromium(tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom", url)
    assert res.returncode == 0, res.stderr[-2000:]
    assert console_messages(res.stderr) == []
    dom = res.stdout
    assert 'data-ready="1"' in dom  # the report's script ran to the end
    assert dom.count('data-sortable="true"') >= 10  # ... and made every header sortable
    assert dom.count("<svg") >= 4
    assert dom.count("<table") >= 1
    assert "alert(1)" in dom and "<script>alert(1)" not in dom


def test_screenshot_shows_plots_and_tables(runs, tmp_path):
    png = tmp_path / "report.png"
    url = (runs.a.run_dir / "report.html").as_uri()
    res = chromium(tmp_path, f"--screenshot={png}", "--window-size=1400,4200", url)
    assert png.is_file(), res.stderr[-2000:]
    import matplotlib.image

    rgb = matplotlib.image.imread(str(png))[..., :3]
    assert rgb.shape[:2] == (4200, 1400)
    assert (rgb.min(axis=2) < 0.9).mean() > 0.03  # not a blank page

    def has(color: str, tol: float = 0.02) -> int:
        want = np.array([int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)])
        return int((np.abs(rgb - want).max(axis=2) < tol).sum())

    assert has("#1f77b4") > 200  # plot markers and lines (the first palette colour)
    assert has("#eef1f6") > 2000  # table header band
    assert has("#e3f4e1") > 500  # best-value highlight in the results table


def test_tables_sort_and_filter_in_the_browser(tmp_path):
    import pandas as pd

    frame = pd.DataFrame({"name": ["b", "a", "c"], "qps": [20.0, 100.0, 5.0]})
    table = H.table(frame, [H.Col("name"), H.Col("qps")], table_id="t")
    probe = """<script>
    document.addEventListener("DOMContentLoaded", function () {
      setTimeout(function () {
        var th = document.querySelectorAll("#t th")[1];
        th.click();
        var order1 = Array.from(document.querySelectorAll("#t tbody tr td:first-child"))
          .map(function (td) { return td.textContent; }).join("");
        th.click();
        var order2 = Array.from(document.querySelectorAll("#t tbody tr td:first-child"))
          .map(function (td) { return td.textContent; }).join("");
        var box = document.querySelector("input.filter");
        box.value = "c"; box.dispatchEvent(new Event("input"));
        var shown = Array.from(document.querySelectorAll("#t tbody tr"))
          .filter(function (r) { return r.style.display !== "none"; }).length;
        document.body.setAttribute("data-probe", order1 + "|" + order2 + "|" + shown);
      }, 0);
    });
    </script>"""
    page = tmp_path / "t.html"
    page.write_text(H.page("t", table).replace("</body>", probe + "</body>"))
    res = chromium(
        tmp_path,
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=2000",
        "--dump-dom",
        page.as_uri(),
    )
    assert 'data-probe="abc|cba|1"' in res.stdout, res.stdout[-1500:]


# Reduced versions of the shipped iceberg and ann-sweep suites: the same kinds of report
# (several distances; many backends, builds and precisions; truncation and PCA) in seconds.
ICEBERG_LIKE = """schema_version: 1
name: iceberg-like
k: 10
repeats: 1
warmup: 2
datasets: [{ref: "synthetic:n=1500,dim=16,clusters=6,norm_spread=1.0,noise=1.5", name: norms}]
models: [vectors]
metrics: [cosine, ip, l2]
backends:
  - name: exact
  - {name: faiss-hnsw, build: {M: 8, efConstruction: 40}, search: {efSearch: [4, 16, 64]}}
  - {name: faiss-ivf, build: {nlist: 16}, search: {nprobe: [1, 4]}}
evaluate: [label_recall@10, knn_accuracy@10]
"""

ANN_SWEEP_LIKE = """schema_version: 1
name: ann-sweep-like
k: 10
repeats: 1
warmup: 2
datasets: [{{ref: "beir:{data}", name: synth}}]
models: [hash:64]
dims: [null, 16, "pca:16"]
metrics: [cosine]
backends:
  - name: exact
  - {{name: faiss-hnsw, build: {{M: [4, 8], efConstruction: 16}}, search: {{efSearch: [1, 4, 16]}}}}
  - {{name: annoy, build: {{n_trees: 4}}, search: {{search_k: [-1, 100]}}}}
  - {{name: faiss-ivf, build: {{nlist: 8}}, search: {{nprobe: [1, 4]}}}}
  - {{name: faiss-sq, build: {{M: 0}}}}
  - {{name: faiss-binary, build: {{M: 0}}}}
include:
  - {{backend: [exact, faiss-sq], precision: int8, dim: null}}
  - {{backend: [exact, faiss-binary], precision: binary, dim: null}}
evaluate: [ndcg@10, mrr@10]
"""


@pytest.fixture(scope="module")
def suite_reports(tmp_path_factory) -> dict[str, Path]:
    from report_fixtures import write_beir

    from harness import api

    root = tmp_path_factory.mktemp("suites")
    data = write_beir(root / "synth")
    out = {}
    for name, text in (("iceberg", ICEBERG_LIKE), ("ann-sweep", ANN_SWEEP_LIKE)):
        path = root / f"{name}.yaml"
        path.write_text(text.format(data=data) if "{data}" in text else text)
        opts = api.RunOptions(output=root / "results", cache_dir=root / "cache",
                              progress=False, executor="inline")
        out[name] = api.run(path, opts).run_dir
    return out


@pytest.mark.parametrize("name", ["iceberg", "ann-sweep"])
def test_suite_reports_render_and_are_screenshotted(suite_reports, name, tmp_path):
    """No console message; screenshots at 1400 and 900 px kept under the run folder
    (RUN_DIR/screenshots/, for CI to keep as artifacts)."""
    run_dir = suite_reports[name]
    url = (run_dir / "report.html").as_uri()
    res = chromium(tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom", url)
    assert res.returncode == 0, res.stderr[-2000:]
    assert console_messages(res.stderr) == []
    dom = res.stdout
    assert 'data-ready="1"' in dom
    assert 'id="glance"' in dom and 'id="plot-speed"' in dom and "ANN view" in dom
    assert "failed" not in dom.split('id="plots"')[1].split("</section>")[0]
    shots = run_dir / "screenshots"
    shots.mkdir(exist_ok=True)
    import matplotlib.image

    for width in (1400, 900):
        png = shots / f"report-{width}.png"
        chromium(tmp_path, f"--screenshot={png}", f"--window-size={width},3000", url)
        assert png.is_file()
        rgb = matplotlib.image.imread(str(png))[..., :3]
        assert rgb.shape[:2] == (3000, width)
        assert (rgb.min(axis=2) < 0.9).mean() > 0.03  # not a blank page
