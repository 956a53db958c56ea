"""Fixtures: a fresh database on the real PostgreSQL (embedded, or the machine's through
SAAS_TEST_DATABASE_URL), two provisioned firms, a live server and GraphQL clients."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from saas.db.migrate import sync_engine, upgrade_shared
from saas.settings import PROJECT_ROOT, Settings
from saas.tenants.provisioning import provision_tenant
from tests.support.auth import FirmPeople, create_firm_people
from tests.support.brokers import NOT_RUN
from tests.support.client import GraphQLClient
from tests.support.database import drop_database, fresh_database, server_url
from tests.support.firms import Firm
from tests.support.jobs import aengine, tenants  # noqa: F401 (fixtures)
from tests.support.server import LiveServer

# Workers started by tests (`saas worker`, the demo) run no periodic maintenance over the
# session's database, where other tests' rows would be swept or purged under them; the
# scheduler tests turn it on for their own workers (tests/support/workers.py).
os.environ.setdefault("SAAS_SCHEDULER", "0")


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def pg_server() -> str:
    return server_url(PROJECT_ROOT / ".data")


@pytest.fixture(scope="session")
def database_url(pg_server: str) -> Iterator[str]:
    url = fresh_database(pg_server)
    engine = sync_engine(url)
    upgrade_shared(engine)
    engine.dispose()
    yield url
    drop_database(pg_server, url)


@pytest.fixture(scope="session")
def db_engine(database_url: str) -> Iterator[sa.Engine]:
    engine = sync_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def settings(data_dir: Path, database_url: str) -> Settings:
    return dataclasses.replace(
        Settings.from_env(),
        environment="test",
        data_dir=data_dir,
        database_url=database_url,
        storage_url=f"file://{data_dir / 'files'}",
        base_domain="kabinet.test",
        secret_key="test-secret-key",
        public_scheme="http",
        public_port=80,
        notification_mail_delay_seconds=1.0,
        # The webhook tests' receiver listens on 127.0.0.1; test_webhooks checks the refusal.
        webhook_private_networks=True,
        # Tests play several clients from 127.0.0.1 with X-Forwarded-For (test_auth_login);
        # test_forwarded_headers checks the default (no proxy trusted).
        trusted_proxies=("127.0.0.1",),
        # Failed logins from one address are answered after a growing delay; the suite (the
        # fuzz run above all) fails many from 127.0.0.1, so its back-off is short here.
        # test_auth_login watches the real behaviour on a server of its own.
        login_address_delay_seconds=0.01,
        login_address_delay_max_seconds=0.05,
    )


@pytest.fixture(scope="session")
def firms(db_engine: sa.Engine, settings: Settings) -> dict[str, Firm]:
    """Two firms, `a` and `b`, provisioned once per test session."""
    out = {}
    for key, name in (("a", "Бухгалтерия Альфа"), ("b", "Bravo Accounting")):
        slug = f"firm-{key}"
        tenant_id = provision_tenant(db_engine, slug, name)
        out[key] = Firm(tenant_id, slug, name, f"{slug}.{settings.base_domain}")
    return out


@pytest.fixture(scope="session")
def people(db_engine: sa.Engine, firms: dict[str, Firm]) -> dict[str, FirmPeople]:
    """In each firm: .admin (firm_admin), .manager (manager), .client (client_member of client
    organization 1), with .email / .password (tests.support.auth.PASSWORD). Log in with
    tests.support.auth.login(client, email, password)."""
    return {key: create_firm_people(db_engine, firm.id, firm.slug) for key, firm in firms.items()}


@pytest.fixture(scope="session")
def live_server(settings: Settings, firms: dict[str, Firm]) -> Iterator[LiveServer]:
    from saas.app import create_app

    server = LiveServer(create_app(settings)).start()
    yield server
    server.stop()


@pytest.fixture
def client(live_server: LiveServer) -> Iterator[Callable[..., GraphQLClient]]:
    """client(host, token=None) -> a fresh GraphQL client with its own cookies."""
    made: list[GraphQLClient] = []

    def make(host: str, token: str | None = None) -> GraphQLClient:
        c = GraphQLClient(live_server.url, host, token=token)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests run last: Playwright's sync API keeps an event loop running in the main
    thread for as long as its session fixture lives, and pytest-asyncio tests cannot start
    their own loop while it does."""
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say which broker cases did not run (their URL unset), instead of leaving them out in
    silence."""
    for line in sorted(NOT_RUN):
        terminalreporter.write_line(f"NOT RUN: {line}", yellow=True)
