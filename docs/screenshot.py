"""Regenerate docs/report.png: the seeds' HTML report in headless chromium.

    python docs/screenshot.py [--chromium /usr/bin/chromium] [--out docs/report.png]

Needs the test extra (playwright) and Debian's chromium.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import dedup
from dedup.stages.report_html import to_html

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "report.png")
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    report = dedup.cluster([REPO / "seeds"], keep_texts=True, jobs=1)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        page_path = Path(tmp) / "report.html"
        page_path.write_text(to_html(report), encoding="utf-8")
        browser = p.chromium.launch(executable_path=a.chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(page_path.as_uri())
        page.wait_for_selector("body[data-ready='1']")
        page.screenshot(path=str(a.out))
        browser.close()
    print(a.out)


if __name__ == "__main__":
    main()
