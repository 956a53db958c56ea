"""A firm made from the recorded tenant script is the firm alembic makes: same relations,
columns, defaults, constraints, indexes, triggers, functions, sequences, owners, grants and
rows; `saas migrate` treats it like any other; a half-made schema still goes through alembic;
`saas tenant create-many` makes firms in bulk and reports the bad rows without stopping."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from saas.db.migrate import migrate_all, sync_engine, tenant_head, upgrade_shared
from saas.db.tenant_script import Statement, for_empty_tables, tenant_script
from saas.tenants.provisioning import provision_tenant, schema_for
from tests.support.cli import saas_cli, version_of
from tests.support.database import drop_database, fresh_database

# Each query lists one kind of object of schema :s; the text is compared with the schema's and
# the owner role's names replaced (they differ from firm to firm by design).
CATALOG = {
    "relations": """
        SELECT c.relname, c.relkind::text, c.relpersistence::text, c.relrowsecurity,
               pg_get_userbyid(c.relowner), coalesce(c.relacl::text, '')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = :s ORDER BY 1""",
    "columns": """
        SELECT c.relname, a.attname, a.attnum, format_type(a.atttypid, a.atttypmod),
               a.attnotnull, coalesce(pg_get_expr(d.adbin, d.adrelid), ''), a.attidentity::text,
               a.attgenerated::text, coalesce(a.attcollation::regcollation::text, '')
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = :s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1, 3""",
    "constraints": """
        SELECT conrelid::regclass::text, conname, contype::text, pg_get_constraintdef(k.oid)
        FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
        WHERE n.nspname = :s ORDER BY 1, 2""",
    "indexes": """
        SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = :s ORDER BY 1""",
    "triggers": """
        SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled::text
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = :s AND NOT t.tgisinternal ORDER BY 1, 2""",
    "functions": """
        SELECT p.proname, pg_get_functiondef(p.oid), pg_get_userbyid(p.proowner)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = :s ORDER BY 1""",
    "sequences": """
        SELECT sequencename, data_type::text, start_value, increment_by, last_value
        FROM pg_sequences WHERE schemaname = :s ORDER BY 1""",
    "schema": """
        SELECT pg_get_userbyid(nspowner), coalesce(nspacl::text, '')
        FROM pg_namespace WHERE nspname = :s""",
    "policies": """
        SELECT tablename, policyname, permissive, roles::text, cmd, coalesce(qual, ''),
               coalesce(with_check, '')
        FROM pg_policies WHERE schemaname = :s ORDER BY 1, 2""",
    "column_grants": """
        SELECT c.relname, a.attname, a.attacl::text
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = :s AND a.attacl IS NOT NULL ORDER BY 1, 2""",
    "default_privileges": """
        SELECT pg_get_userbyid(d.defaclrole), d.defaclobjtype::text, d.defaclacl::text
        FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace
        WHERE n.nspname = :s ORDER BY 1, 2""",
    # The firm's own rows in the shared schema: its record and its default roles' lines.
    "tenant": """
        SELECT status, schema_name, db_role FROM shared.tenants WHERE schema_name = :s""",
    "default_roles": """
        SELECT r.ptype, r.v0, r.v2, r.v3, r.v4, r.v5 FROM shared.casbin_rule r
        JOIN shared.tenants t ON r.v1 = 'tenant:' || t.id
        WHERE t.schema_name = :s ORDER BY 1, 2, 3, 4""",
}


@pytest.fixture(scope="module")
def own_database(pg_server: str) -> Iterator[str]:
    url = fresh_database(pg_server, "kabinet_tenant_script")
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


def _role_of(engine: sa.Engine, slug: str) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(
                sa.text("SELECT db_role FROM shared.tenants WHERE slug = :slug"), {"slug": slug}
            ).scalar_one()
        )


def catalog(engine: sa.Engine, slug: str) -> dict[str, list[str]]:
    schema, role = schema_for(slug), _role_of(engine, slug)

    def neutral(value: Any) -> str:
        return str(value).replace(role, "<role>").replace(schema, "<schema>")

    out: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for kind, query in CATALOG.items():
            found = conn.execute(sa.text(query), {"s": schema})
            out[kind] = ["|".join(neutral(v) for v in row) for row in found]
        for (table,) in conn.execute(
            sa.text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY 1"),
            {"s": schema},
        ):
            # Rows without their time columns (defaults of now() differ by construction).
            rows: Any = conn.execute(
                sa.text(
                    f'SELECT to_jsonb(t) AS row FROM "{schema}"."{table}" t'  # noqa: S608
                )
            ).scalars()
            out[f"rows:{table}"] = sorted(
                json.dumps({k: v for k, v in row.items() if not k.endswith("_at")}, sort_keys=True)
                for row in rows
            )
    return out


def test_a_recorded_script_firm_equals_an_alembic_firm(engine: sa.Engine) -> None:
    provision_tenant(engine, "by-alembic", "By alembic", from_script=False)
    provision_tenant(engine, "by-script-one", "By script")  # records the script
    provision_tenant(engine, "by-script-two", "By script again")  # replays it

    expected = catalog(engine, "by-alembic")
    assert len(expected["relations"]) > 50 and expected["triggers"] and expected["functions"]
    assert any(rows for key, rows in expected.items() if key.startswith("rows:")), "no seed rows"
    for slug in ("by-script-one", "by-script-two"):
        got = catalog(engine, slug)
        assert got.keys() == expected.keys()
        for kind in expected:
            assert got[kind] == expected[kind], f"{slug}: {kind} differs"
        assert version_of(engine, schema_for(slug)) == [tenant_head()]

    # The recording left nothing behind: no scratch schema, no other schema than the firms'.
    with engine.connect() as conn:
        leftovers = conn.execute(
            sa.text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'kabinet_script%'")
        ).all()
    assert leftovers == []

    # `saas migrate` sees every firm at the head, however it was made.
    summary = migrate_all(str(engine.url.render_as_string(hide_password=False)), workers=1)
    assert not summary.failed
    assert all(t.applied == [] for t in summary.tenants)


def test_the_script_leaves_out_what_costs_more_with_every_firm(engine: sa.Engine) -> None:
    """At thousands of firms a few recorded statements took most of a firm's creation: the
    version table's look-up (a catalog scan) and ALTER TABLE adding a column with a default or
    changing a column's type (a catalog scan of what uses the table's row type). The script
    replays none of them; the test above shows the firm is the same."""
    provision_tenant(engine, "leaves-out", "Leaves out")
    with engine.begin() as conn:
        text = tenant_script(conn, _role_of(engine, "leaves-out")).text("s")
    assert "CREATE TABLE s.alembic_version" in text
    assert "pg_catalog.pg_class.relname" not in text
    assert not re.search(r"ADD COLUMN [^;]* DEFAULT ", text)
    assert not re.search(r"ALTER COLUMN \S+ TYPE ", text)
    # The defaults come after the columns, the later types are in the CREATE TABLE.
    assert "ALTER TABLE reports ALTER COLUMN document_count SET DEFAULT '0'" in text
    assert "\tauthor_side VARCHAR(16) NOT NULL" in text


def test_a_table_the_script_filled_keeps_its_column_default() -> None:
    """A column added NOT NULL without its default would fail on rows already there."""
    recorded = [
        Statement("CREATE TABLE kinds (\n\tcode VARCHAR(8) NOT NULL, \n\tname TEXT\n)", None),
        Statement("INSERT INTO s.kinds (code) VALUES ('a')", None),
        Statement("ALTER TABLE kinds ADD COLUMN position INTEGER DEFAULT '0' NOT NULL", None),
        Statement("ALTER TABLE kinds ALTER COLUMN code TYPE VARCHAR(16) ", None),
        Statement("ALTER TABLE empty ADD COLUMN position INTEGER DEFAULT '0' NOT NULL", None),
    ]
    assert [s.sql for s in for_empty_tables(recorded)] == [
        "CREATE TABLE kinds (\n\tcode VARCHAR(16) NOT NULL, \n\tname TEXT\n)",
        "INSERT INTO s.kinds (code) VALUES ('a')",
        "ALTER TABLE kinds ADD COLUMN position INTEGER DEFAULT '0' NOT NULL",
        "ALTER TABLE empty ADD COLUMN position INTEGER NOT NULL",
        "ALTER TABLE empty ALTER COLUMN position SET DEFAULT '0'",
    ]


def test_an_existing_schema_is_never_replayed_over(engine: sa.Engine) -> None:
    """Provisioning a firm whose schema holds relations (a re-run, a restore) goes through
    alembic, which finds nothing to do: the replay would fail on the first CREATE."""
    provision_tenant(engine, "made-twice", "Made twice")
    before = catalog(engine, "made-twice")
    provision_tenant(engine, "made-twice", "Made twice")
    assert catalog(engine, "made-twice") == before


def test_create_many_from_a_csv_file(own_database: str, engine: sa.Engine, tmp_path: Path) -> None:
    rows = tmp_path / "firms.csv"
    rows.write_text(
        "slug,name,domains\n"
        "bulk-one,Бухгалтерия Один,\n"
        "bulk-two,Bulk Two,two.example.ru two.example.com\n"
        "Bad Slug,Broken,\n"
        "bulk-three,Bulk Three,\n",
        encoding="utf-8",
    )
    result = saas_cli(
        own_database, tmp_path, "tenant", "create-many", "--from", str(rows), "--jobs", "2"
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Bad Slug" in result.stdout and "slug must be" in result.stdout
    assert "3 created, 0 already there, 1 failed" in result.stdout
    with engine.connect() as conn:
        made: dict[str, str] = dict(
            conn.execute(
                sa.text(
                    "SELECT slug, array_to_string(domains, ' ') FROM shared.tenants "
                    "WHERE slug LIKE 'bulk-%' AND status = 'active'"
                )
            ).all()
        )
    assert made == {"bulk-one": "", "bulk-two": "two.example.ru two.example.com", "bulk-three": ""}
    # The jobs' firms (one message each for the schema, in threads) are alembic's firm.
    provision_tenant(engine, "bulk-by-alembic", "By alembic", from_script=False)
    expected = catalog(engine, "bulk-by-alembic")
    assert expected["default_roles"] and expected["tenant"], "no default roles, no record"
    for slug in ("bulk-one", "bulk-two", "bulk-three"):
        got = catalog(engine, slug)
        assert got.keys() == expected.keys()
        for kind in expected:
            assert got[kind] == expected[kind], f"{slug}: {kind} differs"
        assert version_of(engine, schema_for(slug)) == [tenant_head()]

    # Again, fixed: the firms made are left as they are, the bad row is made.
    rows.write_text(rows.read_text().replace("Bad Slug", "bulk-four"), encoding="utf-8")
    again = saas_cli(own_database, tmp_path, "tenant", "create-many", "--from", str(rows))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "1 created, 3 already there, 0 failed" in again.stdout
