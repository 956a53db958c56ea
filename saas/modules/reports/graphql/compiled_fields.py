"""The JSON of a report as the executor answers it, built by PostgreSQL: what the compiled
feed (`compiled`) and the compiled report page (`compiled_report`) put in their statements.

`ReportJson` turns a selection on `Report` (and below it `organization`, `documents`,
`timeline`, `form`) into SQL expressions over the report's row, as `types.ReportType` and the
executor would serialize it: Relay ids, ISO times, enum names, `downloadable` as
`types.may_download` decides (staff always, a client user once the flow is complete).
A field it does not know, or one carrying a guard (`guarded`), raises `Unsupported`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import sqlalchemy as sa
from graphql import FieldNode, GraphQLEnumType, GraphQLObjectType, get_named_type
from sqlalchemy.dialects.postgresql import JSON, aggregate_order_by
from strawberry.permission import PermissionExtension
from strawberry.relay.fields import ConnectionExtension

from saas.modules.clients.models import ClientOrganization as OrganizationRow
from saas.modules.reports.catalog import report_forms
from saas.modules.reports.models import Report as ReportRow
from saas.modules.reports.models import ReportDocument as DocumentRow
from saas.modules.reports.models import ReportEvent as EventRow
from saas.modules.reports.policy import ReportsReadable
from saas.modules.reports.service.flow import COMPLETE_STATUSES
from saas.schema.compiled import (
    Lookup,
    RootField,
    Unsupported,
    enum_name,
    fields_of,
    global_id,
    guarded,
    iso_date,
    iso_datetime,
    json_object,
    object_type,
)

EMPTY_LIST: Any = sa.literal_column("'[]'::json")

# GraphQL field -> column, per type; the value is shaped by the field's GraphQL type
# (`_leaf`). Fields outside these tables (and the computed ones below) are Unsupported.
REPORT_COLUMNS: dict[str, Any] = {
    "formCode": ReportRow.form_code,
    "periodYear": ReportRow.period_year,
    "periodCode": ReportRow.period_code,
    "periodStart": ReportRow.period_start,
    "authorityCode": ReportRow.authority_code,
    "correction": ReportRow.correction,
    "status": ReportRow.status,
    "statusAt": ReportRow.status_at,
    "beingFixed": ReportRow.being_fixed,
    "followUpDue": ReportRow.follow_up_due,
    "documentCount": sa.func.coalesce(ReportRow.document_count, 0),
    "updatedAt": ReportRow.updated_at,
}
ORGANIZATION_COLUMNS: dict[str, Any] = {
    "name": OrganizationRow.name,
    "legalForm": OrganizationRow.legal_form,
    "inn": OrganizationRow.inn,
    "kpp": OrganizationRow.kpp,
    "ogrn": OrganizationRow.ogrn,
    "taxRegime": OrganizationRow.tax_regime,
    "status": OrganizationRow.status,
    "hasEmployees": OrganizationRow.has_employees,
    "createdAt": OrganizationRow.created_at,
    "updatedAt": OrganizationRow.updated_at,
    "archivedAt": OrganizationRow.archived_at,
}
DOCUMENT_COLUMNS: dict[str, Any] = {
    "kind": DocumentRow.kind,
    "name": DocumentRow.name,
    "size": DocumentRow.size,
    "contentType": DocumentRow.content_type,
    "createdAt": DocumentRow.created_at,
}

EVENT_COLUMNS: dict[str, Any] = {
    "externalId": EventRow.external_id,
    "kind": EventRow.kind,
    "occurredAt": EventRow.occurred_at,
    "text": EventRow.text,
    "reasonCode": EventRow.reason_code,
    "recordedAt": EventRow.recorded_at,
}


def _leaf(column: Any, field_type: Any) -> Any:
    """A column as the executor serializes the field's type."""
    named = get_named_type(field_type)
    if isinstance(named, GraphQLEnumType):
        return enum_name(column, named)
    if named.name == "DateTime":
        return iso_datetime(column)
    if named.name == "Date":
        return iso_date(column)
    if named.name in ("String", "Int", "Boolean", "ID"):
        return column
    raise Unsupported(named.name)


class ReportJson:
    """Builds the JSON expressions of one selection; remembers what the page must join."""

    def __init__(self, root: RootField, staff: bool, today: Any):
        self.schema = root.schema
        self.fragments = root.fragments
        self.variables = root.variables
        self.staff = staff
        self.today = today
        self.joins_organization = False

    def _object(
        self,
        type_name: str,
        node: FieldNode,
        value_of: Callable[[str, FieldNode, Any], Any],
        lookup: Lookup | None = None,
    ) -> Any:
        """json_build_object of a selection on `type_name` (or on a union through a `lookup`
        that found one); `value_of(name, field, definition)` gives each field's SQL (or raises
        Unsupported)."""
        gql_type: GraphQLObjectType = object_type(self.schema, type_name)
        pairs: list[tuple[str, Any]] = []
        selected = fields_of(
            node.selection_set, type_name, self.fragments, self.variables, lookup=lookup
        )
        for key, field in selected:
            name = field.name.value
            if name == "__typename":
                pairs.append((key, sa.literal_column(f"'{type_name}'")))
                continue
            definition = gql_type.fields.get(name)
            if definition is None or guarded(definition):
                raise Unsupported(name)
            pairs.append((key, value_of(name, field, definition)))
        return json_object(pairs)

    def report(self, node: FieldNode, lookup: Lookup | None = None) -> Any:
        """A selection on `Report`, or on `ReportLookup` for a report found (`lookup`)."""

        def value(name: str, field: FieldNode, definition: Any) -> Any:
            if name == "id":
                return global_id("Report", ReportRow.id)
            if name == "organizationId":  # a global id (`organization_gid`), not the number
                return global_id("ClientOrganization", ReportRow.organization_id)
            if name in REPORT_COLUMNS:
                return _leaf(REPORT_COLUMNS[name], definition.type)
            if name == "flowComplete":
                return ReportRow.status.in_(sorted(COMPLETE_STATUSES))
            if name == "overdue":
                # types.ReportType.overdue: an open follow-up due before the firm's today.
                return sa.func.coalesce(ReportRow.follow_up_due < self.today, sa.false())
            if name == "organization":
                return self.organization(field)
            if name == "documents":
                return self.documents(field)
            if name == "timeline":
                return self.timeline(field)
            if name == "form":
                return self.form(field)
            raise Unsupported(name)

        return self._object("Report", node, value, lookup)

    def organization(self, node: FieldNode) -> Any:
        self.joins_organization = True

        def value(name: str, field: FieldNode, definition: Any) -> Any:
            if name == "id":
                return global_id("ClientOrganization", OrganizationRow.id)
            if name in ORGANIZATION_COLUMNS:
                return _leaf(ORGANIZATION_COLUMNS[name], definition.type)
            raise Unsupported(name)

        built = self._object("ClientOrganization", node, value)
        # Not visible to the viewer (the join's scope): null, as the loader's None.
        return sa.case((OrganizationRow.id.is_(None), sa.null()), else_=built)

    def _document(self, node: FieldNode) -> Any:
        """A document's JSON (`types.ReportDocumentType`) for the row of `DocumentRow`."""
        downloadable = sa.true() if self.staff else ReportRow.status.in_(sorted(COMPLETE_STATUSES))

        def value(name: str, field: FieldNode, definition: Any) -> Any:
            if name == "id":
                return global_id("ReportDocument", DocumentRow.id)
            if name in DOCUMENT_COLUMNS:
                return _leaf(DOCUMENT_COLUMNS[name], definition.type)
            if name == "downloadable":
                return downloadable
            raise Unsupported(name)

        return self._object("ReportDocument", node, value)

    def documents(self, node: FieldNode) -> Any:
        """The report's documents in recording order (`DocumentsByReportLoader`)."""
        listed = _json_list(
            self._document(node), DocumentRow, DocumentRow.report_id == ReportRow.id, DocumentRow.id
        )
        # As the feed's statement: documents only of rows that count some.
        return sa.case((ReportRow.document_count > 0, listed), else_=EMPTY_LIST)

    def timeline(self, node: FieldNode) -> Any:
        """The report's events, oldest first (`EventsByReportLoader`), each with its own
        documents in recording order (`ReportEventType.documents`)."""

        def value(name: str, field: FieldNode, definition: Any) -> Any:
            if name == "id":
                return global_id("ReportEvent", EventRow.id)
            if name in EVENT_COLUMNS:
                return _leaf(EVENT_COLUMNS[name], definition.type)
            if name == "documents":
                return _json_list(
                    self._document(field),
                    DocumentRow,
                    DocumentRow.event_id == EventRow.id,
                    DocumentRow.id,
                )
            raise Unsupported(name)

        item = self._object("ReportEvent", node, value)
        return _json_list(
            item, EventRow, EventRow.report_id == ReportRow.id, EventRow.occurred_at, EventRow.id
        )

    def form(self, node: FieldNode) -> Any:
        """The catalog entry (`form_of`) from a JSON object of the selected fields per form
        code, computed here and sent as one parameter."""
        gql_type = object_type(self.schema, "ReportForm")
        attributes = {
            "code": "code",
            "nameRu": "ru",
            "nameEn": "en",
            "authority": "authority",
            "periodicity": "periodicity",
        }
        selected = fields_of(node.selection_set, "ReportForm", self.fragments, self.variables)
        catalog: dict[str, dict[str, Any]] = {}
        for code, form in report_forms().items():
            entry: dict[str, Any] = {}
            for key, field in selected:
                name = field.name.value
                if name == "__typename":
                    entry[key] = "ReportForm"
                    continue
                if name not in attributes or guarded(gql_type.fields[name]):
                    raise Unsupported(name)
                raw = getattr(form, attributes[name])
                named = get_named_type(gql_type.fields[name].type)
                if isinstance(named, GraphQLEnumType):
                    raw = next(n for n, v in named.values.items() if v.value == raw)
                entry[key] = raw
            catalog[code] = entry
        forms = sa.cast(sa.literal(orjson.dumps(catalog).decode(), sa.Text), JSON)
        return sa.func.json_extract_path(forms, ReportRow.form_code)


def _json_list(item: Any, rows: Any, where: Any, *order: Any) -> Any:
    """json_agg of `item` over the rows of `rows` (a model) `where` selects, in `order`; []
    for none. Every other table is the enclosing statement's (a report's documents read by
    an event of the timeline still name the page's report, not a report of their own)."""
    listed = (
        sa.select(sa.func.json_agg(aggregate_order_by(item, *order)))
        .where(where)
        .correlate_except(rows)
    )
    return sa.func.coalesce(listed.scalar_subquery(), EMPTY_LIST)


class _Info:
    """What a permission class reads of `info` (its context)."""

    def __init__(self, context: Any):
        self.context = context


async def may_read_reports(ctx: Any, root: RootField) -> bool:
    """The root field's guard asked as the field would: `reads_reports` (`ReportsReadable`)
    on `reports` and `report`. A root field guarded by anything else (a guard added later)
    is Unsupported: the compiler cannot tell it was checked."""
    field = (root.definition.extensions or {}).get("strawberry-definition")
    for extension in getattr(field, "extensions", None) or ():
        if isinstance(extension, PermissionExtension):
            if [type(p) for p in extension.permissions] != [ReportsReadable]:
                raise Unsupported("a guard the compiler does not know")
        elif not isinstance(extension, ConnectionExtension):
            raise Unsupported("a field extension the compiler does not know")
    return bool(await ReportsReadable().has_permission(None, _Info(ctx)))
