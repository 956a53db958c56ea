"""Inputs of the reports' mutations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from saas.modules.reports.graphql.enums import DocumentKind, EventKind


@strawberry.input(description="A new report.")
class CreateReportInput:
    organization_id: strawberry.ID
    form_code: str = strawberry.field(description="A code from `reportForms`, e.g. vat, 6ndfl.")
    period_year: int
    period_code: str = strawberry.field(description="01-12, Q1-Q4, Y or E, by the form.")
    authority_code: str
    correction: int = 0
    responsible_manager_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the organization's responsible manager."
    )


@strawberry.input(name="ReportDocumentInput", description="A file attached to a report event.")
class ReportDocumentInput:
    kind: DocumentKind
    filename: str = strawberry.field(description="The file name shown to users.")
    content_base64: str = strawberry.field(description="The bytes, base64-encoded.")


@strawberry.input(description="An event of a report's timeline, as the integrator saw it.")
class RecordReportEventInput:
    report_id: strawberry.ID
    external_id: str = strawberry.field(
        description="Your id of this event: sending it again changes nothing."
    )
    kind: EventKind
    occurred_at: datetime = strawberry.field(description="When it happened, with an offset.")
    text: str = ""
    reason_code: str | None = None
    documents: list[ReportDocumentInput] | None = strawberry.field(
        default=None,
        description="Files of this event (at most 10, each within the firm's upload limit; "
        "executables are refused). A replay must carry the same files (same SHA-256, kind "
        "and name), else it is a conflict.",
    )
