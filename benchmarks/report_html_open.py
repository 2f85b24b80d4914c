"""Time to first screen of an HTML report in headless Chromium (playwright, Debian's chromium).

    python benchmarks/report_html_open.py REPORT.html [--runs 5]

Opens the file ``--runs`` times in fresh tabs (1400x900) and prints its size and the
seconds from navigation to ``body[data-ready='1']`` (set once the cluster list and the
first cluster are drawn), with the median. ``DEDUP_CHROMIUM`` names another browser.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    path = Path(args.report).resolve()
    times, errors, rows = [], [], 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("DEDUP_CHROMIUM", "/usr/bin/chromium"),
                                    args=["--no-sandbox"])
        for _ in range(args.runs):
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            start = time.perf_counter()
            page.goto(path.as_uri())
            page.wait_for_selector("body[data-ready='1']")
            times.append(time.perf_counter() - start)
            rows = page.locator(".row").count()
            page.close()
        browser.close()
    print(f"{path.name}: {path.stat().st_size:,} bytes; first screen in {statistics.median(times):.2f} s "
          f"(median of {args.runs}: {', '.join(f'{t:.2f}' for t in times)}); {rows} list rows drawn; "
          f"console errors: {len(errors)}")


if __name__ == "__main__":
    main()
