"""The filing flow of a report: event kinds and their stages, statuses, the firm's today.

A report's status is the kind of its latest event (see timeline.py for "latest"); a flow is
complete (clients may download its documents) once accepted or rejected.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
# The tax code gives 5 working days to answer a request; a week of calendar days.
FOLLOW_UP_DAYS = 7
STATUS_TOPIC = "report.status_changed"
# A flow is complete (clients may download its documents) in these statuses.
COMPLETE_STATUSES = frozenset({EventKind.ACCEPTED.value, EventKind.REJECTED.value})
# Statuses the firm must act on: first in the ATTENTION order (with overdue follow-ups).
ATTENTION_STATUSES = (
    EventKind.REJECTED.value,
    EventKind.CLARIFICATION_REQUESTED.value,
    EventKind.PROCESSING_ERROR.value,
)
TIME_ZONE_SETTING = "time_zone"
DEFAULT_TIME_ZONE = "Europe/Moscow"
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
    """Today in the firm's time zone (tenant setting `time_zone`, an IANA name; Moscow when
    unset or unknown: the firms are Russian)."""
    name = (getattr(tenant, "settings", None) or {}).get(TIME_ZONE_SETTING) or DEFAULT_TIME_ZONE
    try:
        zone = ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(DEFAULT_TIME_ZONE)
    return datetime.now(zone).date()


def flow_complete(status: str) -> bool:
    return status in COMPLETE_STATUSES
