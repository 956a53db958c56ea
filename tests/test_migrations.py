"""Migrations: a new tenant gets every tenant revision; `saas migrate` over 50 tenants where one
fails reports it, migrates the others, and a re-run after the fix finishes the job."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

import saas
from saas.db.base import TenantBase
from saas.db.migrate import script_directory, sync_engine, tenant_head, upgrade_shared
from saas.tenants.provisioning import provision_tenant, role_for, schema_for
from tests.support.cli import saas_cli, version_of
from tests.support.database import drop_database, fresh_database

TENANTS = 50
BROKEN = "tenant-17"


@pytest.fixture(scope="module")
def own_database(pg_server: str) -> Iterator[str]:
    """`saas migrate` touches every tenant of a database: these tests get their own database."""
    url = fresh_database(pg_server, "kabinet_migrations")
    engine = sync_engine(url)
    upgrade_shared(engine)
    engine.dispose()
    yield url
    drop_database(pg_server, url)


@pytest.fixture(scope="module")
def engine(own_database: str) -> Iterator[sa.Engine]:
    engine = sync_engine(own_database)
    yield engine
    engine.dispose()


def tenant_tables_declared() -> set[str]:
    """Every table the models declare in the tenant schema (all model modules imported)."""
    for module in pkgutil.walk_packages(saas.__path__, "saas."):
        if module.name.rsplit(".", 1)[-1] in ("models", "core_models"):
            importlib.import_module(module.name)
    return {table.name for table in TenantBase.metadata.sorted_tables}


def tables_in(engine: sa.Engine, schema: str) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = :s"),
            {"s": schema},
        ).all()
    return {name: owner for name, owner in rows}


def test_new_tenant_gets_every_tenant_migration(engine: sa.Engine) -> None:
    provision_tenant(engine, "fresh-firm", "Fresh")
    schema = schema_for("fresh-firm")
    chain = [rev.revision for rev in script_directory().iterate_revisions("tenant@head", "base")]
    assert len(chain) >= 2 and tenant_head() == chain[0]
    assert version_of(engine, schema) == [tenant_head()]

    tables = tables_in(engine, schema)
    declared = tenant_tables_declared()
    assert {"outbox", "jobs", "audit_log"} <= declared
    assert declared <= set(tables), f"declared by models but not migrated: {declared - set(tables)}"
    with engine.connect() as conn:
        role = conn.execute(
            sa.text("SELECT db_role FROM shared.tenants WHERE slug = 'fresh-firm'")
        ).scalar_one()
    # Created as the tenant's role, so its schema holds nothing another role owns.
    assert set(tables.values()) == {role}


def _register_unmigrated(engine: sa.Engine, slug: str) -> None:
    """A tenant as a new release finds it: registered and active, with its role and its schema,
    but none of the release's tenant revisions applied yet."""
    schema = schema_for(slug)
    with engine.begin() as conn:
        database = conn.execute(sa.text("SELECT current_database()")).scalar_one()
        role = role_for(schema, database)
        conn.execute(
            sa.text(
                "INSERT INTO shared.tenants (slug, name, status, schema_name, db_role) "
                "VALUES (:slug, :name, 'active', :schema, :role)"
            ),
            {"slug": slug, "name": slug.title(), "schema": schema, "role": role},
        )
        conn.exec_driver_sql(f'CREATE ROLE "{role}" NOLOGIN')
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}" AUTHORIZATION "{role}"')
        conn.exec_driver_sql(f'REVOKE ALL ON SCHEMA "{schema}" FROM PUBLIC')


def test_migrate_over_50_tenants_reports_the_failed_one_and_a_rerun_finishes(
    engine: sa.Engine, own_database: str, tmp_path: Path
) -> None:
    slugs = [f"tenant-{i:02d}" for i in range(TENANTS)]
    # Every tenant is behind (as after a release); one of them also holds a table the migrations
    # are about to create, so its upgrade fails.
    for slug in slugs:
        _register_unmigrated(engine, slug)
    conflicting = sorted(tenant_tables_declared())[-1]
    broken_schema = schema_for(BROKEN)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE TABLE "{broken_schema}"."{conflicting}" (squatter int)')

    with engine.connect() as conn:  # tenants of other tests in this database are current
        others = conn.execute(sa.text("SELECT count(*) FROM shared.tenants")).scalar_one() - TENANTS

    first = saas_cli(own_database, tmp_path, "migrate", "--workers", "2")
    assert first.returncode == 1, first.stdout + first.stderr
    assert (
        f"tenants: {TENANTS + others} total, 49 migrated, {others} already current, 1 failed"
        in first.stdout
    ), first.stdout
    failed_lines = [line for line in first.stdout.splitlines() if "FAILED" in line]
    assert len(failed_lines) == 1 and BROKEN in failed_lines[0], first.stdout
    assert "DuplicateTable" in failed_lines[0] and conflicting in failed_lines[0]
    assert "run `saas migrate` again" in first.stderr
    for slug in slugs:
        if slug != BROKEN:
            assert version_of(engine, schema_for(slug)) == [tenant_head()], slug
    # The failed tenant is exactly as it was: one transaction per tenant, rolled back.
    assert version_of(engine, broken_schema) == []
    assert set(tables_in(engine, broken_schema)) == {conflicting}

    with engine.begin() as conn:  # the operator fixes the cause
        conn.exec_driver_sql(f'DROP TABLE "{broken_schema}"."{conflicting}"')
    second = saas_cli(own_database, tmp_path, "migrate", "--workers", "1", "--verbose")
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"1 migrated, {49 + others} already current, 0 failed" in second.stdout, second.stdout
    assert f"  {BROKEN}: migrated" in second.stdout
    assert version_of(engine, broken_schema) == [tenant_head()]
    assert tenant_tables_declared() <= set(tables_in(engine, broken_schema))

    third = saas_cli(own_database, tmp_path, "migrate", "--tenant", BROKEN)
    assert third.returncode == 0
    assert "tenants: 1 total, 0 migrated, 1 already current, 0 failed" in third.stdout
