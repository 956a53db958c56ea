"""Lighthouse on the demo cabinet: the login page, a client's home and the staff's reports.

`python -m bench lighthouse` prepares `saas demo` on a fresh database (the demo's firms,
clients, reports and drive; base domain `localhost`, which Chromium resolves by itself),
logs the demo people in over GraphQL and runs Lighthouse 12 (bench/lighthouse, installed
with `npm ci` on first use) with Debian's Chromium (/usr/bin/chromium) on each page: the
mobile preset (simulated slow 4G, 4x CPU slowdown, a 412 px phone) and the desktop preset.
A logged-in page gets the session cookie through Lighthouse's extra headers.

Goals (issue 12): performance >= 90 and accessibility 100 on the three pages (mobile),
CLS <= 0.05 everywhere.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx

from bench.report import machine, should_write_docs, write_section
from saas.settings import PROJECT_ROOT
from tests.support.database import drop_database, fresh_database, server_url
from tests.support.server import free_port

LIGHTHOUSE_DIR = PROJECT_ROOT / "bench" / "lighthouse"
LIGHTHOUSE = LIGHTHOUSE_DIR / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = "/usr/bin/chromium"
FIRM = "alfa"
PASSWORD = "demo-password-2026"  # saas.demo.DEMO_PASSWORD
CLIENT = "ivanov@example.com"  # a client of Альфа only
STAFF = "admin@alfa.example"
# Runs per page and preset, the median reported (Lighthouse advises 5; the machine is shared).
RUNS = int(os.environ.get("BENCH_LIGHTHOUSE_RUNS", "3"))
LOGIN = """mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { __typename }
}"""
SESSION = "{ viewer { cabinets { kind organizationId firm { slug } } } }"
METRICS = {
    "first-contentful-paint": "FCP s",
    "largest-contentful-paint": "LCP s",
    "total-blocking-time": "TBT ms",
    "cumulative-layout-shift": "CLS",
    "speed-index": "SI s",
}


def ensure_lighthouse() -> None:
    if not LIGHTHOUSE.is_file():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=LIGHTHOUSE_DIR,
            check=True,
        )


def start_demo(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "saas.cli", "demo", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(args, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"saas demo stopped: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(1)
    process.terminate()
    raise RuntimeError("saas demo did not start within 300 s")


def log_in(port: int, email: str) -> tuple[str, list[dict[str, Any]]]:
    """The Cookie header of a fresh session of `email` at the firm, and its cabinets."""
    host = f"{FIRM}.localhost:{port}"
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"host": host}) as http:
        answer = http.post(
            "/graphql", json={"query": LOGIN, "variables": {"email": email, "password": PASSWORD}}
        )
        assert answer.json()["data"]["login"]["__typename"] == "LoginSuccess", answer.text
        cookie = "; ".join(f"{name}={value}" for name, value in http.cookies.items())
        # A GET: a cookie-authenticated POST needs the CSRF header.
        cabinets = http.get("/graphql", params={"query": SESSION}).json()["data"]["viewer"]
    return cookie, cabinets["cabinets"]


def lighthouse(url: str, preset: str, cookie: str | None, out: Path) -> dict[str, Any]:
    args = [
        "node",
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        "--only-categories=performance,accessibility",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
    ]
    if preset == "desktop":
        args.append("--preset=desktop")
    if cookie:
        headers = out.with_suffix(".headers.json")
        headers.write_text(json.dumps({"Cookie": cookie}))
        args.append(f"--extra-headers={headers}")
    subprocess.run(args, env={**os.environ, "CHROME_PATH": CHROMIUM}, check=True, timeout=300)
    report = json.loads(out.read_text())
    audits = report["audits"]
    result: dict[str, Any] = {
        "performance": round(report["categories"]["performance"]["score"] * 100),
        "accessibility": round(report["categories"]["accessibility"]["score"] * 100),
        "bytes": audits["total-byte-weight"]["numericValue"],
        "failing": sorted(
            a["id"]
            for a in audits.values()
            if a.get("score") is not None
            and a["score"] < 1
            and a.get("scoreDisplayMode") == "binary"
            and a["id"] in {r["id"] for r in report["categories"]["accessibility"]["auditRefs"]}
        ),
    }
    for audit, name in METRICS.items():
        value = audits[audit]["numericValue"]
        result[name] = value if name.endswith("ms") or name == "CLS" else value / 1000
    return result


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return sorted(runs, key=lambda r: r["performance"])[len(runs) // 2]


def run() -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: `make chromium`")
    if not shutil.which("node"):
        raise RuntimeError("Node.js is missing (the cabinet's build needs it too)")
    ensure_lighthouse()
    server = server_url(PROJECT_ROOT / ".data")
    url = fresh_database(server, "kabinet_bench_lighthouse")
    results: dict[str, dict[str, Any]] = {}
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
                client_cookie, cabinets = log_in(port, CLIENT)
                org = next(c["organizationId"] for c in cabinets if c["kind"] == "CLIENT")
                staff_cookie, _ = log_in(port, STAFF)
                base = f"http://{FIRM}.localhost:{port}"
                pages = {
                    "login": (f"{base}/login", None),
                    "client home": (f"{base}/cabinet/{org}", client_cookie),
                    "staff reports": (f"{base}/reports", staff_cookie),
                }
                for name, (address, cookie) in pages.items():
                    for preset in ("mobile", "desktop"):
                        runs = [
                            lighthouse(address, preset, cookie, Path(tmp) / f"lh-{i}.json")
                            for i in range(RUNS)
                        ]
                        results[f"{name}|{preset}"] = median_run(runs)
                        print(name, preset, results[f"{name}|{preset}"], flush=True)
            finally:
                demo.terminate()
                demo.wait(timeout=60)
    finally:
        drop_database(server, url)
    return {"machine": where, "results": results}


def report(result: dict[str, Any]) -> str:
    lines = [
        f"`python -m bench lighthouse` on {result['machine']}, Lighthouse 12.2.3, "
        f"Chromium {chromium_version()}.",
        "",
        "The demo (`saas demo`) at alfa.localhost: the login page, a client's home "
        "(`/cabinet/<id>`, the report feed and the drive) and the staff's reports, logged in "
        f"through a session cookie; the median of {RUNS} runs per page and preset. Mobile: "
        "Lighthouse's default (simulated slow 4G, 4x CPU slowdown, 412 px); desktop: "
        "`--preset=desktop`.",
        "",
        "| page | preset | performance | accessibility | FCP s | LCP s | TBT ms | CLS | SI s "
        "| bytes |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, r in result["results"].items():
        name, preset = key.split("|")
        lines.append(
            f"| {name} | {preset} | {r['performance']} | {r['accessibility']} | "
            f"{r['FCP s']:.2f} | {r['LCP s']:.2f} | {r['TBT ms']:.0f} | {r['CLS']:.3f} | "
            f"{r['SI s']:.2f} | {r['bytes'] / 1024:.0f} KB |"
        )
    failing = {k: r["failing"] for k, r in result["results"].items() if r["failing"]}
    lines += ["", "Accessibility audits failing: " + (json.dumps(failing) if failing else "none.")]
    return "\n".join(lines)


def chromium_version() -> str:
    out = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout
    return out.split()[1] if len(out.split()) > 1 else "?"


def main() -> dict[str, Any]:
    result = run()
    text = report(result)
    print(text)
    if should_write_docs():
        write_section("The cabinet in Lighthouse (login, client home, staff reports)", text)
    return result


if __name__ == "__main__":
    main()
