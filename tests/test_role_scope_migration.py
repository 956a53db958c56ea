"""The shared migration s0004 (issue 11) on a firm's policy as an earlier release left it:
the built-in auditor and integrator gain `clients:read_all`, a custom role that read clients
keeps the whole firm, one that did not stays as it was, and permissions that left the
catalog leave custom roles. Run inside a transaction that is rolled back (the session's
firms stay as they are)."""

from __future__ import annotations

import importlib.util
import uuid
from typing import Any

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from saas.settings import PROJECT_ROOT

MIGRATION = (
    PROJECT_ROOT
    / "saas"
    / "db"
    / "migrations"
    / "versions"
    / "shared"
    / "0004_shared_role_scope.py"
)


def _migration() -> Any:
    spec = importlib.util.spec_from_file_location("s0004", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lines(conn: sa.Connection, domain: str, role: str) -> set[tuple[str, str]]:
    rows = conn.execute(
        sa.text("SELECT v2, v3 FROM shared.casbin_rule WHERE ptype = 'p' AND v1 = :d AND v0 = :r"),
        {"d": domain, "r": role},
    )
    return {(obj, act) for obj, act in rows}


def test_s0004_scopes_the_roles_of_an_existing_firm(db_engine: sa.Engine, firms: Any) -> None:
    domain = f"tenant:{firms['a'].id}"
    reader, chatter = f"legacy_reader_{uuid.uuid4().hex[:6]}", f"legacy_chat_{uuid.uuid4().hex[:6]}"
    with db_engine.connect() as conn:
        transaction = conn.begin()
        try:
            # As before the release: no read_all anywhere, custom roles with old permissions.
            conn.execute(
                sa.text(
                    "DELETE FROM shared.casbin_rule WHERE ptype = 'p' AND v1 = :d "
                    "AND v2 = 'clients' AND v3 = 'read_all'"
                ),
                {"d": domain},
            )
            for role, grants in (
                (reader, [("clients", "read"), ("reports", "read")]),
                (chatter, [("chat", "read"), ("notifications", "manage"), ("reports", "read")]),
            ):
                conn.execute(
                    sa.text(
                        "INSERT INTO shared.casbin_rule (ptype, v0, v1, v2) "
                        "VALUES ('role', :r, :d, 'legacy')"
                    ),
                    {"r": role, "d": domain},
                )
                for obj, act in grants:
                    conn.execute(
                        sa.text(
                            "INSERT INTO shared.casbin_rule (ptype, v0, v1, v2, v3) "
                            "VALUES ('p', :r, :d, :o, :a)"
                        ),
                        {"r": role, "d": domain, "o": obj, "a": act},
                    )
            with Operations.context(MigrationContext.configure(conn)):
                _migration().upgrade()
                _migration().upgrade()  # a second run changes nothing

            assert ("clients", "read_all") in lines(conn, domain, "auditor")
            assert ("clients", "read_all") in lines(conn, domain, "integrator")
            assert ("clients", "read_all") not in lines(conn, domain, "manager")
            assert lines(conn, domain, reader) == {
                ("clients", "read"),
                ("clients", "read_all"),
                ("reports", "read"),
            }
            assert lines(conn, domain, chatter) == {("reports", "read")}
            count = conn.execute(
                sa.text(
                    "SELECT count(*) FROM shared.casbin_rule WHERE ptype = 'p' AND v1 = :d "
                    "AND v0 = 'auditor' AND v2 = 'clients' AND v3 = 'read_all'"
                ),
                {"d": domain},
            ).scalar_one()
            assert count == 1
        finally:
            transaction.rollback()
