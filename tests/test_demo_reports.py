"""The demo's year of reports: forms fit each client's regime, timelines run the flow with a
few rejections, one clarification and periods in progress; a second run adds nothing."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import psycopg

from saas.demo import DEMO_FIRMS, prepare_demo
from saas.demo_reports import FORMS_BY_REGIME, timeline
from tests.support.database import drop_database, fresh_database


def test_timeline_twists_run_the_flow() -> None:
    kinds = [s.kind.value for s in timeline("vat", "Q1", "rejected_fixed")]
    assert kinds == ["prepared", "sent", "delivered", "rejected", "sent", "delivered", "accepted"]
    assert [s.kind.value for s in timeline("vat", "Q2", None)][-1] == "accepted"
    assert [s.kind.value for s in timeline("vat", "Q3", "clarification")][-1] == (
        "clarification_requested"
    )
    steps = timeline("6ndfl", "Q3", "rejected_open")
    assert steps[-1].reason and steps[-1].kind.value == "rejected"
    assert all(a.at < b.at for a, b in zip(steps, steps[1:], strict=False))


def test_demo_reports_fit_regimes_and_are_idempotent(pg_server, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = fresh_database(pg_server, prefix="kabinet_demo_reports")
    demo_settings = dataclasses.replace(
        settings, database_url=url, data_dir=tmp_path, storage_url=f"file://{tmp_path / 'files'}"
    )
    try:
        prepare_demo(demo_settings)

        def snapshot() -> dict[str, list[tuple]]:
            out = {}
            with psycopg.connect(url) as conn:
                for firm in DEMO_FIRMS:
                    schema = f"tenant_{firm.slug}"
                    out[firm.slug] = conn.execute(
                        f"SELECT o.tax_regime, r.form_code, r.period_code, r.status, "
                        f"r.being_fixed, (SELECT count(*) FROM {schema}.report_events e "
                        f"WHERE e.report_id = r.id), (SELECT count(*) FROM {schema}.follow_ups f "
                        f"WHERE f.report_id = r.id AND f.status = 'open') "
                        f"FROM {schema}.reports r JOIN {schema}.client_organizations o "
                        f"ON o.id = r.organization_id ORDER BY r.id"
                    ).fetchall()
            return out

        first = snapshot()
        prepare_demo(demo_settings)
        assert snapshot() == first  # nothing added the second time

        rows = [row for slug in first for row in first[slug]]
        regimes = {c.tax_regime for f in DEMO_FIRMS for c in f.clients}
        for regime in regimes:
            forms = {r[1] for r in rows if r[0] == regime}
            assert forms == set(FORMS_BY_REGIME[regime]), regime
        assert all(r[0] != "osno" or r[1] != "usn" for r in rows)
        statuses = [r[3] for r in rows]
        assert statuses.count("accepted") > len(rows) / 2
        assert "rejected" in statuses and "clarification_requested" in statuses
        # Rejected and clarified reports are being fixed, with an open follow-up.
        for row in rows:
            if row[3] in ("rejected", "clarification_requested"):
                assert row[4] is True and row[6] == 1, row
        # A rejection that was fixed: accepted in the end, its follow-up closed.
        assert any(r[3] == "accepted" and r[5] == 7 and r[6] == 0 for r in rows)
        # Still in progress: the yearly USN return is a draft until the year is over.
        assert any(r[1] == "usn" and r[2] == "Y" and r[3] == "draft" for r in rows)
        if datetime.now(UTC) < datetime(2027, 1, 1, tzinfo=UTC):
            assert {r[2] for r in rows if r[1] == "vat"} <= {"Q1", "Q2", "Q3"}
        # Documents: the report file on "sent", the receipt on "accepted", the rejection
        # notice on "rejected"; their objects exist; document_count agrees.
        with psycopg.connect(url) as conn:
            schema = f"tenant_{DEMO_FIRMS[0].slug}"
            kinds = dict(
                conn.execute(
                    f"SELECT e.kind || ':' || d.kind, count(*) FROM {schema}.report_documents d "
                    f"JOIN {schema}.report_events e ON e.id = d.event_id GROUP BY 1"
                ).fetchall()
            )
            assert set(kinds) == {
                "sent:report_file",
                "accepted:receipt",
                "rejected:rejection_notice",
            }, kinds
            assert conn.execute(
                f"SELECT count(*) FROM {schema}.reports r WHERE r.document_count <> "
                f"(SELECT count(*) FROM {schema}.report_documents d WHERE d.report_id = r.id)"
            ).fetchone() == (0,)
            # The year's rejections notified the contact and the manager, dated by their
            # events; none waits for an e-mail; only the last 30 days are unread.
            pending, unread_old, total, misdated = conn.execute(
                f"SELECT count(*) FILTER (WHERE n.emailed_at IS NULL), "
                f"count(*) FILTER (WHERE n.read_at IS NULL "
                f"AND n.created_at < now() - interval '30 days'), count(*), "
                f"count(*) FILTER (WHERE n.created_at <> e.occurred_at) "
                f"FROM {schema}.notifications n JOIN {schema}.report_events e "
                f"ON e.id = n.event_id"
            ).fetchone()
            assert total > 0 and pending == 0 and unread_old == 0 and misdated == 0
            key, content_type = conn.execute(
                f"SELECT storage_key, content_type FROM {schema}.report_documents "
                "WHERE kind = 'rejection_notice' LIMIT 1"
            ).fetchone()
        assert content_type == "application/pdf"
        assert (tmp_path / "files" / key).read_bytes().startswith(b"%PDF-1.4")
    finally:
        drop_database(pg_server, url)
