"""Browser fixtures: Debian's Chromium driven by Playwright (never `playwright install`), and
a live server whose firms answer at <slug>.localhost.

Why *.localhost and not *.kabinet.test: Chromium resolves localhost and its subdomains to
the loopback address by itself and treats them as potentially trustworthy origins (as it
would a production host over HTTPS; the session cookie is `Secure` there). So this module
runs a second live server (same database, same firms) with base_domain "localhost".
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from dramatiq import Worker

from saas.jobs import current_runtime_or_none, restore_jobs, setup_jobs
from saas.jobs.broker import BROKER_SCHEMA
from saas.modules.clients.validation import INN10_WEIGHTS
from saas.settings import PROJECT_ROOT, Settings
from saas.web import WEB_DIST
from tests.conftest import Firm
from tests.support.auth import TestPerson, create_person, login
from tests.support.client import GraphQLClient
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


@dataclass(frozen=True)
class Site:
    """Addresses of the e2e server: the platform's own host and each firm's."""

    port: int

    def url(self, host: str = "localhost", path: str = "/") -> str:
        return f"http://{host}:{self.port}{path}"

    def firm_host(self, firm: Firm) -> str:
        return f"{firm.slug}.localhost"

    def firm_url(self, firm: Firm, path: str = "/") -> str:
        return self.url(self.firm_host(firm), path)

    def api(self, host: str) -> GraphQLClient:
        """A GraphQL client at `host` (for setting things up the way an integrator would)."""
        return GraphQLClient(f"http://127.0.0.1:{self.port}", host)


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


# --- data set up through the API, as a firm would -----------------------------------------

_serial = itertools.count(random.randrange(1_000_000, 8_000_000))


def _inn10() -> str:
    head = "77" + f"{next(_serial) % 10**7:07d}"
    return head + str(sum(int(d) * w for d, w in zip(head, INN10_WEIGHTS, strict=True)) % 11 % 10)


def _ogrn13() -> str:
    head = "10277" + f"{next(_serial) % 10**7:07d}"
    return head + str(int(head) % 11 % 10)


CREATE_ORG = """
mutation($input: CreateClientOrganizationInput!) {
  createClientOrganization(input: $input) {
    __typename
    ... on ClientOrganization { id name }
    ... on Error { code message }
  }
}
"""

UPDATE_BRANDING = """
mutation($input: BrandingInput!) {
  updateBranding(input: $input) {
    __typename
    ... on BrandingUpdated { settings { displayName phone primaryColor } }
    ... on Error { code message }
  }
}
"""


INVITE_CONTACT = """
mutation($org: ID!, $email: String!, $grants: [ClientModule!]) {
  inviteContact(organizationId: $org, email: $email, grants: $grants) {
    __typename
    ... on ClientContact { id }
    ... on Error { code message }
  }
}
"""

ACCEPT_INVITATION = """
mutation($token: String!, $password: String!, $name: String) {
  acceptInvitation(token: $token, password: $password, displayName: $name) {
    __typename
    ... on InvitationAccepted { loggedIn }
    ... on Error { code message }
  }
}
"""


@dataclass(frozen=True)
class FirmAdmin:
    firm: Firm
    person: TestPerson
    api: GraphQLClient

    def create_organization(self, name: str) -> tuple[str, int]:
        """A new client organization (an LLC with valid numbers): (global id, primary key)."""
        data = self.api.execute(
            CREATE_ORG,
            {
                "input": {
                    "name": name,
                    "legalForm": "OOO",
                    "inn": _inn10(),
                    "kpp": "773601001",
                    "ogrn": _ogrn13(),
                    "taxRegime": "USN_INCOME",
                }
            },
        )["createClientOrganization"]
        assert data["__typename"] == "ClientOrganization", data
        from strawberry.relay import GlobalID

        return data["id"], int(GlobalID.from_id(data["id"]).node_id)

    def invite_contact(self, organization_id: str, email: str, grants: list[str]) -> str:
        data = self.api.execute(
            INVITE_CONTACT, {"org": organization_id, "email": email, "grants": grants}
        )
        assert data["inviteContact"]["__typename"] == "ClientContact", data
        return str(data["inviteContact"]["id"])

    def set_branding(self, **values: Any) -> dict[str, Any]:
        data = self.api.execute(UPDATE_BRANDING, {"input": values})["updateBranding"]
        assert data["__typename"] == "BrandingUpdated", data
        return data["settings"]


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
    from tests.e2e.support import BRANDS

    for key, brand in BRANDS.items():
        firm_admins[key].set_branding(
            displayName=brand.name, phone=brand.phone, primaryColor=brand.color
        )


def accept_invitation(site: Site, firm: Firm, token: str, password: str, name: str | None) -> None:
    """Accepts an invitation over the API, as the invited person's browser would."""
    api = site.api(site.firm_host(firm))
    try:
        data = api.execute(ACCEPT_INVITATION, {"token": token, "password": password, "name": name})
        assert data["acceptInvitation"]["__typename"] == "InvitationAccepted", data
    finally:
        api.close()
