"""The filing flow of a report: event kinds and their stages, statuses, the firm's today.

A report's status is the kind of its latest event (see timeline.py for "latest"); a flow is
complete (clients may download its documents) once accepted or rejected.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from saas.core.calendar.firm import calendar_of
from saas.schema.errors import LocalizedError


class EventKind(StrEnum):
    PREPARED = "prepared"
    SENT = "sent"
    DELIVERED = "delivered"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CLARIFICATION_REQUESTED = "clarification_requested"
    PROCESSING_ERROR = "processing_error"


DRAFT = "draft"
STAGE_RANK: dict[str, int] = {
    EventKind.PREPARED: 0,
    EventKind.SENT: 1,
    EventKind.DELIVERED: 2,
    EventKind.PROCESSING_ERROR: 3,
    EventKind.CLARIFICATION_REQUESTED: 3,
    EventKind.ACCEPTED: 4,
    EventKind.REJECTED: 4,
}
OPENS_FOLLOW_UP = frozenset({EventKind.REJECTED, EventKind.CLARIFICATION_REQUESTED})
# The Tax Code gives 5 working days to answer a request (art. 88 p. 3): a follow-up is due on
# the 5th business day of the firm's calendar after the event's date in its time zone.
FOLLOW_UP_BUSINESS_DAYS = 5
STATUS_TOPIC = "report.status_changed"
# A flow is complete (clients may download its documents) in these statuses.
COMPLETE_STATUSES = frozenset({EventKind.ACCEPTED.value, EventKind.REJECTED.value})
# Statuses the firm must act on: first in the ATTENTION order (with overdue follow-ups).
ATTENTION_STATUSES = (
    EventKind.REJECTED.value,
    EventKind.CLARIFICATION_REQUESTED.value,
    EventKind.PROCESSING_ERROR.value,
)
MAX_EVENT_DOCUMENTS = 10


class DocumentKind(StrEnum):
    REPORT_FILE = "report_file"
    RECEIPT = "receipt"
    NOTICE_OF_INPUT = "notice_of_input"
    REJECTION_NOTICE = "rejection_notice"
    OTHER = "other"


class ReportsError(LocalizedError):
    """An expected refusal of the reports module."""


def report_not_found() -> ReportsError:
    return ReportsError(
        "not_found", "NOT_FOUND", "Отчёт не найден или недоступен.", "Report not found."
    )


def invalid(code: str, ru: str, en: str, field: str) -> ReportsError:
    return ReportsError("validation", code, ru, en, field)


def today_of(tenant: Any) -> date:
    """Today in the firm's time zone (its calendar: `saas.core.calendar.firm`)."""
    return calendar_of(tenant).today()


def flow_complete(status: str) -> bool:
    return status in COMPLETE_STATUSES
