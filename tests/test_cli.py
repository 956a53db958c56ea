"""`saas tenant create | list | suspend | resume`, run as the operator runs them: a subprocess
with SAAS_DATABASE_URL pointing at a database of its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from saas.db.migrate import sync_engine, tenant_head
from tests.support.cli import saas_cli, version_of
from tests.support.database import drop_database, fresh_database


@pytest.fixture(scope="module")
def cli_database(pg_server: str) -> Iterator[str]:
    url = fresh_database(pg_server, "kabinet_cli")
    yield url
    drop_database(pg_server, url)


def _status(engine: sa.Engine, slug: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT status FROM shared.tenants WHERE slug = :s"), {"s": slug}
        ).scalar()


def test_tenant_commands(cli_database: str, tmp_path: Path) -> None:
    # The database is empty: `tenant create` prepares the shared schema itself.
    created = saas_cli(
        cli_database,
        tmp_path,
        "tenant",
        "create",
        "--slug",
        "delta-books",
        "--name",
        "Дельта Бухучёт",
        "--domain",
        "lk.delta.example",
    )
    assert created.returncode == 0, created.stderr
    assert "tenant delta-books ready" in created.stdout
    engine = sync_engine(cli_database)
    try:
        assert _status(engine, "delta-books") == "active"
        assert version_of(engine, "tenant_delta_books") == [tenant_head()]

        bad = saas_cli(
            cli_database, tmp_path, "tenant", "create", "--slug", "Delta Books", "--name", "X"
        )
        assert bad.returncode == 2 and "slug must be" in bad.stderr
        assert _status(engine, "Delta Books") is None

        listed = saas_cli(cli_database, tmp_path, "tenant", "list")
        assert listed.returncode == 0
        row = next(line for line in listed.stdout.splitlines() if "delta-books" in line)
        assert "active" in row and "Дельта Бухучёт" in row and "lk.delta.example" in row

        suspended = saas_cli(cli_database, tmp_path, "tenant", "suspend", "delta-books")
        assert suspended.returncode == 0 and "delta-books: suspended" in suspended.stdout
        assert _status(engine, "delta-books") == "suspended"
        resumed = saas_cli(cli_database, tmp_path, "tenant", "resume", "delta-books")
        assert resumed.returncode == 0 and _status(engine, "delta-books") == "active"

        unknown = saas_cli(cli_database, tmp_path, "tenant", "suspend", "no-such-firm")
        assert unknown.returncode == 1 and "no tenant 'no-such-firm'" in unknown.stderr

        # A firm whose provisioning broke off must not be switched on half-made.
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO shared.tenants (slug, name, schema_name, db_role) "
                    "VALUES ('half-made', 'Half', 'tenant_half_made', 'tenant_half_made_x')"
                )
            )
        half = saas_cli(cli_database, tmp_path, "tenant", "resume", "half-made")
        assert half.returncode == 1 and "still being provisioned" in half.stderr
        assert _status(engine, "half-made") == "provisioning"
    finally:
        engine.dispose()
