"""`harness bundle`: a run folder as one .tar.gz with a sha256 per file, that another machine
can verify and unpack, then re-report with `harness report`."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path

from harness.errors import UserError
from harness.version import __version__

CHECKSUMS = "BUNDLE.json"  # inside the archive, first member: {relative path: sha256, size}


@dataclass(frozen=True)
class Bundle:
    """What a bundle holds: its archive, the run id and each file's checksum."""

    path: Path
    run_id: str
    files: dict[str, dict[str, int | str]]

    def summary(self) -> str:
        size = sum(int(f["size"]) for f in self.files.values())
        return f"{self.path}: run {self.run_id}, {len(self.files)} files, {size} bytes, sha256 ok"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def bundle_run(run_dir: Path, out: Path | None = None) -> Bundle:
    """Pack every file of a run folder (manifest, result tables, per-query files) with a
    checksum list; returns the bundle, written to OUT or RUN_DIR.tar.gz."""
    run_dir = Path(run_dir)
    if not (run_dir / "manifest.json").is_file():
        raise UserError(f"{run_dir}: not a run folder (no manifest.json)",
                        suggestion="pass results/<run-id>")
    out = Path(out) if out else run_dir.with_name(run_dir.name + ".tar.gz")
    paths = sorted(p for p in run_dir.rglob("*") if p.is_file())
    files = {p.relative_to(run_dir).as_posix(): {"sha256": _sha256(p.read_bytes()),
                                                  "size": p.stat().st_size} for p in paths}
    head = json.dumps({"run_id": run_dir.name, "harness": __version__, "files": files},
                      indent=1, sort_keys=True).encode()
    with tarfile.open(out, "w:gz") as tar:
        info = tarfile.TarInfo(f"{run_dir.name}/{CHECKSUMS}")
        info.size = len(head)
        tar.addfile(info, io.BytesIO(head))
        for p in paths:
            tar.add(p, arcname=f"{run_dir.name}/{p.relative_to(run_dir).as_posix()}")
    return Bundle(out, run_dir.name, files)


def _members(tar: tarfile.TarFile, bundle: Path) -> tuple[str, dict, dict[str, bytes]]:
    data: dict[str, bytes] = {}
    for m in tar.getmembers():
        parts = Path(m.name).parts
        if not m.isfile() or m.name.startswith("/") or ".." in parts or len(parts) < 2:
            raise UserError(f"{bundle}: unexpected member '{m.name}'",
                            suggestion="a bundle holds regular files under one run folder")
        data[m.name] = tar.extractfile(m).read()  # type: ignore[union-attr]
    heads = [n for n in data if Path(n).name == CHECKSUMS and len(Path(n).parts) == 2]
    if len(heads) != 1:
        raise UserError(f"{bundle}: no {CHECKSUMS} checksum list",
                        suggestion="make the archive with `harness bundle RUN_DIR`")
    run_id = Path(heads[0]).parts[0]
    return run_id, json.loads(data.pop(heads[0]))["files"], data


def verify_bundle(bundle: Path) -> tuple[Bundle, dict[str, bytes]]:
    """Check every file against its sha256 and that none is missing or extra; one clear
    error naming the first bad file otherwise."""
    bundle = Path(bundle)
    try:
        with tarfile.open(bundle, "r:gz") as tar:
            run_id, files, data = _members(tar, bundle)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise UserError(f"{bundle}: not a readable .tar.gz bundle ({exc})",
                        suggestion="copy the file again; make it with `harness bundle`") from exc
    got = {n.split("/", 1)[1]: b for n, b in data.items()}
    for name in sorted(set(files) | set(got)):
        if name not in got or name not in files:
            what = "missing from the archive" if name not in got else "not in the checksum list"
            raise UserError(f"{bundle}: {name} is {what}", suggestion="make the bundle again")
        if _sha256(got[name]) != files[name]["sha256"]:
            raise UserError(f"{bundle}: {name} does not match its sha256 (changed or corrupt)",
                            suggestion="copy the bundle again, or make it again")
    return Bundle(bundle, run_id, files), got


def unpack_bundle(bundle: Path, dest: Path) -> Path:
    """Verify, then write the run folder under DEST; returns DEST/<run-id>."""
    info, got = verify_bundle(bundle)
    run_dir = Path(dest) / info.run_id
    if run_dir.exists():
        raise UserError(f"{run_dir} already exists", suggestion="unpack into another folder")
    for name, data in got.items():
        path = run_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return run_dir
