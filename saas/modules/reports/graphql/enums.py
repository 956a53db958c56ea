"""Enums of the reports schema and the ids it names."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry import relay

from saas.core.ids import tenant_rows
from saas.modules.reports.catalog import Authority, Periodicity
from saas.modules.reports.service.feed import FeedOrder as ReportOrder
from saas.modules.reports.service.flow import (
    DocumentKind,
    EventKind,
)

strawberry.enum(
    Authority,
    name="ReportAuthority",
    description="Who receives a report: TAX (the tax service office), SOCIAL_FUND, STATISTICS.",
)
strawberry.enum(
    Periodicity,
    name="ReportPeriodicity",
    description="How often a form is filed: "
    "MONTH (period codes 01-12), QUARTER (Q1-Q4), YEAR (Y), EVENT (E).",
)
strawberry.enum(EventKind, name="ReportEventKind", description="A step of a report's timeline.")
strawberry.enum(
    DocumentKind,
    name="ReportDocumentKind",
    description="What a report document is: REPORT_FILE (the filed report), RECEIPT (receipt "
    "of acceptance), NOTICE_OF_INPUT, REJECTION_NOTICE, OTHER.",
)


@strawberry.enum(
    name="ReportStatus",
    description="A report's current status: the kind of its latest event (DRAFT before any event).",
)
class ReportStatus(Enum):
    DRAFT = "draft"
    PREPARED = "prepared"
    SENT = "sent"
    DELIVERED = "delivered"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CLARIFICATION_REQUESTED = "clarification_requested"
    PROCESSING_ERROR = "processing_error"


strawberry.enum(
    ReportOrder,
    name="ReportOrder",
    description="Order of the feed (newest first). ATTENTION: reports needing the firm's "
    "attention (rejected, clarification requested, processing error, or an overdue "
    "follow-up) first, then the rest; each group newest updated first. CLIENT_ATTENTION "
    "(the client's home): reports needing the client (clarification requested, or "
    "rejected with a follow-up still open) first, then the rest; each group newest "
    "updated first.",
)


tenant_rows("Report", "ReportDocument", "ReportImport", "ReportFollowUp")


def organization_gid(pk: int) -> strawberry.ID:
    # str(relay.GlobalID("ClientOrganization", str(pk))), without building the GlobalID.
    return strawberry.ID(relay.to_base64("ClientOrganization", pk))
