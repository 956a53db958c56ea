"""docs/integrate.md followed as a newcomer follows it: every ```sh block of the guide, in
order, run by bash from an empty environment (PATH and HOME only, plus the API address the
guide itself lets you set) against a live app holding the demo data (`saas demo`), each
step's answer checked. The host is the demo's, http://alfa.localhost:<port> (curl resolves
*.localhost to the loopback address), so the login cookie must come back over plain HTTP."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from dramatiq import Worker

from saas.demo import prepare_demo
from saas.jobs import current_runtime_or_none, restore_jobs, setup_jobs
from saas.modules.notifications import jobs as webhook_jobs
from saas.settings import PROJECT_ROOT, Settings
from tests.support.database import drop_database, fresh_database
from tests.support.server import LiveServer, free_port

GUIDE = PROJECT_ROOT / "docs" / "integrate.md"
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.S | re.M)
# A newcomer's shell: the system's tools, not the project's virtualenv.
NEWCOMER_PATH = "/usr/local/bin:/usr/bin:/bin"


@dataclass(frozen=True)
class Demo:
    port: int
    settings: Settings


@pytest.fixture(scope="module")
def demo(
    pg_server: str, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    """`saas demo` on a database of its own: development settings at *.localhost, the demo
    data, the API on a free port and a job worker (imports, webhooks)."""
    from saas.app import create_app

    data_dir = tmp_path_factory.mktemp("demo")
    port = free_port()
    url = fresh_database(pg_server, "kabinet_guide")
    demo_settings = dataclasses.replace(
        settings,
        environment="development",
        database_url=url,
        data_dir=data_dir,
        storage_url=f"file://{data_dir / 'files'}",
        base_domain="localhost",
        public_port=port,
        webhook_private_networks=False,
        webhook_allow_http=True,
    )
    previous = current_runtime_or_none()
    server = None
    worker = None
    try:
        prepare_demo(demo_settings)
        server = LiveServer(create_app(demo_settings), port=port).start()
        runtime = setup_jobs(server.app.state.services)
        restore_jobs(runtime)
        worker = Worker(runtime.broker, worker_threads=1, worker_timeout=100)
        worker.start()
        yield Demo(port, demo_settings)
    finally:
        if worker is not None:
            worker.stop(timeout=10_000)
        if server is not None:
            server.stop()
        restore_jobs(previous)
        drop_database(pg_server, url)


def run_guide(demo: Demo, home: Path) -> list[str]:
    """The guide's sh blocks in one bash, from an empty environment; the output (stdout and
    stderr, as a terminal shows them) of each block."""
    blocks = SH_BLOCK.findall(GUIDE.read_text())
    script = "".join(f"{block}printf '\\n@@ step {n} done\\n'\n" for n, block in enumerate(blocks))
    (home / "guide.sh").write_text(script)
    env = {"PATH": NEWCOMER_PATH, "HOME": str(home), "API": f"http://alfa.localhost:{demo.port}"}
    finished = subprocess.run(
        ["bash", "guide.sh"],
        env=env,
        cwd=home,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=180,
    )
    output = finished.stdout
    parts = re.split(r"\n@@ step \d+ done\n", output)
    assert len(parts) == len(blocks) + 1 and parts[-1] == "", output
    return [part.strip() for part in parts[:-1]]


def last_line(text: str) -> str:
    return text.splitlines()[-1] if text else ""


def test_the_walkthrough_runs_as_written_on_the_demo(demo: Demo, tmp_path: Path) -> None:
    steps = run_guide(demo, tmp_path)
    every = "\n".join(steps)
    # 0 setup, 1 token, 2 organization, 3 report, 4 event, 5 retry, 6 feed, 7 import,
    # 8 follow, 9 documents, 10 download, 11 webhook, 12 chat: a new block needs its check
    # here.
    assert len(steps) == 13, steps
    assert '"errors": [{"message"' not in every and "pick: no" not in every, every
    setup, token, organization, report, event, retry, feed, imported, follow = steps[:9]
    documents, download, webhook, chat = steps[9:]

    assert setup == ""  # defining API and pick prints nothing
    assert '"__typename": "LoginSuccess"' in token, token
    assert re.search(r'"__typename": "ApiTokenCreated", "token": "kbt_', token), token
    assert '"inn": "7707083893"' in organization and "ООО «Ромашка»" in organization
    assert '"__typename": "Report"' in report and '"status": "DRAFT"' in report, report
    report_id = json.loads(report)["data"]["createReport"]["id"]  # REPORT=$(...) shows only this
    assert last_line(event) == "SENT" and '"duplicate": false' in event, event
    assert last_line(retry) == "true", retry
    assert last_line(feed) == "SENT" and f'"id": "{report_id}"' in feed, feed
    assert '"correction": 1' in feed
    assert '"__typename": "ReportImport"' in imported and '"total": 2' in imported, imported
    assert '"status": "DONE"' in follow, follow
    assert '"done": 2' in follow and '"recorded": 2' in follow and '"failed": 0' in follow
    assert '"kind": "RECEIPT"' in documents and '"documentCount": 2' in documents, documents
    assert last_line(download) == "same bytes", download
    assert (tmp_path / "receipt-copy.xml").read_bytes() == (tmp_path / "receipt.xml").read_bytes()
    assert '"__typename": "WebhookEndpointCreated"' in webhook, webhook
    assert '"secret": "whsec_' in webhook
    assert last_line(chat) == "SYSTEM" and '"kind": "SYSTEM"' in chat, chat
    assert "приняты в обработку" in chat


def test_the_guide_gives_the_demo_address_and_language_up_front() -> None:
    text = GUIDE.read_text()
    head = text[: text.index("\n## Endpoint\n")]
    assert "http://alfa.localhost:8000" in head and "Accept-Language: en" in head
    first = SH_BLOCK.search(text)
    assert first is not None
    assert first.group(1).startswith("API=${API:-http://alfa.localhost:8000}")
    # The sample organizations are the demo's.
    assert "7701234567" not in text


def test_the_webhook_retry_schedule_is_the_codes() -> None:
    """The delays written in the guide are dramatiq's: retry n waits min_backoff * 2^(n-1)
    times a jitter factor between 1 and 2 (never capped before 6 hours here)."""
    text = " ".join(GUIDE.read_text().split())
    base = webhook_jobs.MIN_BACKOFF_MS // 1000
    ranges = [(base * 2**n, base * 2 ** (n + 1)) for n in range(webhook_jobs.MAX_RETRIES)]
    assert ranges[-1][1] * 1000 <= webhook_jobs.MAX_BACKOFF_MS
    written = ", ".join(f"{low}-{high} s" for low, high in ranges[:-1])
    written += f" and {ranges[-1][0]}-{ranges[-1][1]} s"
    assert written in text, written
    assert f"retried, {webhook_jobs.MAX_RETRIES} times at most" in text
    assert f"({webhook_jobs.MAX_RETRIES + 1} attempts in all)" in text
    low, high = sum(r[0] for r in ranges) / 60, sum(r[1] for r in ranges) / 60
    assert f"{low:g} to {high:g} minutes after the first" in text


def test_pick_says_what_went_wrong(tmp_path: Path) -> None:
    """The guide's `pick` helper, on the answers a newcomer gets when something is off: the
    API is not running, or the answer is an error."""
    setup = SH_BLOCK.findall(GUIDE.read_text())[0]
    script = setup + (
        f"curl -s http://127.0.0.1:{free_port()}/graphql | pick data.login.csrfToken\n"
        'echo "exit $?"\n'
        'echo \'{"data": null, "errors": [{"message": "no"}]}\' | pick data.login\n'
        'echo "exit $?"\n'
    )
    done = subprocess.run(
        ["bash", "-c", script],
        env={"PATH": NEWCOMER_PATH, "HOME": str(tmp_path)},
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=60,
    )
    assert done.stdout.splitlines() == [
        "pick: not a JSON answer: nothing (is the API running?)",
        "exit 1",
        '{"data": null, "errors": [{"message": "no"}]}',
        "pick: no data.login in this answer",
        "exit 1",
    ], done.stdout
