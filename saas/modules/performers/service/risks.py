"""Risk signals of disguised employment, by the tax service's own criteria (letters of the ФНС
on НПД and labour relations): shown to the firm and the customer, never blocking.

- FORMER_EMPLOYER: a performer paid by a customer whose INN is among their former employers
  with the employment ended less than two years before the payment (422-FZ art. 6 p. 2 pp. 8);
- DOMINANT_CUSTOMER: one customer gives at least 75% of a performer's paid income in each of
  3 or more months in a row;
- FIXED_MONTHLY: one customer pays a performer every month for 3 or more months in a row, the
  amounts within ±5% of their average (a salary's shape).
One statement reads the paid payments the viewer sees; the rest is arithmetic."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.modules.clients.models import ClientOrganization
from saas.modules.performers.models import PAID, Payment, PerformerProfile
from saas.modules.performers.service.scope import Side, customer_scope, require_side

DOMINANT_SHARE = 0.75
RUN_MONTHS = 3
FIXED_SPREAD = 0.05
EMPLOYER_YEARS = 2


@dataclass(frozen=True)
class Signal:
    kind: str
    performer_person_id: int
    organization_id: int
    months: list[str]
    ru: str
    en: str


def _month(day: date) -> int:
    return day.year * 12 + day.month - 1


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _label(index: int) -> str:
    return f"{index // 12}-{index % 12 + 1:02d}"


def _runs(months: list[int]) -> list[list[int]]:
    """Runs of consecutive months at least RUN_MONTHS long."""
    runs: list[list[int]] = []
    current: list[int] = []
    for m in sorted(set(months)):
        if current and m == current[-1] + 1:
            current.append(m)
        else:
            if len(current) >= RUN_MONTHS:
                runs.append(current)
            current = [m]
    if len(current) >= RUN_MONTHS:
        runs.append(current)
    return runs


async def risk_signals(
    session: AsyncSession,
    actor: Actor,
    organization_id: int | None = None,
    performer_person_id: int | None = None,
) -> list[Signal]:
    """Signals of the (performer, organization) pairs the viewer sees. A performer's share is
    counted against all their paid income at the firm (other customers' payments only add to the
    total, their names are never shown), so a customer sees the same share the firm does."""
    require_side(actor, Side.STAFF, Side.CUSTOMER)
    scope = customer_scope(actor, Payment.organization_id)
    visible: ColumnElement[bool] = true() if scope is None else scope
    if organization_id is not None:
        visible = and_(visible, Payment.organization_id == organization_id)
    if performer_person_id is not None:
        visible = and_(visible, Payment.performer_person_id == performer_person_id)
    seen = (
        select(Payment.performer_person_id)
        .where(Payment.status == PAID, Payment.paid_at.is_not(None), visible)
        .scalar_subquery()
    )
    stmt = (
        select(
            Payment.performer_person_id,
            Payment.organization_id,
            Payment.paid_at,
            Payment.amount_kopecks,
            ClientOrganization.inn,
            ClientOrganization.name,
            PerformerProfile.former_employers,
            PerformerProfile.full_name,
            visible.label("visible"),
        )
        .join(ClientOrganization, ClientOrganization.id == Payment.organization_id)
        .join(PerformerProfile, PerformerProfile.person_id == Payment.performer_person_id)
        .where(
            Payment.status == PAID,
            Payment.paid_at.is_not(None),
            Payment.performer_person_id.in_(seen),
        )
    )
    rows: list[Any] = list((await session.execute(stmt)).all())
    signals: list[Signal] = []
    monthly: dict[tuple[int, int], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    names: dict[int, tuple[str, str]] = {}
    flagged: set[tuple[int, int]] = set()
    for person, org, paid_at, amount, inn, org_name, employers, full_name, shown in rows:
        month = _month(paid_at.date())
        totals[person][month] += amount
        if not shown:
            continue
        monthly[(person, org)][month] += amount
        names[person], names[-org] = (full_name, ""), (org_name, inn)
        for employer in employers or []:
            until = date.fromisoformat(employer["until"])
            # Within two years of the job's end: paid before the same date two years later.
            ended = _years_after(until, EMPLOYER_YEARS)
            if employer["inn"] == inn and paid_at.date() < ended and (person, org) not in flagged:
                flagged.add((person, org))
                signals.append(
                    Signal(
                        "FORMER_EMPLOYER",
                        person,
                        org,
                        [_label(month)],
                        f"{full_name} работал(а) в {org_name} до {until:%d.%m.%Y}: выплаты от "
                        "бывшего работодателя в течение двух лет не облагаются НПД.",
                        f"{full_name} worked for {org_name} until {until:%d.%m.%Y}: payments from "
                        "an employer of the last two years cannot be taxed as НПД.",
                    )
                )
    for (person, org), months in sorted(monthly.items()):
        full_name, org_name = names[person][0], names[-org][0]
        dominant = [m for m, v in months.items() if v >= DOMINANT_SHARE * totals[person][m]]
        for run in _runs(dominant):
            signals.append(
                Signal(
                    "DOMINANT_CUSTOMER",
                    person,
                    org,
                    [_label(m) for m in run],
                    f"{org_name} — не меньше 75% дохода {full_name} {len(run)} мес. подряд.",
                    f"{org_name} gave at least 75% of {full_name}'s income {len(run)} months "
                    "in a row.",
                )
            )
        for run in _runs(list(months)):
            amounts = [months[m] for m in run]
            average = sum(amounts) / len(amounts)
            if all(abs(a - average) <= FIXED_SPREAD * average for a in amounts):
                signals.append(
                    Signal(
                        "FIXED_MONTHLY",
                        person,
                        org,
                        [_label(m) for m in run],
                        f"{org_name} платит {full_name} почти одинаковую сумму каждый месяц "
                        f"({len(run)} мес. подряд), как зарплату.",
                        f"{org_name} pays {full_name} nearly the same amount every month "
                        f"({len(run)} months in a row), like a salary.",
                    )
                )
    return signals
