"""The suite file (YAML, schema_version 1): pydantic models, loading and one-line errors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    ValidationError,
    field_validator,
    model_serializer,
)

from harness.errors import UserError, UserErrors, did_you_mean
from harness.metrics.costs import Prices
from harness.suite.axes import PCA_DIM, Rule, Scalar, Strict, dim_size, template_problem
from harness.suite.filters import parse_filters
from harness.suite.load_axis import LoadSpec, slo_problem
from harness.suite.precision import canonical
from harness.suite.problems import to_user_error
from harness.suite.rerank_spec import RerankSpec
from harness.suite.tails_spec import TailsSpec
from harness.suite.yamlload import line_of, load_with_lines


class DatasetRef(Strict):
    """A dataset reference: `kind:argument`, a catalogue alias, or this mapping."""

    ref: str = Field(min_length=1)
    name: str | None = None  # label in results (defaults to the reference)
    split: str = Field(default="test", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")  # a file name
    max_queries: StrictInt | None = Field(default=None, gt=0)
    max_docs: StrictInt | None = Field(default=None, gt=0)
    ignore_identical_ids: bool = False
    doc_template: str | None = None  # BEIR/MTEB document text, default "{title} {text}"
    path: str | None = None  # mteb: a local copy of the task's Hugging Face dataset

    @field_validator("doc_template")
    @classmethod
    def _template_fields(cls, v: str | None) -> str | None:
        if v is not None:
            problem = template_problem(v)
            if problem:
                raise ValueError(problem)
        return v

    @property
    def label(self) -> str:
        return self.name or self.ref


class ModelRef(Strict):
    """A model reference with the options that change how it encodes."""

    ref: str = Field(min_length=1)
    name: str | None = None
    batch_size: StrictInt = Field(default=64, gt=0)
    query_prompt: str | None = None
    document_prompt: str | None = None
    max_length: StrictInt | None = Field(default=None, gt=0)
    # retriever options that are not an encoder's (bm25: k1, b, method, stemmer, ...)
    params: dict[str, Scalar] = Field(default_factory=dict)

    @model_serializer(mode="wrap")
    def _without_empty_params(self, handler: Any) -> Any:
        # Absent when empty, so cells and run ids of suites without params keep their ids.
        data = handler(self)
        if isinstance(data, dict) and not self.params:
            data.pop("params", None)
        return data

    @property
    def label(self) -> str:
        return self.name or self.ref


class BackendSpec(Strict):
    """One backend with its build grid and search grid (each value may be a list)."""

    name: str
    build: dict[str, Scalar | list[Scalar]] = Field(default_factory=dict)
    search: dict[str, Scalar | list[Scalar]] = Field(default_factory=dict)


class Suite(Strict):
    schema_version: Literal[1]
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = ""
    seed: StrictInt = 0  # strict: YAML's `true` is not the number 1
    k: StrictInt = Field(default=100, gt=0)
    datasets: list[DatasetRef] = Field(min_length=1)
    models: list[ModelRef] = Field(min_length=1)
    dims: list[StrictInt | str | None] = Field(default_factory=lambda: [None], min_length=1)
    precisions: list[str] = Field(default_factory=lambda: ["float32"], min_length=1)
    metrics: list[Literal["cosine", "ip", "l2"]] = Field(
        default_factory=lambda: ["cosine"], min_length=1
    )
    backends: list[BackendSpec] = Field(
        default_factory=lambda: [BackendSpec(name="exact")], min_length=1
    )
    evaluate: list[str] = Field(default_factory=lambda: ["ndcg@10"], min_length=1)
    exclude: list[Rule] = Field(default_factory=list)
    include: list[Rule] = Field(default_factory=list)
    repeats: StrictInt = Field(default=3, gt=0)
    warmup: StrictInt = Field(default=50, ge=0)
    threads: StrictInt = Field(default=1, gt=0)
    # where cells run: each in its own worker process (default), in this process, or on Ray
    executor: Literal["process", "inline", "ray"] | None = None
    # corpus-size axis: each cell runs on nested seeded samples of the corpus (every judged
    # document kept, the rest random distractors); 'full' is the whole corpus
    corpus_sizes: list[StrictInt | Literal["full"]] = Field(
        default_factory=lambda: ["full"], min_length=1
    )
    # the corpus size the growth fits extrapolate to (analysis only)
    extrapolate_to: StrictInt | None = Field(default=None, gt=0)
    # the load axis (harness/suite/load_axis.py): concurrent clients after each cell's measurement
    load: LoadSpec | None = None
    slo_p99_ms: list[StrictFloat | StrictInt] = Field(default_factory=list)
    # filtered search (docs/filtered.md): attribute filters, how each is applied, and the
    # post-filter's k x oversample fetch
    filters: list[Any] = Field(default_factory=lambda: ["none"], min_length=1)
    filter_strategy: list[Literal["pre", "in", "post", "partition"]] = Field(
        default_factory=lambda: ["pre"], min_length=1)
    filter_oversample: StrictInt = Field(default=10, gt=0)
    # a second stage re-ranking each first stage's top candidates ('none': one stage)
    rerank: list[Literal["none"] | RerankSpec] = Field(
        default_factory=lambda: ["none"], min_length=1)

    @model_serializer(mode="wrap")
    def _without_default_scaling(self, handler: Any) -> Any:
        # Absent at their defaults, so run ids of suites without a corpus-size axis are kept.
        data = handler(self)
        if isinstance(data, dict):
            if self.corpus_sizes == ["full"]:
                data.pop("corpus_sizes", None)
            if self.extrapolate_to is None:
                data.pop("extrapolate_to", None)
            if self.load is None:
                data.pop("load", None)
            if not self.slo_p99_ms:
                data.pop("slo_p99_ms", None)
            if self.filters == ["none"]:  # unfiltered suites keep their run ids
                for key in ("filters", "filter_strategy", "filter_oversample"):
                    data.pop(key, None)
            if self.rerank == ["none"]:
                data.pop("rerank", None)
        return data

    @field_validator("corpus_sizes", mode="before")
    @classmethod
    def _corpus_sizes(cls, v: Any) -> Any:
        if not isinstance(v, list):
            return v  # pydantic says a list is expected
        for n in v:
            ok = n == "full" if isinstance(n, str) else (type(n) is int and n > 0)
            if not ok:
                raise ValueError("a corpus size must be a positive integer or 'full' (the "
                                 f"whole corpus), got {n!r}")
        if len(set(v)) != len(v):
            raise ValueError(f"corpus_sizes lists a size twice: {v}")
        return v
    costs: Prices = Field(default_factory=Prices)  # prices of the $ columns (metrics/costs.py)
    tails: TailsSpec | None = Field(default=None, exclude=True)  # analysis only (tails_spec.py)

    @field_validator("filters")
    @classmethod
    def _filter_syntax(cls, v: list[Any]) -> list[Any]:
        _, problems = parse_filters(v)
        if problems:
            raise ValueError("; ".join(f"{where}: {msg}" for where, msg in problems))
        return v

    @field_validator("datasets", "models", mode="before")
    @classmethod
    def _strings_to_refs(cls, v: Any) -> Any:
        if isinstance(v, list):
            return [{"ref": x} if isinstance(x, str) else x for x in v]
        return v

    @field_validator("backends", mode="before")
    @classmethod
    def _names_to_backends(cls, v: Any) -> Any:
        # `backends: [exact, faiss-hnsw]` is short for [{name: exact}, {name: faiss-hnsw}]
        if isinstance(v, list):
            return [{"name": x} if isinstance(x, str) else x for x in v]
        return v

    @field_validator("slo_p99_ms")
    @classmethod
    def _slos(cls, v: list[float]) -> list[float]:
        problem = slo_problem(v)
        if problem:
            raise ValueError(problem)
        return sorted(float(x) for x in v)

    @field_validator("precisions", mode="before")
    @classmethod
    def _precision_mappings(cls, v: Any) -> Any:
        # {int8: {calibration: percentile}} and friends become canonical strings (issue #26)
        return [canonical(x) for x in v] if isinstance(v, list) else v

    @field_validator("dims")
    @classmethod
    def _positive_dims(cls, v: list[int | str | None]) -> list[int | str | None]:
        for d in v:
            bad = isinstance(d, str) and not PCA_DIM.match(d)
            if bad or (d is not None and (dim_size(d) or 0) <= 0):
                raise ValueError(
                    "a dim must be a positive integer, null (native) or 'pca:N' (PCA fitted on "
                    f"the corpus to N dims), got {d!r}"
                )
        return v

    @field_validator("evaluate")
    @classmethod
    def _known_metrics(cls, v: list[str]) -> list[str]:
        from harness.metrics.ir import parse_metric

        return [parse_metric(name).name for name in v]


class LoadedSuite(BaseModel):
    """A validated suite with where it came from (file, text, per-key line numbers)."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    suite: Suite
    file: str
    text: str
    lines: dict[tuple, int]

    @property
    def sha256(self) -> str:
        """A hash of what the results depend on: where cells run (`executor`) and the prices
        of the $ columns (`costs`, applied when the results are read) are left out, so the same
        suite resumes the same run folder on any executor and at any prices."""
        canon = json.dumps(self.suite.model_dump(mode="json", exclude={"executor", "costs"}),
                           sort_keys=True)
        return hashlib.sha256(canon.encode()).hexdigest()

    def line(self, *path: str | int) -> int | None:
        return line_of(self.lines, tuple(path))


_CHILD_MODELS: dict[str, type[BaseModel]] = {
    "datasets": DatasetRef,
    "models": ModelRef,
    "backends": BackendSpec,
    "exclude": Rule,
    "include": Rule,
    "load": LoadSpec,
    "rerank": RerankSpec,
    "tails": TailsSpec,
}


def _fields_at(loc: tuple) -> list[str]:
    if not loc:  # a top-level key; ('tails',): a key inside the tails mapping
        return list(Suite.model_fields)
    model = _CHILD_MODELS.get(str(loc[0]))
    return list(model.model_fields) if model else []


def load_suite(path: str | Path) -> LoadedSuite:
    """Read and validate a suite; every problem becomes a one-line UserError (all at once)."""
    p = Path(path)
    file = str(path)
    if not p.is_file():
        suites = sorted(x.name for x in p.parent.glob("*.yaml")) if p.parent.is_dir() else []
        raise UserError("suite file not found", file=file,
                        suggestion=did_you_mean(p.name, suites) if suites else "check the path")
    try:
        text = p.read_text(encoding="utf-8-sig")  # a byte-order mark is fine; CRLF too
    except (UnicodeDecodeError, OSError) as exc:
        raise UserError(f"cannot read the suite as UTF-8 text ({exc})", file=file,
                        suggestion="save it as UTF-8") from None
    return load_suite_text(text, file)


def load_suite_text(text: str, file: str = "<suite>") -> LoadedSuite:
    """A suite from YAML text; errors name `file` (e.g. '<string>') and the text's lines."""
    data, lines = load_with_lines(text, file)
    if not isinstance(data, dict):
        raise UserError("expected a mapping of suite keys (schema_version, name, datasets, ...)",
                        file=file, line=1)
    try:
        suite = Suite.model_validate(data)
    except ValidationError as exc:
        errors = [to_user_error(e, file, lines, _fields_at) for e in exc.errors()]
        # one line per location: union branches repeat it (int? str?), the first one says it
        unique = list({(e.line, e.key): e for e in reversed(errors)}.values())[::-1]
        raise UserErrors(unique) from None
    return LoadedSuite(suite=suite, file=file, text=text, lines=lines)
