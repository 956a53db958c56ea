"""The status feed's nodes: a page's rows (feed's statement) become Report nodes
with the organization and the documents read with the page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from saas.core.actor import actor_of
from saas.core.ids import filter_pk
from saas.modules.clients.graphql.types import ClientOrganizationType
from saas.modules.reports.graphql.enums import ReportStatus
from saas.modules.reports.graphql.types import ReportDocumentType, ReportType
from saas.modules.reports.loaders import (
    DocumentsByReportLoader,
)
from saas.modules.reports.service.feed import (
    DocumentRecord,
    ReportFilter,
    key_sources,
)
from saas.modules.reports.service.flow import (
    flow_complete,
)
from saas.schema.context import Info
from saas.schema.relay import Keyset


class FeedKeyset(Keyset[ReportType]):
    """The feed's keyset: rows are (report's columns, extra labelled columns: the ATTENTION
    rank, the organization's columns, the documents' JSON); a key column is read from the
    labelled column of its name, else from the report."""

    @functools.cached_property
    def _labelled(self) -> tuple[tuple[bool, str], ...]:
        return key_sources(self.key)

    def values_of(self, item: Any) -> tuple[Any, ...]:
        report = item.report
        return tuple(
            getattr(item, key) if labelled else getattr(report, key)
            for labelled, key in self._labelled
        )


def feed_filter(
    today: date,
    *,
    organization_id: str | None,
    form_code: str | None,
    period_from: date | None,
    period_to: date | None,
    statuses: list[ReportStatus] | None,
    updated_since: datetime | None,
    overdue: bool | None,
) -> ReportFilter:
    """The feed's arguments as the service's filter (the resolver's and the compiled path's)."""
    return ReportFilter(
        # A filter of the firm's own rows: a foreign or malformed id matches nothing.
        organization_id=None
        if organization_id is None
        else filter_pk(organization_id, "ClientOrganization"),
        form_code=form_code,
        period_from=period_from,
        period_to=period_to,
        statuses=[s.value for s in statuses] if statuses else None,
        updated_since=updated_since,
        overdue=overdue,
        today=today,
    )


def selects(selections: Any, name: str) -> bool:
    """`name` is selected anywhere under these selections (fragments included)."""
    for selection in selections or ():
        if getattr(selection, "name", None) == name:
            return True
        if selects(getattr(selection, "selections", None), name):
            return True
    return False


def feed_node(
    info: Info, *, with_organization: bool, with_documents: bool
) -> Callable[[Any], ReportType]:
    """A feed row -> its node, with the organization and the documents read with the page."""
    # The timeline's `documents` (if selected) read the loader: primed from the page too.
    loader = info.context.loader(DocumentsByReportLoader)
    prime = with_documents and selects(info.selected_fields, "timeline")
    staff = actor_of(info.context).staff
    organizations: dict[int, ClientOrganizationType] = {}

    def organization_of(columns: Any) -> ClientOrganizationType | None:
        if columns.id is None:
            return None
        known = organizations.get(columns.id)
        if known is None:
            known = organizations[columns.id] = ClientOrganizationType.of(columns)
        return known

    def node(item: Any) -> ReportType:
        report = ReportType.of(item.report)
        if with_organization:
            report.read_organization = organization_of(item.organization)
        if with_documents:
            records = [DocumentRecord.of(report.id, d) for d in item.documents_json or ()]
            if prime:
                loader.prime(report.id, records)
            downloadable = staff or flow_complete(report.status.value)
            report.read_documents = [ReportDocumentType.of(r, downloadable) for r in records]
        return report

    return node
