"""`saas demo` prepares two branded firms with clients, contacts and documents, idempotently."""

from __future__ import annotations

import dataclasses

import psycopg

from saas.demo import DEMO_FIRMS, DIRECTOR, prepare_demo
from tests.support.database import drop_database, fresh_database


def test_demo_data_is_complete_and_idempotent(pg_server, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = fresh_database(pg_server, prefix="kabinet_demo")
    demo_settings = dataclasses.replace(
        settings, database_url=url, data_dir=tmp_path, storage_url=f"file://{tmp_path / 'files'}"
    )
    try:
        first = prepare_demo(demo_settings)
        prepare_demo(demo_settings)  # a second run completes nothing twice
        assert any(DIRECTOR in line for line in first)
        with psycopg.connect(url) as conn:
            brands = conn.execute(
                "SELECT slug, settings->>'display_name', settings->>'phone', "
                "settings->>'primary_color' FROM shared.tenants ORDER BY slug"
            ).fetchall()
            assert brands == [(f.slug, f.name, f.phone, f.color) for f in DEMO_FIRMS]
            for firm in DEMO_FIRMS:
                schema = f"tenant_{firm.slug}"
                orgs = conn.execute(
                    f"SELECT count(*) FROM {schema}.client_organizations"
                ).fetchone()
                assert orgs == (len(firm.clients),)
                kinds = conn.execute(
                    f"SELECT fo.system_kind, count(*) FROM {schema}.drive_files f "
                    f"JOIN {schema}.drive_folders fo ON fo.id = f.folder_id GROUP BY 1 ORDER BY 1"
                ).fetchall()
                assert kinds == [
                    ("for_client", len(firm.clients)),
                    ("from_client", len(firm.clients)),
                ]
            cabinets = conn.execute(
                "SELECT count(*) FROM shared.memberships m "
                "JOIN shared.people p ON p.id = m.person_id "
                "WHERE p.email = %s AND m.kind = 'client'",
                (DIRECTOR,),
            ).fetchone()
            assert cabinets == (2,)
    finally:
        drop_database(pg_server, url)
