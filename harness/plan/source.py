"""Where a suite comes from: a file path, a bundled suite's name, YAML text, or a dict (which
may hold encoder objects).

    harness.run("suites/quickstart.yaml")            # a path
    harness.run("schema_version: 1\\nname: t\\n...")  # YAML text (it has a line break)
    harness.run({"schema_version": 1, "name": "t", "models": [my_encoder, "hash:64"], ...})

Text and dicts go through the same loader as files, so errors still name a line (of the text,
or of the dict written as YAML). An object in a dict's `models` (or as a model's `ref`) is an
`Encoder` (harness.encoders.base): it is registered as `obj:<spec.name>` (see
harness.encoders.inprocess) and the suite names it so.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from harness.encoders.base import Encoder
from harness.encoders.inprocess import register
from harness.errors import UserError, closest
from harness.suite.schema import LoadedSuite, load_suite, load_suite_text

SuiteSource = str | Path | Mapping[str, Any]


def bundled_suites() -> dict[str, Path]:
    """name -> file of the suites that ship inside the package (harness/suites/*.yaml)."""
    folder = Path(str(resources.files("harness") / "suites"))
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}


def suite_listing() -> list[dict[str, str]]:
    """`harness suites`: each bundled suite's name, description and file."""
    rows = []
    for name, path in bundled_suites().items():
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            data = {}
        desc = data.get("description", "") if isinstance(data, dict) else ""
        rows.append({"name": name, "description": str(desc), "file": str(path)})
    return rows


def load_source(source: SuiteSource) -> LoadedSuite:
    """The validated suite of a path, YAML text, dict, or the name of a bundled suite
    ('quickstart'; a file of that name in the working directory comes first)."""
    if isinstance(source, Mapping):
        return load_suite_text(_yaml_of(source), "<dict>")
    if isinstance(source, str) and "\n" in source:
        return load_suite_text(source, "<string>")
    return load_suite(bundled_or_path(str(source)))


def bundled_or_path(source: str) -> str:
    """The file of a bundled suite named `source` ('quickstart'), unless a file of that name
    exists here; otherwise `source` unchanged. A bare name that is neither a file nor a
    bundled suite but close to one ('quickstartt') is a UserError naming the bundled suite."""
    suites = bundled_suites()
    if Path(source).exists():
        return source
    if source in suites:
        return str(suites[source])
    if Path(source).parent == Path():  # a bare name: perhaps a bundled suite, mistyped
        near = closest(Path(source).stem, suites, cutoff=0.75)
        if near:
            raise UserError("suite file not found, and no bundled suite has that name",
                            file=source, suggestion=f"did you mean the bundled suite '{near}'? "
                            "`harness suites` lists them")
    return source


def describe(source: SuiteSource) -> str:
    """What the manifest records as the suite file."""
    if isinstance(source, Mapping):
        return "<dict>"
    return "<string>" if isinstance(source, str) and "\n" in source else str(source)


def _yaml_of(suite: Mapping[str, Any]) -> str:
    data = dict(suite)
    if isinstance(data.get("models"), list):
        data["models"] = [_model(m) for m in data["models"]]
    try:
        return yaml.safe_dump(data, sort_keys=False)
    except yaml.YAMLError as exc:
        raise UserError(f"the suite dict holds a value YAML cannot represent ({exc})",
                        file="<dict>", suggestion="use str, int, float, bool, list and dict "
                        "values; encoder objects go in `models`") from None


def _model(m: Any) -> Any:
    """A model entry with any encoder object replaced by its registered reference."""
    if isinstance(m, str):
        return m
    if isinstance(m, Mapping):
        ref = m.get("ref")
        return m if ref is None or isinstance(ref, str) else {**m, "ref": _register(ref)}
    return _register(m)


def _register(obj: Encoder) -> str:
    # typed as the Encoder protocol; a value that is not one fails here in one line
    try:
        return register(obj)
    except AttributeError:
        raise UserError(f"a model in the suite dict is a {type(obj).__name__}, not a "
                        "reference string or an Encoder (spec + encode)", file="<dict>",
                        key="models") from None
