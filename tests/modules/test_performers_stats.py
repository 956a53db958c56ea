"""Performers (issue 17): the performer's income against the НПД limit and the tax estimate on
edge amounts, risk signals at their thresholds, the agency fee documents, the firm's
statistics, and who sees them."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from tests.support.clients import inn12
from tests.support.documents import make_org, schema_of
from tests.support.ids import gid
from tests.support.performers import (
    PerformersWorld,
    add_profile,
    enable_performers,
    make_performer,
    paid_history,
    performers_world,
)
from tests.support.requests import statements

INCOME = """query($y: Int) { performerIncome(year: $y) { incomeKopecks byMonthKopecks leftKopecks
  limitLevel taxKopecks deductionUsedKopecks deductionLeftKopecks averageOrderKopecks } }"""
RISKS = """query($o: ID) { performerRiskSignals(organizationId: $o) { kind performerId
  organizationId months message } }"""
GENERATE = """mutation($o: ID!, $p: Date!) { generatePerformerAgencyDocuments(organizationId: $o,
  period: $p) { __typename ... on PerformerAgencyDocuments { documents { id kind number
  volumeKopecks feeKopecks downloadUrl } } ... on Error { code message } } }"""
DOCUMENTS = """query($o: ID) { performerAgencyDocuments(organizationId: $o) { id kind feeKopecks
  downloadUrl } }"""
PAGE = """query($o: ID, $a: String) { performerAgencyDocuments(organizationId: $o, first: 1,
  after: $a) { id } }"""
STATS = """query($f: Date!, $t: Date!) { performerStatistics(from: $f, to: $t) { performers
  npdActive ordersByStatus { status count } volumeByMonth { key kopecks }
  volumeByCustomer { key organizationId kopecks } agencyDocuments } }"""
YEAR = datetime.now(UTC).year


@pytest.fixture(scope="module")
def world(db_engine, firms) -> Iterator[PerformersWorld]:  # type: ignore[no-untyped-def]
    yield from performers_world(db_engine, firms)


def performer_with(db_engine: sa.Engine, firm: Any, org: int, rows: list[tuple[str, int]]) -> int:
    person = make_performer(db_engine, firm, "Доходный")
    add_profile(db_engine, firm.slug, person)
    paid_history(db_engine, firm.slug, org, person, rows)
    return person


@pytest.mark.parametrize(
    ("kopecks", "level"),
    [
        (1_919_999_99, "OK"),
        (1_920_000_00, "WARN_80"),
        (2_279_999_99, "WARN_80"),
        (2_280_000_00, "WARN_95"),
        (2_400_000_00, "WARN_95"),
        (2_400_000_01, "EXCEEDED"),
    ],
)
def test_income_against_the_limit_on_edge_amounts(
    db_engine: sa.Engine, login: Any, firms: Any, world: PerformersWorld, kopecks: int, level: str
) -> None:
    a = firms["a"]
    person = performer_with(db_engine, a, world.drive.org_x, [(f"{YEAR}-02-10", kopecks)])
    got = login(a, person).execute(INCOME, {"y": YEAR})["performerIncome"]
    assert (got["incomeKopecks"], got["limitLevel"]) == (kopecks, level)
    assert got["leftKopecks"] == max(2_400_000_00 - kopecks, 0)
    assert got["byMonthKopecks"][1] == kopecks and sum(got["byMonthKopecks"]) == kopecks


def test_the_income_year_and_months_are_the_firms_moscow_ones(
    db_engine: sa.Engine, login: Any, firms: Any, world: PerformersWorld
) -> None:
    """01:00 on 1 January in Moscow is 22:00 UTC the day before: that payment is income of the
    new year (and of January); 00:30 on 1 January of the next year is not this year's."""
    a = firms["a"]
    rows = [
        (f"{YEAR - 1}-12-31T22:00:00+00:00", 100_00),  # 01:00 1 January YEAR, Moscow
        (f"{YEAR}-12-31T20:30:00+00:00", 200_00),  # 23:30 31 December YEAR, Moscow
        (f"{YEAR}-12-31T21:30:00+00:00", 400_00),  # 00:30 1 January YEAR + 1, Moscow
    ]
    person = performer_with(db_engine, a, world.drive.org_x, rows)
    me = login(a, person)
    got = me.execute(INCOME, {"y": YEAR})["performerIncome"]
    assert got["incomeKopecks"] == 300_00
    assert (got["byMonthKopecks"][0], got["byMonthKopecks"][11]) == (100_00, 200_00)
    assert me.execute(INCOME, {"y": YEAR - 1})["performerIncome"]["incomeKopecks"] == 0
    assert me.execute(INCOME, {"y": YEAR + 1})["performerIncome"]["incomeKopecks"] == 400_00


def test_tax_with_the_deduction_running_out_and_cancelled_receipts_left_out(
    db_engine: sa.Engine, login: Any, firms: Any, world: PerformersWorld
) -> None:
    a = firms["a"]
    # 600,000 ₽ from organizations: 6% = 36,000 ₽; the deduction at 2% would be 12,000 ₽ but
    # only 10,000 ₽ exist: tax 26,000 ₽. A cancelled receipt is no income.
    person = performer_with(
        db_engine,
        a,
        world.drive.org_x,
        [(f"{YEAR}-03-01", 500_000_00), (f"{YEAR}-04-01", 100_000_00)],
    )
    paid_history(db_engine, a.slug, world.drive.org_x, person, [(f"{YEAR}-05-01", 7_777_00)])
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                f"UPDATE {schema_of(a.slug)}.performer_receipts SET status = 'cancelled', "
                "cancel_reason = 'refund' "
                "WHERE performer_person_id = :p AND amount_kopecks = 777700"
            ),
            {"p": person},
        )
    got = login(a, person).execute(INCOME, {"y": YEAR})["performerIncome"]
    assert got["incomeKopecks"] == 600_000_00
    assert (got["taxKopecks"], got["deductionUsedKopecks"], got["deductionLeftKopecks"]) == (
        26_000_00,
        10_000_00,
        0,
    )
    # Last year's income is not this year's.
    assert (
        login(a, person).execute(INCOME, {"y": YEAR - 1})["performerIncome"]["incomeKopecks"] == 0
    )


def test_risk_signals_at_their_thresholds_and_who_sees_them(
    db_engine: sa.Engine, login: Any, firms: Any, world: PerformersWorld
) -> None:
    a = firms["a"]
    org = make_org(db_engine, a.slug, "ООО «Бывший работодатель»")
    enable_performers(db_engine, a.slug, org)
    with db_engine.connect() as conn:
        org_inn = conn.execute(
            sa.text(f"SELECT inn FROM {schema_of(a.slug)}.client_organizations WHERE id = :o"),
            {"o": org},
        ).scalar_one()
    salaried = make_performer(db_engine, a, "Зарплатный")
    add_profile(db_engine, a.slug, salaried, inn=inn12())
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                f"UPDATE {schema_of(a.slug)}.performer_profiles SET former_employers = "
                "CAST(:e AS jsonb) WHERE person_id = :p"
            ),
            {"e": f'[{{"inn": "{org_inn}", "until": "{YEAR - 1}-06-30"}}]', "p": salaried},
        )
    # Three months in a row, ±2%: a salary's shape, and all of the performer's income.
    paid_history(
        db_engine,
        a.slug,
        org,
        salaried,
        [(f"{YEAR}-01-05", 50_000_00), (f"{YEAR}-02-05", 51_000_00), (f"{YEAR}-03-05", 49_500_00)],
    )
    # Two months only, different amounts: nothing.
    casual = make_performer(db_engine, a, "Разовый")
    add_profile(db_engine, a.slug, casual)
    paid_history(
        db_engine, a.slug, org, casual, [(f"{YEAR}-01-05", 10_000_00), (f"{YEAR}-02-05", 30_000_00)]
    )
    admin = login(a, world.drive.admin_a)
    signals = admin.execute(RISKS, {"o": gid("ClientOrganization", org)})["performerRiskSignals"]
    kinds = {(s["kind"], s["performerId"]) for s in signals}
    assert kinds == {
        ("FORMER_EMPLOYER", gid("Performer", salaried)),
        ("DOMINANT_CUSTOMER", gid("Performer", salaried)),
        ("FIXED_MONTHLY", gid("Performer", salaried)),
    }
    fixed = next(s for s in signals if s["kind"] == "FIXED_MONTHLY")
    assert fixed["months"] == [f"{YEAR}-01", f"{YEAR}-02", f"{YEAR}-03"]
    # A customer of another organization sees none of them; a performer gets nothing.
    other = login(a, world.customer_x).execute(RISKS, {"o": gid("ClientOrganization", org)})
    assert other["performerRiskSignals"] == []
    assert login(a, salaried).execute(RISKS, {"o": None})["performerRiskSignals"] == []


def test_agency_documents_fee_arithmetic_regeneration_and_visibility(
    db_engine: sa.Engine, login: Any, firms: Any, world: PerformersWorld
) -> None:
    a, b = firms["a"], firms["b"]
    org = world.drive.org_y
    person = make_performer(db_engine, a, "Агентский")
    add_profile(db_engine, a.slug, person)
    paid_history(
        db_engine,
        a.slug,
        org,
        person,
        [
            (f"{YEAR - 1}-11-03", 10_000_00),
            (f"{YEAR - 1}-11-20", 2_345_67),
            (f"{YEAR - 1}-12-01", 5),
        ],
    )
    admin = login(a, world.drive.admin_a)
    period = f"{YEAR - 1}-11-15"
    made = admin.execute(GENERATE, {"o": gid("ClientOrganization", org), "p": period})
    docs = made["generatePerformerAgencyDocuments"]["documents"]
    assert {d["kind"] for d in docs} == {"INVOICE", "ACT"}
    # 10% of 12,345.67 ₽ = 1,234.567 ₽ → 1,234.57 ₽ (half up).
    assert {(d["volumeKopecks"], d["feeKopecks"]) for d in docs} == {(12_345_67, 1_234_57)}
    # Regenerating after another payment of the month replaces both: the same rows, new sums.
    paid_history(db_engine, a.slug, org, person, [(f"{YEAR - 1}-11-30", 1_00)])
    again = admin.execute(GENERATE, {"o": gid("ClientOrganization", org), "p": period})
    redone = again["generatePerformerAgencyDocuments"]["documents"]
    assert {d["id"] for d in redone} == {d["id"] for d in docs}
    assert {(d["volumeKopecks"], d["feeKopecks"]) for d in redone} == {(12_346_67, 1_234_67)}
    assert {d["number"] for d in redone} == {
        f"АГ-{org}-{YEAR - 1}11-С",
        f"АГ-{org}-{YEAR - 1}11-А",
    }
    mine = login(a, world.customer_y).execute(DOCUMENTS, {"o": gid("ClientOrganization", org)})
    assert {d["id"] for d in mine["performerAgencyDocuments"]} == {d["id"] for d in docs}
    # The PDF opens for the customer, and the fetch is in the firm's audit log.
    customer_y = login(a, world.customer_y)
    link = mine["performerAgencyDocuments"][0]["downloadUrl"]
    pdf = customer_y.http.get(link, headers=customer_y.headers())
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).split()
    )
    shown = mine["performerAgencyDocuments"][0]
    assert f"АГ-{org}-{YEAR - 1}11" in text and "12 346,67" in text and "1 234,67" in text
    assert shown["feeKopecks"] == 1_234_67
    with db_engine.connect() as conn:
        fetched = (
            conn.execute(
                sa.text(
                    f"SELECT actor FROM {schema_of(a.slug)}.audit_log "
                    "WHERE action = 'performer.agency_document_downloaded'"
                )
            )
            .scalars()
            .all()
        )
    assert fetched == [f"person:{world.customer_y}"]
    # Pages: one document, then the other after it.
    page = admin.execute(PAGE, {"o": gid("ClientOrganization", org), "a": None})
    rest = admin.execute(
        PAGE, {"o": gid("ClientOrganization", org), "a": page["performerAgencyDocuments"][0]["id"]}
    )
    both = page["performerAgencyDocuments"] + rest["performerAgencyDocuments"]
    assert {d["id"] for d in both} == {d["id"] for d in docs}
    # Another organization's customer, a performer and firm B see none of them.
    seen_x = login(a, world.customer_x).execute(DOCUMENTS, {"o": None})["performerAgencyDocuments"]
    assert not {d["id"] for d in seen_x} & {d["id"] for d in docs}
    assert login(a, person).execute(DOCUMENTS, {"o": None})["performerAgencyDocuments"] == []
    assert (
        login(b, world.drive.admin_b).execute(DOCUMENTS, {"o": None})["performerAgencyDocuments"]
        == []
    )
    # A percent of the customer's own, rounded half up to the kopeck: 7.25% of 12,346.67 ₽ =
    # 895.133575 ₽ → 895.13 ₽.
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                f"INSERT INTO {schema_of(a.slug)}.performer_customers (organization_id, "
                "agency_fee_percent) VALUES (:o, 7.25) ON CONFLICT (organization_id) "
                "DO UPDATE SET agency_fee_percent = 7.25"
            ),
            {"o": org},
        )
    third = admin.execute(GENERATE, {"o": gid("ClientOrganization", org), "p": period})
    fees = {d["feeKopecks"] for d in third["generatePerformerAgencyDocuments"]["documents"]}
    assert fees == {895_13}
    refused = login(a, world.customer_y).raw(
        GENERATE, {"o": gid("ClientOrganization", org), "p": period}
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    stats = admin.execute(STATS, {"f": f"{YEAR - 1}-11-01", "t": f"{YEAR - 1}-12-01"})
    numbers = stats["performerStatistics"]
    assert {"key": f"{YEAR - 1}-11", "kopecks": 12_346_67} in numbers["volumeByMonth"]
    assert numbers["agencyDocuments"] >= 2 and numbers["performers"] >= 1
    assert date.fromisoformat(period).month == 11


def test_risk_thresholds_share_against_all_income_and_the_performer_filter(
    db_engine: sa.Engine, login: Any, firms: Any, world: PerformersWorld, live_server: Any
) -> None:
    a = firms["a"]
    org = make_org(db_engine, a.slug, "ООО «Главный заказчик»")
    enable_performers(db_engine, a.slug, org)
    x = world.drive.org_x
    months = [f"{YEAR}-0{m}-10" for m in (4, 5, 6)]

    def history(name: str, main: list[int], rest: list[int]) -> int:
        person = make_performer(db_engine, a, name)
        add_profile(db_engine, a.slug, person)
        paid_history(db_engine, a.slug, org, person, list(zip(months, main, strict=True)))
        if rest:
            paid_history(db_engine, a.slug, x, person, list(zip(months, rest, strict=True)))
        return person

    # Exactly 75% from the main customer three months running: a signal; 74.99%: none. The
    # amounts grow, so no fixed-amount signal.
    at = history("Ровно75", [75_000_00, 150_000_00, 300_000_00], [25_000_00, 50_000_00, 100_000_00])
    below = history(
        "Меньше75", [74_990_00, 149_980_00, 299_960_00], [25_010_00, 50_020_00, 100_040_00]
    )
    # ±5% of the average exactly: fixed; ±6%: not.
    fixed = history("Ровно5", [100_000_00, 105_000_00, 95_000_00], [])
    loose = history("Шесть", [100_000_00, 106_000_00, 94_000_00], [])
    admin = login(a, world.drive.admin_a)
    with statements(live_server.app.state.services.engine.sync_engine) as seen:
        signals = admin.execute(RISKS, {"o": gid("ClientOrganization", org)})[
            "performerRiskSignals"
        ]
    # One statement reads the payments, whatever the number of performers.
    assert len([q for q in seen if "performer_payments" in q]) == 1, seen
    got = {(s["kind"], s["performerId"]) for s in signals}
    assert ("DOMINANT_CUSTOMER", gid("Performer", at)) in got
    assert ("DOMINANT_CUSTOMER", gid("Performer", below)) not in got
    assert ("FIXED_MONTHLY", gid("Performer", fixed)) in got
    assert ("FIXED_MONTHLY", gid("Performer", loose)) not in got
    assert ("FIXED_MONTHLY", gid("Performer", at)) not in got
    # The customer of X pays `at` 25%: its share is counted against all of `at`'s income, so X
    # sees no dominance (it would be 100% of what X alone paid), and never the other customer.
    seen_by_x = login(a, world.customer_x).execute(RISKS, {"o": None})["performerRiskSignals"]
    assert all(s["organizationId"] == gid("ClientOrganization", x) for s in seen_by_x)
    assert not [s for s in seen_by_x if s["performerId"] == gid("Performer", at)]
    # One performer's signals only.
    one = admin.execute(
        """query($p: ID) { performerRiskSignals(forPerformerId: $p) { kind performerId } }""",
        {"p": gid("Performer", fixed)},
    )["performerRiskSignals"]
    assert one and {s["performerId"] for s in one} == {gid("Performer", fixed)}
    assert {s["kind"] for s in one} == {"DOMINANT_CUSTOMER", "FIXED_MONTHLY"}


def test_income_counts_paid_payments_without_receipts_and_individual_payers(
    db_engine: sa.Engine, login: Any, firms: Any, world: PerformersWorld
) -> None:
    a = firms["a"]
    person = make_performer(db_engine, a, "Смешанный")
    add_profile(db_engine, a.slug, person)
    # From an individual: 4%, the deduction at 1%; from an organization: 6%, at 2%.
    paid_history(
        db_engine,
        a.slug,
        world.drive.org_x,
        person,
        [(f"{YEAR}-07-01", 100_000_00)],
        payer_kind="individual",
    )
    paid_history(db_engine, a.slug, world.drive.org_y, person, [(f"{YEAR}-08-01", 50_000_00)])
    # A payment paid but with no receipt yet is income all the same.
    paid_history(db_engine, a.slug, world.drive.org_y, person, [(f"{YEAR}-08-20", 1_00)])
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                f"DELETE FROM {schema_of(a.slug)}.performer_receipts "
                "WHERE performer_person_id = :p AND amount_kopecks = 100"
            ),
            {"p": person},
        )
    got = login(a, person).execute(INCOME, {"y": YEAR})["performerIncome"]
    assert got["incomeKopecks"] == 150_001_00
    assert got["byMonthKopecks"][6:8] == [100_000_00, 50_001_00]
    # 4,000 - 1,000 + (3,000.06 - 1,000.02) = 5,000.04 ₽; the deduction used 2,000.02 ₽.
    assert (got["taxKopecks"], got["deductionUsedKopecks"]) == (5_000_04, 2_000_02)
    assert got["deductionLeftKopecks"] == 10_000_00 - 2_000_02
    # Three orders (each history row is its own order) for 150,001 ₽: 50,000.33 ₽ on average.
    assert got["averageOrderKopecks"] == 50_000_33
    # Someone else's income is not the viewer's; staff get no income of their own.
    other = login(a, world.drive.admin_a).execute(INCOME, {"y": YEAR})["performerIncome"]
    assert other is None


def test_firm_statistics_numbers_in_a_fixed_number_of_statements_and_per_firm(
    db_engine: sa.Engine, login: Any, firms: Any, world: PerformersWorld, live_server: Any
) -> None:
    a, b = firms["a"], firms["b"]
    old = YEAR - 3  # a year no other test pays in
    org = make_org(db_engine, a.slug, "ООО «Статистика»")
    enable_performers(db_engine, a.slug, org)
    for n in range(20):
        person = make_performer(db_engine, a, f"Статистический {n}")
        add_profile(db_engine, a.slug, person)
        paid_history(db_engine, a.slug, org, person, [(f"{old}-03-0{1 + n % 2}", 1_000_00 + n)])
        paid_history(db_engine, a.slug, world.drive.org_x, person, [(f"{old}-04-15", 500_00)])
    admin = login(a, world.drive.admin_a)
    window = {"f": f"{old}-01-01", "t": f"{old + 1}-01-01"}
    with statements(live_server.app.state.services.engine.sync_engine) as seen:
        got = admin.execute(STATS, window)["performerStatistics"]
    assert got["volumeByMonth"] == [
        {"key": f"{old}-03", "kopecks": 20 * 1_000_00 + sum(range(20))},
        {"key": f"{old}-04", "kopecks": 20 * 500_00},
    ]
    assert got["volumeByCustomer"][0] == {
        "key": "ООО «Статистика»",
        "organizationId": gid("ClientOrganization", org),
        "kopecks": 20 * 1_000_00 + sum(range(20)),
    }
    assert got["volumeByCustomer"][1]["kopecks"] == 20 * 500_00
    assert got["performers"] >= 20 and got["agencyDocuments"] == 0
    done = {c["status"]: c["count"] for c in got["ordersByStatus"]}
    assert done["DONE"] >= 40
    # Performers, orders, payments, documents: one statement each; names of customers one.
    ours = [q for q in seen if "performer_" in q or "client_organizations" in q]
    assert 4 <= len(ours) <= 6, ours
    # Firm B sees nothing of firm A's; a customer is no staff.
    theirs = login(b, world.drive.admin_b).execute(STATS, window)["performerStatistics"]
    assert theirs["volumeByMonth"] == [] and theirs["volumeByCustomer"] == []
    refused = login(a, world.customer_x).raw(STATS, window)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_former_employer_within_two_years_to_the_day_and_the_customer_sees_its_own(
    db_engine: sa.Engine, login: Any, firms: Any, world: PerformersWorld
) -> None:
    a = firms["a"]
    x = world.drive.org_x
    with db_engine.connect() as conn:
        x_inn = conn.execute(
            sa.text(f"SELECT inn FROM {schema_of(a.slug)}.client_organizations WHERE id = :o"),
            {"o": x},
        ).scalar_one()

    def employed_until(name: str, until: str) -> int:
        person = make_performer(db_engine, a, name)
        add_profile(db_engine, a.slug, person)
        with db_engine.begin() as conn:
            conn.execute(
                sa.text(
                    f"UPDATE {schema_of(a.slug)}.performer_profiles SET former_employers = "
                    "CAST(:e AS jsonb) WHERE person_id = :p"
                ),
                {"e": f'[{{"inn": "{x_inn}", "until": "{until}"}}]', "p": person},
            )
        paid_history(db_engine, a.slug, x, person, [(f"{YEAR - 1}-01-10", 5_000_00)])
        return person

    # Paid on 10 January: a job ended 11 January two years before is within two years, one
    # ended 10 January is not.
    within = employed_until("Недавний", f"{YEAR - 3}-01-11")
    past = employed_until("Давний", f"{YEAR - 3}-01-10")
    # Growing monthly payments from X only: X gives all of the income.
    grows = make_performer(db_engine, a, "Растущий")
    add_profile(db_engine, a.slug, grows)
    paid_history(
        db_engine,
        a.slug,
        x,
        grows,
        [(f"{YEAR - 2}-0{m}-05", m * 10_000_00) for m in (1, 2, 3)],
    )
    seen = login(a, world.customer_x).execute(RISKS, {"o": gid("ClientOrganization", x)})
    got = {(s["kind"], s["performerId"]) for s in seen["performerRiskSignals"]}
    assert ("FORMER_EMPLOYER", gid("Performer", within)) in got
    assert ("FORMER_EMPLOYER", gid("Performer", past)) not in got
    assert ("DOMINANT_CUSTOMER", gid("Performer", grows)) in got
    assert ("FIXED_MONTHLY", gid("Performer", grows)) not in got
    english = next(
        s
        for s in login(a, world.customer_x).execute(
            RISKS, {"o": None}, headers={"accept-language": "en"}
        )["performerRiskSignals"]
        if s["performerId"] == gid("Performer", within)
    )
    assert "two years" in english["message"]
    russian = next(
        s for s in seen["performerRiskSignals"] if s["performerId"] == gid("Performer", within)
    )
    assert "двух лет" in russian["message"]
    # The customer of Y sees none of X's.
    theirs = login(a, world.customer_y).execute(RISKS, {"o": None})["performerRiskSignals"]
    assert not [s for s in theirs if s["organizationId"] == gid("ClientOrganization", x)]


def test_no_agency_documents_for_a_month_with_nothing_paid_or_to_come(
    login: Any, firms: Any, world: PerformersWorld
) -> None:
    admin = login(firms["a"], world.drive.admin_a)
    org = world.drive.org_y
    # A month with nothing paid, and a month to come, give no documents.
    for when, code in (
        (f"{YEAR - 1}-10-01", "NOTHING_PAID"),
        (f"{YEAR + 1}-01-01", "PERIOD_IN_FUTURE"),
    ):
        none = admin.execute(GENERATE, {"o": gid("ClientOrganization", org), "p": when})
        assert none["generatePerformerAgencyDocuments"]["code"] == code
