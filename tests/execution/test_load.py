"""The load axis: closed and open loop, threads and processes, load.csv, costs, plan checks."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from harness import api
from harness.backends.base import Concurrency
from harness.errors import UserErrors
from harness.execution.load.loop import deal, poisson_schedule
from harness.execution.load.points import max_qps_at
from harness.execution.load.stage import chosen
from harness.execution.load.threads import closed_threads, open_threads
from harness.metrics.costs import Prices, cost_columns
from harness.plan.expand import expand
from harness.registry import BACKENDS
from harness.suite.schema import load_suite_text
from tests.execution import load_backends  # noqa: F401  (registers test-sleep, test-gil)

SUITE = """
schema_version: 1
name: loaded
k: 10
datasets: [{ref: "synthetic:n=300,dim=8,clusters=3,queries=20"}]
models: [vectors]
backends: [%s]
evaluate: [label_recall@10]
repeats: 1
warmup: 0
load: {clients: [1, 2], seconds: 0.4, rates: [0.5, 1.0], batch_sizes: [1, 8]}
slo_p99_ms: [1000]
"""


@pytest.mark.parametrize("entry", list(BACKENDS), ids=lambda e: e.name)
def test_every_backend_declares_how_clients_share_it(entry):
    if not entry.available():
        pytest.skip(f"{entry.name} not installed")
    c = entry.load().concurrency
    assert isinstance(c, Concurrency) and c.mode in ("threads", "processes") and c.why


def test_the_declared_modes():
    modes = {e.name: e.load().concurrency.mode for e in BACKENDS if e.available()}
    assert modes["faiss-hnsw"] == modes["exact"] == modes["hnswlib"] == "threads"
    assert modes["test-gil"] == "processes" and modes["test-sleep"] == "threads"
    # bench/gil.py on a quiet machine, the library's own two-thread loop agreeing (docs/load.md)
    for name in ("usearch", "voyager", "ngt", "faiss-hnsw-rabitq"):
        assert modes.get(name, "processes") == "processes", name


def _sleep(_: int) -> None:
    import time
    time.sleep(0.002)


def test_open_loop_at_the_closed_loop_maximum_queues():
    # one client of a 2 ms service: closed-loop p99 is about 2 ms; Poisson arrivals at that
    # very rate (utilisation 1) queue, and latency counted from the scheduled arrival shows it
    closed = closed_threads(_sleep, 10, 1, 1.0, 2)
    assert 1.9 < closed.latency_p50_ms < 10
    assert closed.qps == pytest.approx(closed.n_queries / closed.wall_s)
    opened = open_threads(_sleep, 10, deal(poisson_schedule(closed.qps, 1.0, 0), 1), 2)
    assert opened.latency_p99_ms > 2 * closed.latency_p99_ms
    # at a quarter of the maximum there is little queueing: p50 stays near the service time
    light = open_threads(_sleep, 10, deal(poisson_schedule(closed.qps / 4, 1.0, 0), 1), 2)
    assert light.latency_p50_ms < opened.latency_p50_ms
    assert light.latency_p50_ms < 2 * closed.latency_p50_ms


def test_poisson_schedule_has_its_rate_and_deal_splits_it():
    t = poisson_schedule(1000.0, 5.0, 3)
    assert len(t) == pytest.approx(5000, rel=0.05) and t.max() < 5e9 and np.all(np.diff(t) >= 0)
    parts = deal(t, 3)
    assert sum(len(p) for p in parts) == len(t) and list(parts[1][:2]) == [t[1], t[4]]


def test_max_qps_at_an_slo():
    pts = [{"qps": 100.0, "latency_p99_ms": 2.0}, {"qps": 180.0, "latency_p99_ms": 9.0},
           {"qps": 200.0, "latency_p99_ms": 40.0}]
    assert max_qps_at(pts, 10) == 180.0 and max_qps_at(pts, 50) == 200.0
    assert np.isnan(max_qps_at(pts, 1))


def test_best_setting_is_the_highest_main_metric_then_the_fastest():
    rows = [{"ndcg@10": 0.5, "qps": 900.0}, {"ndcg@10": 0.7, "qps": 100.0},
            {"ndcg@10": 0.7, "qps": 300.0}]
    assert chosen(rows, "best", "ndcg@10") == [2]
    assert chosen(rows, "each", "ndcg@10") == [0, 1, 2]


def test_queries_are_priced_from_the_load_curve_when_there_is_one():
    frame = pd.DataFrame({"qps": [100.0, 100.0], "load_qps": [300.0, None],
                          "load_clients": [4, None], "load_cores": [2, None],
                          "status": ["ok", "ok"]})
    out = cost_columns(frame, Prices(usd_per_hour=3.6, cores=4))
    # 3.6 $/h = 0.001 $/s; load: 300 qps on min(4, 2) = 2 cores -> 150 per core x 4 cores
    assert out["usd_per_1m_queries"].tolist() == pytest.approx([1e3 / 600, 1e3 / 400])
    assert out["usd_per_1m_queries_basis"].tolist() == ["load", "single-thread x cores"]


def _run(write_suite, tmp_path, backend, executor="inline"):
    return api.run(write_suite(SUITE % backend), api.RunOptions(
        output=tmp_path / "r", cache_dir=tmp_path / "c", progress=False, executor=executor))


def test_a_run_writes_load_csv_joined_to_the_configuration(write_suite, tmp_path):
    out = _run(write_suite, tmp_path, "faiss-hnsw")
    load = pd.read_csv(out.run_dir / "load.csv")
    closed = load[load.kind == "closed"]
    assert closed.clients.tolist() == [1, 2] and set(closed.clients_as) == {"threads"}
    assert (closed.qps > 0).all() and (closed.latency_p99_ms >= closed.latency_p50_ms).all()
    assert (closed.latency_max_ms >= closed.latency_p99_ms).all() and (closed.cpu_s > 0).all()
    assert set(load.backend) == {"faiss-hnsw"} and load.search_params.notna().all()
    opened = load[load.kind == "open"]
    assert opened.offered_qps.tolist() == pytest.approx([0.5 * closed.qps.max(),
                                                         closed.qps.max()])
    assert load[load.kind == "batch"].batch_size.tolist() == [1, 8]
    slo = load[load.kind == "slo"]
    assert slo.slo_from.tolist() == ["open"] and slo.max_qps_at_p99_ms.iloc[0] > 0
    row = out.frame.iloc[0]
    assert row["load_qps"] == pytest.approx(closed.qps.max())
    assert row["usd_per_1m_queries_basis"] == "load"


def test_a_gil_bound_backend_runs_its_clients_as_processes(write_suite, tmp_path,
                                                           monkeypatch):
    monkeypatch.setenv("HARNESS_PLUGINS", "tests.execution.load_backends")
    out = _run(write_suite, tmp_path, "test-gil", executor="process")
    assert out.n_failed == 0
    load = pd.read_csv(out.run_dir / "load.csv")
    closed = load[load.kind == "closed"]
    assert set(closed.clients_as) == {"processes"} and (closed.qps > 0).all()
    assert (closed.n_queries > 0).all() and (closed.cpu_s > 0).all()


@pytest.mark.parametrize(("block", "expected"), [
    ("load: {clients: [0, 2]}", "clients must be integers >= 1"),
    ("load: {seconds: 0}", "seconds must be > 0"),
    ("slo_p99_ms: [10]", "slo_p99_ms needs a load axis"),
    ("load: {clients_as: proc}", "expected 'declared', 'threads' or 'processes'"),
])
def test_bad_load_input_is_one_line_at_plan_time(block, expected):
    text = (SUITE % "exact").split("load:")[0] + block + "\n"
    with pytest.raises(UserErrors) as err:
        expand(load_suite_text(text, "s.yaml"))
    assert expected in str(err.value) and "s.yaml" in str(err.value)


def test_more_clients_than_cores_is_a_warning_naming_the_cores(caplog):
    text = (SUITE % "exact").replace("clients: [1, 2]", "clients: [1, 4096]")
    with caplog.at_level(logging.WARNING, logger="harness"):
        plan = expand(load_suite_text(text, "s.yaml"))
    assert plan.cells and "load.clients 4096 is more than the" in caplog.text
    assert "cores" in caplog.text


def test_the_load_axis_is_part_of_the_cell_id_only_when_given():
    base = (SUITE % "exact").split("load:")[0]
    plain = expand(load_suite_text(base, "s.yaml")).cells[0]
    loaded = expand(load_suite_text(SUITE % "exact", "s.yaml")).cells[0]
    assert plain.load is None and loaded.load["clients"] == [1, 2]
    assert loaded.load["slo_p99_ms"] == [1000.0]
    assert plain.cell_id != loaded.cell_id  # a resumed run measures the new load points
    assert "load" not in load_suite_text(base, "s.yaml").suite.model_dump()  # run id kept


def test_a_load_cell_reserves_the_whole_ray_node():
    from harness.execution.ray_executor import cpus_for

    base = (SUITE % "exact").split("load:")[0]
    plain = expand(load_suite_text(base, "s.yaml")).cells[0]
    loaded = expand(load_suite_text(SUITE % "exact", "s.yaml")).cells[0]
    assert cpus_for(plain, per_cell=1, node=8) == 1
    assert cpus_for(loaded, per_cell=1, node=8) == 8


def test_the_knee_is_where_another_step_adds_under_ten_percent():
    from harness.report.sections.load import knee

    curve = pd.DataFrame({"clients": [1, 2, 4, 8], "qps": [100.0, 190.0, 205.0, 260.0]})
    assert knee(curve) == 2  # 190 -> 205 is +7.9%
    assert knee(curve.assign(qps=[100.0, 200.0, 400.0, 800.0])) == 8


def test_the_report_shows_qps_at_n_clients(write_suite, tmp_path):
    from harness.report.page import build_report

    out = _run(write_suite, tmp_path, "exact")
    page = build_report(out.run_dir).html.read_text()
    assert "Throughput under load" in page and "QPS at 2 clients" in page
    glance = pd.read_csv(out.run_dir / "report" / "load_glance.csv")
    closed = pd.read_csv(out.run_dir / "load.csv").query("kind == 'closed'")
    assert glance["QPS at 2 clients"].iloc[0] == pytest.approx(closed.qps.iloc[1])
    assert "Latency against offered load" in page
