"""Parameterised precisions (issue #26): `{int8: {calibration: percentile, low: 1, high: 99}}`,
`{binary: {bits: 2}}`, `{int4: {rotate: pca}}`, ... as one canonical string per code.

A suite's `precisions:` entry is a registered name (`int8`, `int8-percentile`, ...) or a
one-key mapping kind -> parameters. Both become a string, the cell's precision: the named
shorthand when the parameters equal one (so cells of existing names keep their keys),
else `kind[key=value,...]` with every parameter of its calibration written out in a fixed
order, and `[rotate=random|pca]` last. The string form may be written in a suite too.

`spec(name)` parses such a string (ValueError with one line saying what is wrong);
`canonical(entry)` is what the suite schema stores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: kind -> parameter -> default (None: no default, depends on another parameter)
KINDS: dict[str, dict[str, Any]] = {
    "float32": {}, "float16": {},
    "int8": {"calibration": "minmax", "low": None, "high": None, "n": None, "batch": None},
    "int4": {"calibration": "minmax", "low": None, "high": None, "n": None},
    "int2": {"calibration": "minmax", "low": None, "high": None, "n": None},
    "binary": {"threshold": "zero", "bits": 1},
    "float8": {"format": "e4m3", "scale": "none"},
}
CALIBRATIONS = {"int8": ("minmax", "percentile", "sample", "per_batch"),
                "int4": ("minmax", "percentile", "sample"),
                "int2": ("minmax", "percentile", "sample")}
CHOICES = {"threshold": ("zero", "median", "mean"), "format": ("e4m3", "e5m2"),
           "scale": ("none", "per_dimension")}
ROTATIONS = ("none", "random", "pca")
#: precisions a rotation cannot change (orthogonal rotations keep inner products and
#: distances; float16 rounding is relative, so a rotation only moves its last bit)
NO_ROTATION = ("float32", "float16")

#: per_batch's default batch: the documents MTEB encodes (and so calibrates) per encode()
#: call, its search wrapper's corpus_chunk_size (mteb 2.x SearchEncoderWrapper: 50,000)
MTEB_BATCH = 50_000

#: what a bad precision's one line suggests
HINT = "see docs/compression.md for every precision and its parameters"

#: the named shorthands, and the parameters each stands for
PRESETS: dict[str, tuple[str, dict[str, Any]]] = {
    "float32": ("float32", {}), "float16": ("float16", {}),
    "int8": ("int8", {}), "int4": ("int4", {}), "int2": ("int2", {}),
    "int8-percentile": ("int8", {"calibration": "percentile", "low": 0.5, "high": 99.5}),
    "int8-sample": ("int8", {"calibration": "sample", "n": 1000}),
    "int8-per-batch": ("int8", {"calibration": "per_batch", "batch": MTEB_BATCH}),
    "binary": ("binary", {}),
    "binary-median": ("binary", {"threshold": "median"}),
    "binary-mean": ("binary", {"threshold": "mean"}),
    "binary-2bit": ("binary", {"bits": 2}),
    "float8": ("float8", {}),
    "float8-e5m2": ("float8", {"format": "e5m2"}),
    "float8-scaled": ("float8", {"scale": "per_dimension"}),
}


@dataclass(frozen=True)
class PrecisionSpec:
    """A code: its kind, its parameters (calibration ones filled in, defaults dropped) and
    the rotation in front of it."""

    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    rotate: str = "none"

    @property
    def code(self) -> str:
        """The name of the code without its rotation (a shorthand when there is one)."""
        for name, (kind, params) in PRESETS.items():
            if kind == self.kind and params == self.params:
                return name
        inner = ",".join(f"{k}={_text(v)}" for k, v in self.params.items())
        return f"{self.kind}[{inner}]"

    @property
    def name(self) -> str:
        """The canonical string: the cell's precision."""
        if self.rotate == "none":
            return self.code
        code = self.code
        if code.endswith("]"):
            return f"{code[:-1]},rotate={self.rotate}]"
        return f"{code}[rotate={self.rotate}]"

    @property
    def bits(self) -> float:
        """Bits per dimension of the stored code."""
        return {"float32": 32, "float16": 16, "int8": 8, "float8": 8, "int4": 4,
                "int2": 2}.get(self.kind) or float(self.params.get("bits", 1))


def _text(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _value(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def _split(name: str) -> tuple[str, dict[str, Any]]:
    """'int8[calibration=percentile,low=1]' -> ('int8', {...}); a bare name has no params."""
    if "[" not in name:
        return name, {}
    if not name.endswith("]"):
        raise ValueError(f"precision {name!r}: expected name[key=value,...]")
    head, inner = name[:-1].split("[", 1)
    params: dict[str, Any] = {}
    for item in filter(None, (s.strip() for s in inner.split(","))):
        key, eq, value = item.partition("=")
        if not eq:
            raise ValueError(f"precision {name!r}: expected key=value, got {item!r}")
        params[key.strip()] = _value(value.strip())
    return head.strip(), params


def _number(kind: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{kind} {key}: expected a number, got {value!r}")
    return float(value)


def _calibration(kind: str, p: dict[str, Any]) -> dict[str, Any]:
    """The scalar code's parameters checked, with those of its calibration filled in."""
    cal = p.pop("calibration", "minmax")
    if cal not in CALIBRATIONS[kind]:
        raise ValueError(f"{kind}: unknown calibration {cal!r} (expected one of "
                         f"{', '.join(CALIBRATIONS[kind])})")
    low, high, n = p.pop("low", None), p.pop("high", None), p.pop("n", None)
    out: dict[str, Any] = {} if cal == "minmax" else {"calibration": cal}
    if cal == "percentile":
        lo = _number(kind, "low", 0.5 if low is None else low)
        hi = _number(kind, "high", 99.5 if high is None else high)
        if not (0 <= lo <= 100 and 0 <= hi <= 100):
            raise ValueError(f"{kind} percentiles must lie in 0..100, got low={lo:g}, "
                             f"high={hi:g}")
        if lo >= hi:
            raise ValueError(f"{kind} percentiles need low < high, got low={lo:g}, high={hi:g}")
        out.update(low=lo, high=hi)
    elif low is not None or high is not None:
        raise ValueError(f"{kind}: low/high are percentiles, for calibration: percentile only")
    if cal == "sample":
        size = 1000 if n is None else n
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"{kind} sample: n must be a positive integer, got {size!r}")
        out["n"] = size
    elif n is not None:
        raise ValueError(f"{kind}: n is a sample size, for calibration: sample only")
    out.update(_batch(kind, cal, p.pop("batch", None)))
    return out


def _batch(kind: str, cal: str, batch: Any) -> dict[str, Any]:
    """per_batch's documents per batch (filled in: MTEB_BATCH); an error elsewhere."""
    if batch is not None and "per_batch" not in CALIBRATIONS[kind]:
        raise ValueError(f"{kind} takes no parameter 'batch' (per_batch calibration is "
                         "int8's only)")
    if cal != "per_batch":
        if batch is not None:
            raise ValueError(f"{kind}: batch is documents per calibration batch, for "
                             "calibration: per_batch only")
        return {}
    size = MTEB_BATCH if batch is None else batch
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"{kind} per_batch: batch must be a positive integer (documents per "
                         f"batch), got {size!r}")
    return {"batch": size}


def _binary(p: dict[str, Any]) -> dict[str, Any]:
    bits, threshold = p.pop("bits", 1), p.pop("threshold", "zero")
    if bits not in (1, 2, 4) or isinstance(bits, bool):
        raise ValueError(f"binary bits must be 1, 2 or 4, got {bits!r}")
    if threshold not in CHOICES["threshold"]:
        raise ValueError(f"binary threshold must be zero, median or mean, got {threshold!r}")
    if bits > 1 and threshold != "zero":
        raise ValueError(f"binary with bits {bits} thresholds at the corpus quantiles: "
                         "threshold applies to bits 1 only")
    return {k: v for k, v in (("threshold", threshold), ("bits", bits))
            if v != KINDS["binary"][k]}


def _choices(kind: str, p: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, default in KINDS[kind].items():
        value = p.pop(key, default)
        if value not in CHOICES[key]:
            raise ValueError(f"{kind} {key} must be one of {', '.join(CHOICES[key])}, "
                             f"got {value!r}")
        if value != default:
            out[key] = value
    return out


def spec(name: str) -> PrecisionSpec:
    """The code a precision string names; ValueError (one line) when it names none."""
    head, given = _split(str(name))
    if head not in PRESETS and head not in KINDS:
        raise ValueError(f"unknown precision {head!r}")
    kind, preset = PRESETS.get(head, (head, {}))
    p = {**preset, **given}
    rotate = p.pop("rotate", "none")
    if rotate not in ROTATIONS:
        raise ValueError(f"rotate must be none, random or pca, got {rotate!r}")
    if rotate != "none" and kind in NO_ROTATION:
        raise ValueError(f"{kind} cannot take a rotation: an orthogonal rotation does not "
                         "change its search (rotate a lossy code: int8, int4, binary, ...)")
    if kind in CALIBRATIONS:
        params = _calibration(kind, p)
    elif kind == "binary":
        params = _binary(p)
    elif kind == "float8":
        params = _choices(kind, p)
    else:
        params = {}
    if p:
        takes = ", ".join([*KINDS[kind], "rotate"])
        raise ValueError(f"{kind} takes no parameter {next(iter(p))!r} (takes: {takes})")
    return PrecisionSpec(kind, params, rotate)


def canonical(entry: Any) -> Any:
    """A suite's precisions entry as the cell's precision string. A mapping {kind: params}
    becomes kind[key=value,...]; a valid string is canonicalised; anything else is left for
    the plan-time check (or pydantic) to report."""
    if isinstance(entry, dict) and len(entry) == 1:
        (kind, params), = entry.items()
        if params is None:
            params = {}
        if not isinstance(params, dict):
            return entry
        entry = f"{kind}[{','.join(f'{k}={_text(v)}' for k, v in params.items())}]"
        entry = entry.replace("[]", "")
    if not isinstance(entry, str):
        return entry
    try:
        return spec(entry).name
    except ValueError:
        return entry


def problem(name: str) -> str | None:
    """What is wrong with a precision string, or None."""
    try:
        spec(name)
    except ValueError as exc:
        return str(exc)
    return None


def code_of(name: str) -> str:
    """The precision's code without its rotation: what a backend must support (a name that
    does not parse is returned as it is, for the check that reports it)."""
    try:
        return spec(name).code if "[" in name else name
    except ValueError:
        return name
