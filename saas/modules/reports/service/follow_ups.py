"""Follow-ups by hand: closing one (the fix is done) and reassigning it to another staff member.

A follow-up opens by itself when a rejection or a clarification request is recorded and closes
by itself when an acceptance becomes the current status (timeline.py); between the two the
firm's staff close it (the clarification was answered, the corrected filing went out) or hand
it to a colleague. Closing the last open one ends "being fixed": the report's status change is
then published like any other (`report.status_changed`, with `being_fixed` false), in the same
transaction. Both are audited (`report.follow_up_close`, `report.follow_up_assign`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.audit import audit
from saas.events import publish_in
from saas.modules.reports.models import FollowUp, Report
from saas.modules.reports.service.flow import STATUS_TOPIC, ReportsError
from saas.modules.reports.service.scope import scope_reports
from saas.modules.reports.service.timeline import status_payload
from saas.services import Services

OPEN = "open"
DONE = "done"


def follow_up_not_found() -> ReportsError:
    return ReportsError(
        "not_found",
        "NOT_FOUND",
        "Исправление не найдено или недоступно.",
        "Follow-up not found.",
        "followUpId",
    )


def follow_up_closed() -> ReportsError:
    return ReportsError(
        "conflict",
        "FOLLOW_UP_CLOSED",
        "Это исправление уже закрыто.",
        "This follow-up is already closed.",
        "followUpId",
    )


@dataclass
class FollowUpChange:
    follow_up: FollowUp
    report: Report
    # The outbox rows announcing the report's change (empty when "being fixed" stayed).
    announced: list[int] = field(default_factory=list)


async def open_follow_ups(session: AsyncSession, report_id: int) -> tuple[bool, date | None]:
    """Whether the report has an open follow-up, and the earliest due date of those."""
    count, due = (
        await session.execute(
            select(func.count(), func.min(FollowUp.due_date)).where(
                FollowUp.report_id == report_id, FollowUp.status == OPEN
            )
        )
    ).one()
    return bool(count), due


async def _locked(
    session: AsyncSession, actor: Actor, follow_up_id: int
) -> tuple[FollowUp, Report]:
    """The open follow-up and its report, if the actor is staff seeing the report. The report
    is locked first, as recording an event does (its changes serialize with the events'), then
    the follow-up: a concurrent close is seen, never overwritten."""
    if not actor.staff:
        raise follow_up_not_found()
    of_follow_up = select(FollowUp.report_id).where(FollowUp.id == follow_up_id).scalar_subquery()
    report = (
        await session.execute(
            scope_reports(select(Report).where(Report.id == of_follow_up), actor)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if report is None:
        raise follow_up_not_found()
    follow_up = (
        await session.execute(
            select(FollowUp)
            .where(FollowUp.id == follow_up_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    if follow_up.status != OPEN:
        raise follow_up_closed()
    return follow_up, report


async def close_follow_up(
    session: AsyncSession,
    actor: Actor,
    follow_up_id: int,
    *,
    services: Services,
) -> FollowUpChange:
    """Close an open follow-up of a report the actor sees; when it was the last open one the
    report is no longer "being fixed" and its change goes to the outbox."""
    follow_up, report = await _locked(session, actor, follow_up_id)
    follow_up.status = DONE
    follow_up.closed_at = datetime.now(UTC)
    await session.flush()
    being_fixed, due = await open_follow_ups(session, report.id)
    changed = being_fixed != report.being_fixed
    report.being_fixed, report.follow_up_due = being_fixed, due
    report.updated_at = datetime.now(UTC)
    await session.flush()
    await audit(
        session,
        actor,
        "report.follow_up_close",
        "report",
        report.id,
        follow_up=follow_up.id,
        due=follow_up.due_date.isoformat(),
    )
    result = FollowUpChange(follow_up, report)
    if changed:
        result.announced.append(
            await publish_in(session, services, STATUS_TOPIC, status_payload(report))
        )
    return result


async def reassign_follow_up(
    session: AsyncSession, actor: Actor, follow_up_id: int, manager_person_id: int
) -> FollowUpChange:
    """Give an open follow-up to `manager_person_id` (active staff of the firm, checked by the
    caller's id resolution: the `Staff` kind)."""
    follow_up, report = await _locked(session, actor, follow_up_id)
    before = follow_up.manager_person_id
    follow_up.manager_person_id = manager_person_id
    report.updated_at = datetime.now(UTC)
    await session.flush()
    await audit(
        session,
        actor,
        "report.follow_up_assign",
        "report",
        report.id,
        follow_up=follow_up.id,
        before=before,
        manager=manager_person_id,
    )
    return FollowUpChange(follow_up, report)
