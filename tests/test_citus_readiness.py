"""Citus readiness: the migrated tenant schema obeys the rules of Citus schema-based sharding
(citus.enable_schema_based_sharding / citus_schema_distribute), checked from the catalog of a
freshly provisioned firm. No Citus is installed here: this proves the DDL is shaped right, not
that a cluster accepts it (see docs/operate.md, "Beyond one database: Citus").

Rules checked (Citus docs, "Schema-based sharding" and "SQL Support and Workarounds"):
- a distributed schema's tables live on one node together: a foreign key from a tenant schema
  may point into its own schema or at a reference table, never into another tenant schema;
- the shared tables it points at must be able to become reference tables, and a reference
  table must not point back into a distributed (tenant) schema;
- the rule system is not supported; table inheritance (other than partitions) is not supported;
- sequences feeding inserts must be bigint (Citus encodes the node in sequence values);
- functions and triggers must live in the tenant schema itself so that they move with it.
"""

from __future__ import annotations

import sqlalchemy as sa

from saas.tenants.provisioning import schema_for
from tests.support.firms import Firm

# Shared tables a tenant schema may reference; in a Citus cluster they are reference tables
# (docs/operate.md). Adding one here is a decision: it is copied to every node.
REFERENCE_TABLES: set[str] = {"shared.tenants", "shared.people"}


def _rows(engine: sa.Engine, sql: str, schema: str) -> list[tuple]:  # type: ignore[type-arg]
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), {"s": schema})]


def _foreign_keys(engine: sa.Engine) -> list[tuple[str, str, str, str]]:
    return [
        (str(a), str(b), str(c), str(d))
        for a, b, c, d in _rows(
            engine,
            "SELECT n.nspname, r.relname, fn.nspname, f.relname FROM pg_constraint c "
            "JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace "
            "JOIN pg_class f ON f.oid = c.confrelid "
            "JOIN pg_namespace fn ON fn.oid = f.relnamespace WHERE c.contype = 'f'",
            "",
        )
    ]


def test_tenant_schema_is_shaped_for_schema_based_sharding(
    db_engine: sa.Engine, firms: dict[str, Firm]
) -> None:
    schema = schema_for(firms["a"].slug)
    tables = _rows(
        db_engine,
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = :s AND c.relkind IN ('r', 'p')",
        schema,
    )
    assert len(tables) > 10  # the check looks at a real, migrated tenant schema

    fks = _foreign_keys(db_engine)
    own = [fk for fk in fks if fk[0] == schema]
    assert own, "a migrated tenant schema has foreign keys; the query must see them"
    for _src_schema, src, dst_schema, dst in own:
        if dst_schema == schema:
            continue
        assert not dst_schema.startswith("tenant_"), (
            f"{schema}.{src} references another tenant's {dst_schema}.{dst}"
        )
        assert f"{dst_schema}.{dst}" in REFERENCE_TABLES, (
            f"{schema}.{src} references {dst_schema}.{dst}, which is not a reference table"
        )
    # Reference (shared) tables never point into a distributed schema.
    back = [fk for fk in fks if not fk[0].startswith("tenant_") and fk[2].startswith("tenant_")]
    assert back == []

    rules = _rows(
        db_engine,
        "SELECT c.relname, r.rulename FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = :s AND r.rulename <> '_RETURN'",
        schema,
    )
    assert rules == []
    inherits = _rows(
        db_engine,
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = :s AND NOT c.relispartition",
        schema,
    )
    assert inherits == []
    narrow_sequences = _rows(
        db_engine,
        "SELECT c.relname FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = :s AND s.seqtypid <> 'bigint'::regtype",
        schema,
    )
    assert narrow_sequences == []
    foreign_triggers = _rows(
        db_engine,
        "SELECT t.tgname, pn.nspname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_proc p ON p.oid = t.tgfoid "
        "JOIN pg_namespace pn ON pn.oid = p.pronamespace "
        "WHERE n.nspname = :s AND NOT t.tgisinternal AND pn.nspname NOT IN (:s, 'pg_catalog')",
        schema,
    )
    assert foreign_triggers == []
    # Objects a distributed schema cannot carry along: materialized views, foreign tables.
    odd = _rows(
        db_engine,
        "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = :s AND c.relkind IN ('m', 'f')",
        schema,
    )
    assert odd == []


def test_the_check_catches_a_cross_tenant_foreign_key(
    db_engine: sa.Engine, firms: dict[str, Firm]
) -> None:
    """The foreign-key rule can fail: a key from one tenant schema into another is seen."""
    a, b = schema_for(firms["a"].slug), schema_for(firms["b"].slug)
    with db_engine.connect() as conn:
        tx = conn.begin()
        conn.exec_driver_sql(f"CREATE TABLE {a}.citus_probe (id bigint PRIMARY KEY)")
        conn.exec_driver_sql(
            f"CREATE TABLE {b}.citus_probe_ref (id bigint REFERENCES {a}.citus_probe (id))"
        )
        seen = [
            fk
            for fk in (
                tuple(r)
                for r in conn.execute(
                    sa.text(
                        "SELECT n.nspname, fn.nspname FROM pg_constraint c "
                        "JOIN pg_class r ON r.oid = c.conrelid "
                        "JOIN pg_namespace n ON n.oid = r.relnamespace "
                        "JOIN pg_class f ON f.oid = c.confrelid "
                        "JOIN pg_namespace fn ON fn.oid = f.relnamespace "
                        "WHERE c.contype = 'f' AND n.nspname <> fn.nspname "
                        "AND n.nspname LIKE 'tenant\\_%' AND fn.nspname LIKE 'tenant\\_%'"
                    )
                )
            )
        ]
        tx.rollback()
    assert (b, a) in seen
