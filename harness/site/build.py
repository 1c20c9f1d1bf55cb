"""`harness site RESULTS_DIR OUT_DIR`: a static website over every run under RESULTS_DIR.

OUT_DIR/index.html             datasets x models x backends, and the runs
OUT_DIR/ds-<dataset>.html      trade-off plots with Pareto fronts, selectors, sortable table
OUT_DIR/data/ds-<dataset>.js   the page's points (JSON behind one assignment: file:// pages
                               cannot fetch() a .json file, a <script> they can load)
OUT_DIR/data/runs/<run>.json   each run's points and the digest of the folder they came from
OUT_DIR/runs/<run>/report.html each run's own report (copied with its report/ tables)
OUT_DIR/assets/                plotly.min.js (from the plotly package), site.js, site.css

Incremental: a run whose folder digest matches its data/runs/<run>.json is not read again,
nor its report copied again, and a file whose content would not change is not rewritten, so
adding runs rewrites the index and the pages of the datasets they touch, nothing else.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import UserError
from harness.fsutil import atomic_write_text, safe_filename
from harness.site import pages
from harness.site.payload import dataset_payload
from harness.site.run_points import as_frame, run_points
from harness.store.runs import RunStore

TEMPLATES = Path(__file__).parent / "templates"
FORMAT = 1  # the data/runs/*.json layout; another value is read again from the run folder


@dataclass
class SiteBuild:
    out: Path
    runs: list[str] = field(default_factory=list)  # every run on the site
    read: list[str] = field(default_factory=list)  # runs read from their folders this time
    written: list[Path] = field(default_factory=list)  # files (re)written this time
    warnings: list[str] = field(default_factory=list)

    @property
    def index(self) -> Path:
        return self.out / "index.html"


def find_runs(root: Path) -> list[Path]:
    """Every run folder (manifest.json and cells/) under root, root itself included."""
    return sorted(p.parent for p in root.rglob("manifest.json") if (p.parent / "cells").is_dir())


def digest(run_dir: Path) -> str:
    """Changes when the run gains, loses or rewrites a cell, or its report is rewritten."""
    h = hashlib.sha256()
    files = [run_dir / "manifest.json", run_dir / "report.html",
             *sorted((run_dir / "cells").glob("*.json"))]
    for f in files:
        if f.is_file():
            st = f.stat()
            h.update(f"{f.name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()[:16]


def plotly_js() -> Path:
    """plotly.min.js from the installed plotly package (the site ships it; no CDN)."""
    spec = importlib.util.find_spec("plotly")
    path = Path(spec.origin).parent / "package_data" / "plotly.min.js" if spec else None
    if path is None or not path.is_file():
        raise UserError("`harness site` needs the plotly package for its plotting library",
                        suggestion="pip install plotly (or the harness's [site] extra)")
    return path


class _Writer:
    def __init__(self, build: SiteBuild) -> None:
        self.build = build

    def text(self, path: Path, text: str) -> None:
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, text)
        self.build.written.append(path)

    def copy(self, src: Path, dst: Path) -> None:
        if dst.is_file() and dst.stat().st_size == src.stat().st_size \
                and dst.read_bytes() == src.read_bytes():
            return
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        self.build.written.append(dst)


def _run_info(store: RunStore, key: str, has_report: bool) -> dict[str, Any]:
    m = store.manifest()
    return {"run_id": str(m.get("run_id") or key), "suite": m.get("suite_name") or "",
            "harness_version": str(m.get("harness_version") or ""),
            "started": str(m.get("first_started_at") or m.get("started_at") or ""),
            "cpu": str(m.get("cpu_model") or ""),
            "report": f"runs/{key}/report.html" if has_report else None}


def _load_run(run_dir: Path, key: str, out: Path, w: _Writer) -> dict[str, Any]:
    """The run's points: from data/runs/<key>.json when the folder has not changed."""
    cached = out / "data" / "runs" / f"{key}.json"
    d = digest(run_dir)
    if cached.is_file():
        old = json.loads(cached.read_text(encoding="utf-8"))
        if old.get("digest") == d and old.get("format") == FORMAT:
            return old
    store = RunStore(run_dir)
    report = run_dir / "report.html"
    if report.is_file():
        w.copy(report, out / "runs" / key / "report.html")
        for f in sorted((run_dir / "report").glob("*.csv")):
            w.copy(f, out / "runs" / key / "report" / f.name)
    data = {"format": FORMAT, "digest": d, "info": _run_info(store, key, report.is_file()),
            **run_points(store, key)}
    w.text(cached, json.dumps(data, separators=(",", ":"), allow_nan=False))
    w.build.read.append(key)
    return data


def build_site(results_dir: str | Path, out_dir: str | Path) -> SiteBuild:
    """Write (or bring up to date) the site over every run under results_dir."""
    root, out = Path(results_dir), Path(out_dir)
    if not root.is_dir():
        raise UserError(f"{root}: no such folder", key="RESULTS_DIR",
                        suggestion="the --output folder of `harness run`")
    runs = find_runs(root)
    if not runs:
        raise UserError(f"no runs under {root}", key="RESULTS_DIR",
                        suggestion=f"`harness run SUITE --output {root}` writes one")
    build = SiteBuild(out)
    w = _Writer(build)
    w.copy(plotly_js(), out / "assets" / "plotly.min.js")
    for name in ("site.js", "site.css"):
        w.copy(TEMPLATES / name, out / "assets" / name)
    loaded = {}
    for run_dir in runs:
        key = safe_filename(str(run_dir.relative_to(root)) if run_dir != root else run_dir.name)
        loaded[key] = _load_run(run_dir, key, out, w)
    build.runs = sorted(loaded)
    _write_datasets(loaded, out, w)
    return build


def _write_datasets(loaded: dict[str, dict[str, Any]], out: Path, w: _Writer) -> None:
    by_dataset: dict[str, list[str]] = {}
    for key, data in loaded.items():
        for name in sorted({r[data["columns"].index("dataset")] for r in data["rows"]}):
            by_dataset.setdefault(str(name), []).append(key)
    infos = {k: d["info"] for k, d in loaded.items()}
    summaries = []
    for name, keys in sorted(by_dataset.items()):
        frames = [f[f["dataset"] == name] for f in (as_frame(loaded[k]) for k in keys)]
        declared = [_declared(loaded[k]["main_metric"], name) for k in keys]
        payload = dataset_payload(name, frames, declared, infos)
        slug = safe_filename(name)
        w.text(out / "data" / f"ds-{slug}.js", "window.HARNESS_SITE_DATA = "
               + json.dumps(payload, separators=(",", ":"), allow_nan=False) + ";\n")
        w.text(out / f"ds-{slug}.html", pages.dataset_page(name, slug, plotly_version()))
        w.build.warnings += [f"{name}: {m}" for m in payload["warnings"]]
        summaries.append(pages.summary(payload, slug))
    w.text(out / "index.html", pages.index_page(summaries, infos, plotly_version()))


def plotly_version() -> str:
    try:
        return importlib.metadata.version("plotly")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _declared(main: Any, dataset: str) -> str | None:
    """A run's main metric for one dataset (points read before runs carried one per
    dataset hold a single name)."""
    return main.get(dataset) if isinstance(main, dict) else main
