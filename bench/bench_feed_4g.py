"""The client's feed on slow 4G, cold and warm: `python -m bench feed_4g`.

Goal (issue 12): on slow 4G the client's feed shows in <= 2.5 s cold and <= 1.2 s warm.
Lighthouse simulates one cold load only; this bench drives Chromium (Playwright) on the demo
(`saas demo`, as bench_lighthouse prepares it) with Lighthouse's slow-4G figures applied by
the DevTools protocol (`Network.emulateNetworkConditions`: 562.5 ms round trip, 1.47 Mbit/s
down, 675 kbit/s up, Lighthouse's "applied" throttling; `Emulation.setCPUThrottlingRate` 4)
on a 412 px phone, and reads in the page when the first row of the feed appeared
(`performance.now()` from a MutationObserver, i.e. since the navigation started):

- cold: a new browser context (empty HTTP cache) with the session cookie;
- warm: the same context loading the page again (the hashed scripts and styles from the HTTP
  cache; the HTML shell and the GraphQL answers from the server, as every visit does).

The median of RUNS runs each. The absolute times are the goal's own unit (a throttled network
dominates them, not the machine); the same-run ratio warm/cold is printed alongside.
"""

from __future__ import annotations

import os
import shutil
import statistics
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from playwright.sync_api import sync_playwright

from bench.bench_lighthouse import CHROMIUM, CLIENT, FIRM, log_in, start_demo
from bench.report import machine, should_write_docs, write_section
from saas.settings import PROJECT_ROOT
from tests.support.database import drop_database, fresh_database, server_url
from tests.support.server import free_port

RUNS = int(os.environ.get("BENCH_FEED_4G_RUNS", "5"))
SLOW_4G = {
    "offline": False,
    "latency": 562.5,
    "downloadThroughput": 1474.56 * 1024 / 8,
    "uploadThroughput": 675 * 1024 / 8,
}
CPU_SLOWDOWN = 4
# Records when the first row of the feed is in the document, and the largest paint.
WATCH = """
(() => {
  const seen = () => {
    if (!window.__feedAt && document.querySelector('[data-testid=report-row]')) {
      window.__feedAt = performance.now();
    }
  };
  new MutationObserver(seen).observe(document, {childList: true, subtree: true});
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__lcp = e.startTime;
    }).observe({type: 'largest-contentful-paint', buffered: true});
  } catch (e) {}
})();
"""


def throttled_load(context: Any, url: str) -> dict[str, float]:
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    page.goto(url, wait_until="commit", timeout=60_000)
    page.wait_for_selector("[data-testid=report-row]", timeout=60_000)
    page.wait_for_timeout(300)
    got = page.evaluate("[window.__feedAt, window.__lcp || 0]")
    page.close()
    return {"feed": got[0] / 1000, "lcp": got[1] / 1000}


def run() -> dict[str, Any]:
    if not Path(CHROMIUM).exists() or not shutil.which("node"):
        raise RuntimeError(f"{CHROMIUM} and Node.js are needed (`make chromium`, `make web`)")
    server = server_url(PROJECT_ROOT / ".data")
    url = fresh_database(server, "kabinet_bench_feed_4g")
    cold: list[dict[str, float]] = []
    warm: list[dict[str, float]] = []
    try:
        where = machine(url)
        with TemporaryDirectory() as tmp:
            port = free_port()
            env = {
                **os.environ,
                "SAAS_DATABASE_URL": url,
                "SAAS_BASE_DOMAIN": "localhost",
                "SAAS_DATA_DIR": tmp,
                "SAAS_SECRET_KEY": "bench-secret-key",
                "SAAS_LOG_JSON": "1",
            }
            env.pop("SENTRY_DSN", None)
            demo = start_demo(env, port, Path(tmp) / "demo.log")
            try:
                cookie, cabinets = log_in(port, CLIENT)
                org = next(c["organizationId"] for c in cabinets if c["kind"] == "CLIENT")
                address = f"http://{FIRM}.localhost:{port}/cabinet/{org}"
                cookies = [
                    {"name": name, "value": value, "url": f"http://{FIRM}.localhost:{port}/"}
                    for name, value in (part.split("=", 1) for part in cookie.split("; "))
                ]
                with sync_playwright() as p:
                    browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                    try:
                        for _ in range(RUNS):
                            context = browser.new_context(
                                viewport={"width": 412, "height": 823}, locale="ru-RU"
                            )
                            context.add_cookies(cookies)
                            context.add_init_script(WATCH)
                            cold.append(throttled_load(context, address))
                            warm.append(throttled_load(context, address))
                            context.close()
                    finally:
                        browser.close()
            finally:
                demo.terminate()
                demo.wait(timeout=60)
    finally:
        drop_database(server, url)
    return {"machine": where, "cold": cold, "warm": warm}


def report(result: dict[str, Any]) -> str:
    def median(runs: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    cold_feed, warm_feed = median(result["cold"], "feed"), median(result["warm"], "feed")
    lines = [
        f"`python -m bench feed_4g` on {result['machine']}.",
        "",
        "The demo's client home (`/cabinet/<id>`) in Chromium on a 412 px phone with "
        "Lighthouse's slow 4G applied through the DevTools protocol (562.5 ms round trip, "
        "1.47 Mbit/s down, 675 kbit/s up) and a 4x CPU slowdown; the time from the navigation "
        f"to the feed's first row in the document; the median of {len(result['cold'])} runs.",
        "",
        "| load | feed shown s | LCP s | goal |",
        "|---|---|---|---|",
        f"| cold (empty cache) | {cold_feed:.2f} | {median(result['cold'], 'lcp'):.2f} "
        "| <= 2.5 s |",
        f"| warm (scripts cached) | {warm_feed:.2f} | {median(result['warm'], 'lcp'):.2f} "
        "| <= 1.2 s |",
        "",
        f"Warm / cold: {warm_feed / cold_feed:.2f}x.",
    ]
    return "\n".join(lines)


def main() -> dict[str, Any]:
    result = run()
    text = report(result)
    print(text)
    if should_write_docs():
        write_section("The client's feed on slow 4G, cold and warm", text)
    return result


if __name__ == "__main__":
    main()
