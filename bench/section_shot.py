"""Screenshot one section of a run's report.html with headless Chromium, for the README.

    python bench/section_shot.py RUN_DIR SECTION_ANCHOR OUT.png [--width 1400]

Writes RUN_DIR/section-ANCHOR.html (the report's head, styles and script, and that one
section), then a full-height screenshot of it at the given width.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def section_page(report: str, anchor: str) -> str:
    """report.html with only the <section id=anchor> in its <main>."""
    m = re.search(rf'<section id="{re.escape(anchor)}">.*?</section>', report, re.S)
    if not m:
        raise SystemExit(f"error: report.html has no section '{anchor}'")
    head, rest = report.split("<main>", 1)
    return f"{head}<main>\n{m.group(0)}\n</main>{rest.split('</main>', 1)[1]}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("anchor")
    ap.add_argument("out", type=Path)
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--height", type=int, default=2400)
    a = ap.parse_args()
    browser = next((b for b in ("chromium", "chromium-browser", "google-chrome")
                    if shutil.which(b)), None)
    if browser is None:
        print("error: no Chromium on PATH (apt-get install chromium)", file=sys.stderr)
        return 2
    page = a.run_dir / f"section-{a.anchor}.html"
    page.write_text(section_page((a.run_dir / "report.html").read_text(), a.anchor))
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                        "--hide-scrollbars", f"--user-data-dir={profile}",
                        f"--screenshot={a.out.resolve()}",
                        f"--window-size={a.width},{a.height}", page.resolve().as_uri()],
                       check=True, capture_output=True, timeout=120)
    print(a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
