"""Browser fixtures: Debian's Chromium driven by Playwright (never `playwright install`), and
a live server whose firms answer at <slug>.localhost.

Why *.localhost and not *.kabinet.test: Chromium resolves localhost and its subdomains to
the loopback address by itself and treats them as potentially trustworthy origins (as it
would a production host over HTTPS; the session cookie is `Secure` there). So this module
runs a second live server (same database, same firms) with base_domain "localhost".
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from dramatiq import Worker

from saas.jobs import current_runtime_or_none, restore_jobs, setup_jobs
from saas.jobs.broker import BROKER_SCHEMA
from saas.settings import PROJECT_ROOT, Settings
from saas.web import WEB_DIST
from tests.e2e.support import BRANDS, FirmAdmin, Site
from tests.support.auth import create_person, login
from tests.support.firms import Firm
from tests.support.server import LiveServer, free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def e2e_settings(settings: Settings) -> Settings:
    port = free_port()
    return dataclasses.replace(
        settings,
        base_domain="localhost",
        public_port=port,
    )


@pytest.fixture(scope="session")
def e2e_server(e2e_settings: Settings, firms: dict[str, Firm]) -> Iterator[LiveServer]:
    from saas.app import create_app

    if not (WEB_DIST / "index.html").is_file():
        pytest.fail(
            "web/dist is not built: run `make web` (the browser tests load the real cabinet)"
        )
    server = LiveServer(create_app(e2e_settings), port=e2e_settings.public_port).start()
    yield server
    server.stop()


def _quiet_leftovers(db_engine: sa.Engine) -> None:
    """The API tests before the browser tests leave webhook endpoints at the shared firms
    (hooks.example.com, 8.8.8.8: addresses that never answer here) and their queued
    deliveries with retries. A one-thread worker would spend minutes on them before the
    export or import a browser test waits for: they are not the browser tests' to run."""
    with db_engine.begin() as conn:
        if conn.scalar(sa.text(f"SELECT to_regclass('{BROKER_SCHEMA}.queue')")) is not None:
            conn.execute(
                sa.text(
                    f"UPDATE {BROKER_SCHEMA}.queue SET state = 'rejected' "
                    "WHERE state = 'queued' AND message->>'actor_name' = 'deliver_webhook'"
                )
            )
        schemas = conn.execute(sa.text("SELECT schema_name FROM shared.tenants")).scalars().all()
        for schema in schemas:
            conn.execute(sa.text(f'UPDATE "{schema}".webhook_endpoints SET active = false'))


@pytest.fixture
def e2e_worker(e2e_server: LiveServer, db_engine: sa.Engine) -> Iterator[Worker]:
    """A worker for the jobs the e2e server enqueues (no worker runs in tests). It runs on the
    server's own job runtime, made the process's current for the test: the runtime is per
    process, and another app of the session may have replaced or closed the current one, so
    a worker on `current_runtime()` could wait on a broker the server does not enqueue to."""
    runtime = setup_jobs(e2e_server.app.state.services)
    _quiet_leftovers(db_engine)
    previous = current_runtime_or_none()
    restore_jobs(runtime)
    running = Worker(runtime.broker, worker_threads=1, worker_timeout=100)
    running.start()
    try:
        yield running
    finally:
        running.stop(timeout=10_000)
        restore_jobs(previous)


@pytest.fixture(scope="session")
def site(e2e_server: LiveServer) -> Site:
    return Site(e2e_server.port)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `make chromium` installs Debian's chromium package "
            "(Playwright never downloads a browser here)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_context(chromium: Any) -> Iterator[Any]:
    """A fresh browser profile per test: no cookies, no stored language."""
    context = chromium.new_context(viewport={"width": 1280, "height": 860}, locale="ru-RU")
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(browser_context: Any) -> Iterator[Any]:
    """A page that fails its test if anything broke the cabinet's Content-Security-Policy
    (saas.security_headers): Chromium reports each violation on the console."""
    page = browser_context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    assert not violations, violations


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Screenshots for people to look at (gitignored); emptied once per run."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def firm_admins(
    db_engine: sa.Engine, firms: dict[str, Firm], site: Site
) -> Iterator[dict[str, FirmAdmin]]:
    """A firm admin per firm, logged in to the API at the firm's e2e host."""
    admins = {}
    for key, firm in firms.items():
        person = create_person(
            db_engine,
            f"e2e-admin@{firm.slug}.test",
            display_name=f"E2E Admin {firm.slug}",
            memberships=[(firm.id, "staff", ["firm_admin"], None)],
        )
        api = site.api(site.firm_host(firm))
        login(api, person.email, person.password)
        admins[key] = FirmAdmin(firm, person, api)
    yield admins
    for admin in admins.values():
        admin.api.close()


@pytest.fixture(scope="module")
def branded(firm_admins: dict[str, FirmAdmin]) -> None:
    """Both firms wear their test brands (set again per module: other tests may change them)."""
    for key, brand in BRANDS.items():
        firm_admins[key].set_branding(
            displayName=brand.name, phone=brand.phone, primaryColor=brand.color
        )
