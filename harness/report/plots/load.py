"""Throughput under load, drawn: QPS against p99 latency per configuration (VectorDBBench's
view: one line per configuration, a point per closed-loop client count, labelled with it;
the curve's knee is ringed), and latency against offered load (the open loop: p99 and p50
per offered qps, the closed loop's highest qps as a dotted line, the latency knee ringed).

Knees: on the closed loop, the first client count whose next step adds less than KNEE_GAIN
qps; on the open loop, the highest offered load whose p99 stays within KNEE_LATENCY times
the p99 at the lowest offered load (beyond it queueing dominates).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.report.plots import legends, style
from harness.report.plots.hover import Tips

KNEE_GAIN = 0.10  # a step of clients that adds less than 10% qps is past the knee
KNEE_LATENCY = 2.0  # open loop: p99 within 2x of its value at the lowest offered load


def knee(curve: pd.DataFrame) -> int:
    """The client count after which one more step adds less than KNEE_GAIN qps."""
    c = curve.sort_values("clients")
    clients, qps = c["clients"].tolist(), c["qps"].tolist()
    for i in range(len(qps) - 1):
        if qps[i + 1] < qps[i] * (1 + KNEE_GAIN):
            return int(clients[i])
    return int(clients[-1])


def latency_knee(curve: pd.DataFrame) -> float:
    """The highest offered qps whose p99 is within KNEE_LATENCY x the lowest rate's p99."""
    c = curve.sort_values("offered_qps")
    base = float(c["latency_p99_ms"].iloc[0])
    ok = c[c["latency_p99_ms"] <= KNEE_LATENCY * base]
    return float(ok["offered_qps"].max()) if len(ok) else float(c["offered_qps"].iloc[0])


def _ring(ax, x: float, y: float, color: str) -> None:
    ax.plot([x], [y], marker="o", markersize=13, markerfacecolor="none",
            markeredgecolor=color, markeredgewidth=1.6, zorder=6)


def _closed(ax, closed: pd.DataFrame, colors: dict, tips: Tips) -> None:
    for config, curve in closed.groupby("configuration", sort=True):
        c, color = curve.sort_values("clients"), colors[config]
        ax.plot(c["qps"], c["latency_p99_ms"], color=color, linewidth=1.3, zorder=3)
        for _, p in c.iterrows():
            tips.point(ax, p["qps"], p["latency_p99_ms"],
                       f"{config}\n{int(p['clients'])} clients ({p['clients_as']}): "
                       f"{p['qps']:,.0f} qps, p99 {p['latency_p99_ms']:.3g} ms",
                       color=color, marker="o", markersize=6, markeredgecolor="white",
                       markeredgewidth=0.5, zorder=5)
            ax.annotate(str(int(p["clients"])), (p["qps"], p["latency_p99_ms"]), fontsize=8,
                        xytext=(5, 4), textcoords="offset points", color=color)
        at = c[c["clients"] == knee(c)].iloc[0]
        _ring(ax, at["qps"], at["latency_p99_ms"], color)
    ax.set_xlabel("queries/s, all clients (closed loop)")
    ax.set_ylabel("p99 latency, ms")
    ax.set_title("QPS vs p99 (label: clients)", fontsize=10)


def _open(ax, opened: pd.DataFrame, closed: pd.DataFrame, colors: dict, tips: Tips) -> None:
    for config, curve in opened.groupby("configuration", sort=True):
        c, color = curve.sort_values("offered_qps"), colors[config]
        ax.plot(c["offered_qps"], c["latency_p99_ms"], color=color, linewidth=1.3, zorder=3)
        ax.plot(c["offered_qps"], c["latency_p50_ms"], color=color, linewidth=1.0,
                linestyle="--", alpha=0.7, zorder=3)
        for _, p in c.iterrows():
            tips.point(ax, p["offered_qps"], p["latency_p99_ms"],
                       f"{config}\noffered {p['offered_qps']:,.0f} qps ({p['rate']:.0%} of the "
                       f"closed loop's highest): p99 {p['latency_p99_ms']:.3g} ms, p50 "
                       f"{p['latency_p50_ms']:.3g} ms, answered {p['qps']:,.0f} qps",
                       color=color, marker="o", markersize=6, markeredgecolor="white",
                       markeredgewidth=0.5, zorder=5)
        x = latency_knee(c)
        _ring(ax, x, float(c[c["offered_qps"] == x]["latency_p99_ms"].iloc[0]), color)
        top = closed[closed["configuration"] == config]["qps"].max()
        if np.isfinite(top):
            ax.axvline(top, color=color, linestyle=":", linewidth=1.0, alpha=0.8)
    ax.set_yscale("log")
    style.plain_log(ax.yaxis)
    ax.set_xlabel("offered queries/s (Poisson arrivals)")
    ax.set_ylabel("latency from arrival, ms (log)")
    ax.set_title("Latency vs offered load (solid p99, dashed p50)", fontsize=10)


def load_view(closed: pd.DataFrame, opened: pd.DataFrame, salt: str) -> str | None:
    """Both views side by side (the open loop's only when there are open-loop points)."""
    if not style.available() or closed.empty:
        return None
    panels = 2 if len(opened) else 1
    fig, axes = style.figure(1, panels, width=11.0 if panels == 2 else 7.0, row_h=4.2,
                             legend=closed["configuration"].nunique())
    colors = style.palette(sorted(closed["configuration"].unique()))
    tips = Tips()
    _closed(axes[0][0], closed, colors, tips)
    if panels == 2:
        _open(axes[0][1], opened, closed, colors, tips)
    for ax in axes[0]:
        ax.grid(True, alpha=0.3)
    handles = {c: legends.proxy(color=col, marker="o", linestyle="-", label=c)
               for c, col in colors.items()}
    ring = legends.proxy(color="0.3", marker="o", label="knee")
    ring.set_markerfacecolor("none")
    handles["knee"] = ring
    if panels == 2:
        handles["closed loop's highest qps"] = legends.proxy(color="0.3", marker="",
                                                             linestyle=":", label="")
    legends.fig_legend(fig, handles)
    return style.to_svg(fig, salt, tips)
