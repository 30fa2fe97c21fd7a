"""The website widget's cost to a page: bytes transferred and time until it can be used.

Loads the demo shop page in Debian's Chromium (Playwright) with a cold cache, ten times:
* bytes: what the widget itself adds (its script, CSS and the socket.io client, as
  transferred, gzip-compressed) and the whole page;
* time until the launcher is usable: from navigation start until the chat button is on the
  page, visible and enabled (measured in the page with performance.now());
* time until connected: until the widget has its conversation (history restored).
"""

from __future__ import annotations

import statistics
import time

from bench.common import running_product, write_result

LOADS = 10
CHROMIUM = "/usr/bin/chromium"


def main() -> None:
    from playwright.sync_api import sync_playwright

    samples = []
    with running_product() as product, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for _ in range(LOADS + 1):  # the first load warms up the servers, not counted
            context = browser.new_context()  # a cold cache every time
            page = context.new_page()
            sizes: dict[str, int] = {}

            def record(request, sizes=sizes) -> None:  # type: ignore[no-untyped-def]
                response = request.response()
                if response is not None:
                    sizes[request.url] = request.sizes()["responseBodySize"]

            page.on("requestfinished", record)
            page.goto(product.web_url + "/")
            page.wait_for_function(
                "() => { const b = document.querySelector('[data-testid=sb-launcher]');"
                " return b && b.offsetParent !== null && !b.disabled; }"
            )
            usable_ms = page.evaluate("performance.now()")
            page.wait_for_function("() => !!localStorage.getItem('supportbot:session')")
            connected_ms = page.evaluate("performance.now()")
            time.sleep(0.2)
            assets = {
                url.rsplit("/", 1)[-1]: n
                for url, n in sizes.items()
                if "/widget/" in url and "/history/" not in url
            }
            samples.append(
                {
                    "launcher_usable_ms": round(usable_ms, 1),
                    "connected_ms": round(connected_ms, 1),
                    "widget_bytes": sum(assets.values()),
                    "page_total_bytes": sum(sizes.values()),
                    "files": assets,
                }
            )
            context.close()
        browser.close()
    counted = samples[1:]
    write_result(
        "widget",
        {
            "setup": "demo shop page on 127.0.0.1, Debian Chromium headless, cold cache per load",
            "loads": len(counted),
            "launcher_usable_ms_median": statistics.median(
                s["launcher_usable_ms"] for s in counted
            ),
            "connected_ms_median": statistics.median(s["connected_ms"] for s in counted),
            "widget_bytes_transferred": counted[-1]["widget_bytes"],
            "page_total_bytes_transferred": counted[-1]["page_total_bytes"],
            "widget_files_bytes": counted[-1]["files"],
            "samples": counted,
        },
    )


if __name__ == "__main__":
    main()
