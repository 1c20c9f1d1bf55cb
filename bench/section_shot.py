"""Screenshot one section or figure of a run's report.html with headless Chromium (README).

    python bench/section_shot.py RUN_DIR ANCHOR OUT.png [--width 1400] [--height 2400]

ANCHOR is a section's id (e.g. `scaling`) or a figure's (e.g. `plot-growth-1`). Writes
RUN_DIR/section-ANCHOR.html (the report's head, styles and script, and that one element),
screenshots it at the given window size, and trims the blank rows below it (Pillow).
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
    """report.html with only the <section> or <figure> of that id in its <main>."""
    m = re.search(rf'<(section|figure) id="{re.escape(anchor)}">.*?</\1>', report, re.S)
    if not m:
        raise SystemExit(f"error: report.html has no section or figure '{anchor}'")
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
    _trim(a.out)
    print(a.out)
    return 0


def _trim(png: Path, margin: int = 16) -> None:
    """Cut the blank rows below the content (the window is taller than the element)."""
    from PIL import Image, ImageChops

    with Image.open(png) as im:
        rgb = im.convert("RGB")
    box = ImageChops.difference(rgb, Image.new("RGB", rgb.size, rgb.getpixel((0, 0)))).getbbox()
    if box:
        rgb.crop((0, 0, rgb.width, min(rgb.height, box[3] + margin))).save(png, optimize=True)


if __name__ == "__main__":
    sys.exit(main())
