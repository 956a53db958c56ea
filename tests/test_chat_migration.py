"""The tenant migration t_chat_1 (issue 13) on a firm that existed before it: every client
organization gets its conversation (and the chat switched on), none twice. Run inside a
transaction that is rolled back (the session's firms stay as they are)."""

from __future__ import annotations

import importlib.util
from typing import Any

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from saas.settings import PROJECT_ROOT
from tests.support.documents import make_org, schema_of

MIGRATION = (
    PROJECT_ROOT / "saas" / "db" / "migrations" / "versions" / "tenant" / "0012_tenant_chat.py"
)


def _migration() -> Any:
    spec = importlib.util.spec_from_file_location("t_chat_1", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_t_chat_1_opens_a_conversation_for_every_existing_organization(
    db_engine: sa.Engine, firms: Any
) -> None:
    firm = firms["b"]
    make_org(db_engine, firm.slug, "ООО «До чата»")
    make_org(db_engine, firm.slug, "ООО «Тоже до чата»")
    migration = _migration()
    with db_engine.connect() as conn:
        transaction = conn.begin()
        try:
            conn.execute(sa.text(f"SET LOCAL search_path TO {schema_of(firm.slug)}, public"))
            operations = Operations(MigrationContext.configure(conn))
            original = migration.op
            migration.op = operations
            try:
                # The firm as it was before the release, then the release.
                migration.downgrade()
                assert (
                    conn.execute(sa.text("SELECT to_regclass('chat_conversations')")).scalar()
                    is None
                )
                organizations = conn.execute(
                    sa.text("SELECT count(*) FROM client_organizations")
                ).scalar_one()
                assert organizations >= 2
                migration.upgrade()
            finally:
                migration.op = original
            rows = conn.execute(
                sa.text(
                    "SELECT o.id, count(c.id) AS conversations, 'chat' = ANY(o.enabled_modules) "
                    "FROM client_organizations o LEFT JOIN chat_conversations c "
                    "ON c.organization_id = o.id AND c.report_id IS NULL GROUP BY o.id"
                )
            ).all()
            assert len(rows) == organizations
            assert all(count == 1 and chat for _, count, chat in rows), rows
        finally:
            transaction.rollback()
