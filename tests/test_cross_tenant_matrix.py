"""The cross-tenant matrix, generated from the schema.

Firm B's actors (admin, manager, client user, integrator token, anonymous) call every query
and mutation of the schema with firm A's ids in every id-typed argument (found by walking the
schema, through input types, recursively), and with person ids of firm A's people, of B's
own client user and of B's pending invitee wherever a person is named. Other required
arguments carry B's own valid ids and values, so the argument under test is what decides.
After each call, the state of both firms is compared with the state before it (a digest of
every table of both tenant schemas and of each firm's shared rows): firm A never changes, a
refused call changes nothing in B either, and a mutation naming something through a foreign
id must be refused. No answer is a 5xx or INTERNAL, and none carries a marker of firm A
(its name, an organization's name and INN, the contact's, invitee's, admin's and manager's
e-mails, a token's and a role's names).

Ids are disjoint: firm A's tenant sequences start at 10^12, so "A's id" never names one of
B's own rows by coincidence; person, membership, invitation and token ids are global.

A guard fails when the schema has an id-typed argument the matrix has no value source for.
The sweep prints its attempt count and requires at least MIN_ATTEMPTS.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
    parse,
    validate,
)
from graphql.pyutils import Undefined
from websockets.asyncio.client import connect

from saas.auth.tokens import SESSION_COOKIE
from saas.schema.limits import check_limits
from saas.schema.root import build_schema
from saas.settings import Settings
from saas.tenants.provisioning import provision_tenant, schema_for
from tests.support.auth import PASSWORD, create_person, login
from tests.support.client import GraphQLClient, refused_outright
from tests.support.firms import firm_today
from tests.support.ids import gid, pk
from tests.support.live import hub_listening
from tests.support.mail import last_message_to, link_in

MIN_ATTEMPTS = 5_000

SECRET_FIRM = "Matrix Alpha Secret Firm"
SECRET_ORG = "Тайная Альфа Q7Z"
SECRET_INN = "7736050003"
SECRET_CONTACT = "alpha-contact-q7z@matrix.test"
SECRET_INVITEE = "alpha-invitee-q7z@matrix.test"
SECRET_TOKEN = "alpha-token-q7z"
SECRET_ROLE = "alpha_only_q7z"
SECRET_ADMIN = "matrix-admin-a-q7z@matrix.test"
SECRET_MANAGER = "matrix-manager-a-q7z@matrix.test"
SECRET_MANAGER_NAME = "Менеджер Альфы Q7Z"
SECRET_DEVICE = "AlphaBrowser-q7z/1.0"  # the user agent of A's admin's session
SECRET_DAY_OFF = "Выходной Альфы Q7Z"  # the note of A's own day off (a plain Tuesday)
DAY_OFF = "2027-03-16"
MARKERS = (
    SECRET_FIRM,
    SECRET_ORG,
    SECRET_INN,
    SECRET_CONTACT,
    SECRET_INVITEE,
    SECRET_TOKEN,
    SECRET_ROLE,
    SECRET_ADMIN,
    SECRET_MANAGER,
    SECRET_MANAGER_NAME,
    SECRET_DEVICE,
    SECRET_DAY_OFF,
)
A_SEQUENCE_START = 10**12


def body_text(response: Any) -> str:
    """The response as text with non-ASCII unescaped, so Cyrillic markers can be found."""
    try:
        return json.dumps(response.json(), ensure_ascii=False)
    except ValueError:
        return response.content.decode(errors="replace")


# ------------------------------------------------------------------ the schema's id arguments

# What an id argument names, by its name; `id`/`ids` by the field they belong to.
ARGUMENT_TYPES = {
    "noticeId": "ChatNotice",
    "organizationId": "ClientOrganization",
    "responsibleManagerId": "Person",
    "moderatorIds": "Person",
    "personId": "Person",
    "contactId": "ClientContact",
    "membershipId": "Member",
    "reportId": "Report",
    "documentId": "ReportDocument",
    "folderId": "DriveFolder",
    "parentId": "DriveFolder",
    "uploadId": "DriveUpload",
    "fileId": "DriveFile",
    "versionId": "DriveFileVersion",
    "endpointId": "WebhookEndpoint",
    "deliveryId": "WebhookDelivery",
    "apiTokenId": "ApiToken",
    "followUpId": "ReportFollowUp",
    "managerId": "Person",
    "conversationId": "ChatConversation",
    "messageId": "ChatMessage",
    "upToMessageId": "ChatMessage",
    "assigneeId": "Person",
    "fileIds": "DriveFile",
    "templateId": "ServiceCatalogTemplate",
    "serviceId": "CatalogService",
    "afterServiceId": "CatalogService",
    "departmentId": "Department",
    "headId": "Person",
    "responsiblePersonId": "Person",
    "performerId": "Person",
    "departmentIds": "Department",
    "mainDepartmentId": "Department",
    "taskId": "OnboardingTask",
    "addressedPerformerId": "Performer",
    # `argument@field`: where one field's argument names another type than the name says.
    "performerId@performerOrderConversation": "Performer",
    "itemId": "PortfolioItem",
    "orderId": "PerformerOrder",
    "responseId": "PerformerResponse",
    "contractId": "PerformerContract",
    "actId": "PerformerAct",
    "registryId": "PaymentRegistry",
    "receiptId": "PerformerReceipt",
    "forPerformerId": "Performer",
}
FIELD_ID_TYPES = {
    "chatNotice": "ChatNotice",
    "chatNoticeProofExport": "ChatNoticeProofExport",
    "node": "*",
    "nodes": "*",
    "clientOrganization": "ClientOrganization",
    "updateClientOrganization": "ClientOrganization",
    "archiveClientOrganization": "ClientOrganization",
    "restoreClientOrganization": "ClientOrganization",
    "setClientOrganizationManagers": "ClientOrganization",
    "report": "Report",
    "reportImport": "ReportImport",
    "driveFolder": "DriveFolder",
    "driveAccessExport": "DriveAccessExport",
    "auditLogExport": "AuditLogExport",
    "revokeInvitation": "Invitation",
    "revokeApiToken": "ApiToken",
    "endSession": "ActiveSession",
    "updateWebhookEndpoint": "WebhookEndpoint",
    "deleteWebhookEndpoint": "WebhookEndpoint",
    "markNotificationsRead": "Notification",
    "updateCalendarExchangeDate": "CalendarExchangeDate",
    "deleteCalendarExchangeDate": "CalendarExchangeDate",
    "saveDepartment": "Department",
    "serviceRequest": "ServiceRequest",
    "editServiceRequest": "ServiceRequest",
    "reviewServiceRequest": "ServiceRequest",
    "acceptServiceRequest": "ServiceRequest",
    "rejectServiceRequest": "ServiceRequest",
    "tickServiceRequestChecklist": "ServiceRequest",
    "completeServiceRequest": "ServiceRequest",
    "commentServiceRequest": "ServiceRequest",
    "attachServiceRequestFiles": "ServiceRequest",
    "askServiceRequestClient": "ServiceRequest",
    "startServiceRequestTimer": "ServiceRequest",
    "stopServiceRequestTimer": "ServiceRequest",
    "recordServiceRequestTime": "ServiceRequest",
    "setServiceRequestQuantity": "ServiceRequest",
    "performerOrder": "PerformerOrder",
    "performerContract": "PerformerContract",
    "paymentRegistry": "PaymentRegistry",
}
# Arguments that filter a list of the caller's own rows: a foreign id there matches nothing
# (an accepted, empty answer); every other id argument names an object to read or act on.
FILTERS = {
    "responsibleManagerId@clientOrganizations",
    "organizationId@chatMarks",
    "organizationId@chatNotices",
    "organizationId@reports",
    "filter",
    "organizationId@chatConversations",
    "responsibleManagerId@chatConversations",
    "assigneeId@chatConversations",
    "organizationId@chatSearch",
    "conversationId@chatMessages",
    "organizationId@serviceRequests",
    "departmentId@serviceRequests",
    "departmentId@serviceRequestBoard",
    "performerId@serviceRequestBoard",
    "organizationId@serviceRequestsConnection",
    "departmentId@serviceRequestsConnection",
    "departmentId@serviceRequestBoardConnection",
    "performerId@serviceRequestBoardConnection",
    "organizationId@performerOrders",
    "organizationId@performerContracts",
    "organizationId@paymentRegistries",
    "organizationId@performerReceipts",
    "organizationId@performerRiskSignals",
    "organizationId@performerAgencyDocuments",
    "forPerformerId@performerRiskSignals",
}


@dataclass(frozen=True)
class IdArgument:
    root: str  # query | mutation | subscription
    field: str
    path: tuple[str, ...]  # ("input", "reportId") or ("id",)
    type_name: str | None  # what it names; None: no value source (the guard fails)
    is_list: bool

    @property
    def name(self) -> str:
        return f"{self.field}({'.'.join(self.path)})"

    @property
    def is_filter(self) -> bool:
        return self.path[0] == "filter" or f"{self.path[-1]}@{self.field}" in FILTERS


def _is_id(t: Any) -> bool:
    return get_named_type(t).name in ("ID", "GlobalID")


def _is_list(t: Any) -> bool:
    while isinstance(t, GraphQLNonNull):
        t = t.of_type
    return isinstance(t, GraphQLList)


def id_arguments(schema: GraphQLSchema) -> list[IdArgument]:
    out = []

    def walk(root: str, field: str, t: Any, path: tuple[str, ...], seen: frozenset[str]) -> None:
        named = get_named_type(t)
        if _is_id(t):
            last = path[-1]
            kind = ARGUMENT_TYPES.get(f"{last}@{field}", ARGUMENT_TYPES.get(last))
            if kind is None and last in ("id", "ids"):
                kind = FIELD_ID_TYPES.get(field)
            out.append(IdArgument(root, field, path, kind, _is_list(t)))
        elif isinstance(named, GraphQLInputObjectType) and named.name not in seen:
            for name, f in named.fields.items():
                walk(root, field, f.type, (*path, name), seen | {named.name})

    for root, obj in _roots(schema):
        for fname, f in obj.fields.items():
            for aname, arg in f.args.items():
                walk(root, fname, arg.type, (aname,), frozenset())
    return out


def _roots(schema: GraphQLSchema) -> Iterator[tuple[str, GraphQLObjectType]]:
    for root, obj in (
        ("query", schema.query_type),
        ("mutation", schema.mutation_type),
        ("subscription", schema.subscription_type),
    ):
        if obj is not None:
            yield root, obj


SCHEMA = build_schema()._schema
LIMITS = Settings().limits
ERROR_TYPES = {t.name for t in SCHEMA.get_possible_types(SCHEMA.type_map["Error"])}  # type: ignore[arg-type]
NODE_TYPES = [t.name for t in SCHEMA.get_possible_types(SCHEMA.type_map["Node"])]  # type: ignore[arg-type]


def test_every_id_argument_of_the_schema_has_a_value_source() -> None:
    arguments = id_arguments(SCHEMA)
    missing = [a.name for a in arguments if a.type_name is None]
    assert not missing, f"tell the matrix what these id arguments name: {missing}"
    # The walk reaches inside input types (the arguments the old matrix never filled).
    names = {a.name for a in arguments}
    assert {"createReport(input.responsibleManagerId)", "reportStatusChanged(organizationId)"} <= (
        names
    )
    assert len(arguments) >= 51, len(arguments)


# --------------------------------------------------------------------- selections and values

SCALAR_SAMPLES: dict[str, Any] = {
    "String": "matrix-probe",
    "Int": 1,
    "Float": 5.0,
    "Boolean": False,
    "DateTime": "2026-01-01T00:00:00+00:00",
    "Date": "2026-01-01",
    "JSON": {},
}


def selection(t: Any, depth: int = 4, clashing: dict[str, str] | None = None) -> str:
    """Every field a client could read, `depth` levels down (fields with required arguments
    skipped, lists paged by 2), with inline fragments on unions and interfaces."""
    named = get_named_type(t)
    if isinstance(named, GraphQLScalarType | GraphQLEnumType):
        return ""
    if isinstance(named, GraphQLUnionType | GraphQLInterfaceType):
        if depth <= 0:
            return "{ __typename }"
        members = SCHEMA.get_possible_types(named)
        # Fields of one name but different types in two members may not share a response
        # name: those of the name's most common type keep it, the others are aliased by
        # member (few aliases: the document stays under the alias limit).
        types: dict[str, list[str]] = {}
        for member in members:
            for name, f in member.fields.items():
                types.setdefault(name, []).append(str(f.type))
        clashing = {
            name: max(sorted(set(found)), key=found.count)
            for name, found in types.items()
            if len(set(found)) > 1
        }
        parts = [f"... on {p.name} {selection(p, depth, clashing)}" for p in members]
        return "{ __typename " + " ".join(parts) + " }"
    assert isinstance(named, GraphQLObjectType), named
    parts = ["__typename"]
    for name, f in named.fields.items():
        if any(
            isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined
            for a in f.args.values()
        ):
            continue
        inner = get_named_type(f.type)
        clash = (clashing or {}).get(name)
        alias = f"{named.name}_{name}: " if clash not in (None, str(f.type)) else ""
        if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
            parts.append(f"{alias}{name}")
        elif depth > 1:
            args = "(first: 2)" if "first" in f.args else ""
            parts.append(f"{alias}{name}{args} {selection(f.type, depth - 1)}")
    return "{ " + " ".join(parts) + " }"


def sample(t: Any, own: dict[str, Any]) -> Any:
    """A valid value of a non-id input type (own: B's ids for id fields inside inputs)."""
    if isinstance(t, GraphQLNonNull):
        return sample(t.of_type, own)
    if isinstance(t, GraphQLList):
        return [sample(t.of_type, own)]
    if _is_id(t):
        return None
    if isinstance(t, GraphQLEnumType):
        return next(iter(t.values))
    if isinstance(t, GraphQLInputObjectType):
        return {
            name: sample(f.type, own)
            for name, f in t.fields.items()
            if isinstance(f.type, GraphQLNonNull) and f.default_value is None
        }
    return SCALAR_SAMPLES[t.name]


def type_text(t: Any) -> str:
    if isinstance(t, GraphQLNonNull):
        return type_text(t.of_type) + "!"
    if isinstance(t, GraphQLList):
        return f"[{type_text(t.of_type)}]"
    return str(t.name)


# ----------------------------------------------------------------------------------- worlds


@dataclass
class World:
    """One firm's objects, made through the API by its admin: ids by type."""

    host: str
    admin: GraphQLClient
    admin_email: str
    ids: dict[str, list[str]] = field(default_factory=dict)
    invitation_token: str = ""
    contact_invitation_token: str = ""
    role: str = ""
    firm_slug: str = ""

    def first(self, type_name: str) -> str:
        return self.ids[type_name][0]

    def all_ids(self) -> list[str]:
        return [i for values in self.ids.values() for i in values]


def _ok(result: dict[str, Any], typename: str) -> dict[str, Any]:
    assert result.get("__typename") == typename, result
    return result


def build_world(  # noqa: PLR0915 - the world every cross-tenant case uses, in one place
    c: GraphQLClient,
    settings: Any,
    *,
    host: str,
    slug: str,
    admin_email: str,
    manager_id: int,
    names: dict[str, str],
) -> World:
    """The same objects in either firm: an organization with a contact and its drive, a file
    with a version, a subfolder, an upload, an access entry and its export, a report with a
    document, an import, a webhook with a delivery, a notification, a role, a pending staff
    invitation and an API token."""
    w = World(host=host, admin=c, admin_email=admin_email, role=names["role"], firm_slug=slug)
    ids = w.ids
    err = "... on Error { code message }"
    org = c.execute(
        "mutation($i: CreateClientOrganizationInput!) { createClientOrganization(input: $i) "
        "{ __typename ... on ClientOrganization { id } " + err + " } }",
        {
            "i": {
                "name": names["org"],
                "legalForm": "OOO",
                "inn": names["inn"],
                "kpp": "773601001",
                "ogrn": names["ogrn"],
                "taxRegime": "OSNO",
                "responsibleManagerId": gid("Person", manager_id),
                "moderatorIds": [gid("Person", manager_id)],
            }
        },
    )["createClientOrganization"]
    ids["ClientOrganization"] = [_ok(org, "ClientOrganization")["id"]]
    o = org["id"]
    exchange = c.execute(
        "mutation($o: ID!, $i: CalendarExchangeDateInput!) { createCalendarExchangeDate("
        "organizationId: $o, input: $i) { __typename ... on CalendarExchangeDate { id } "
        + err
        + " } }",
        {
            "o": o,
            "i": {"date": (firm_today() + timedelta(days=1)).isoformat(), "title": names["org"]},
        },
    )["createCalendarExchangeDate"]
    ids["CalendarExchangeDate"] = [_ok(exchange, "CalendarExchangeDate")["id"]]
    contact = c.execute(
        "mutation($o: ID!, $e: String!) { inviteContact(organizationId: $o, email: $e, "
        "grants: [REPORTS, DOCUMENTS, UPLOAD], isClientAdmin: false) { __typename "
        "... on ClientContact { id person { id } } " + err + " } }",
        {"o": o, "e": names["contact"]},
    )["inviteContact"]
    ids["ClientContact"] = [_ok(contact, "ClientContact")["id"]]
    ids["Person"] = [contact["person"]["id"], gid("Person", manager_id)]
    w.contact_invitation_token = link_in(
        last_message_to(settings, names["contact"]), "/invite"
    ).split("token=")[1]
    invite = c.execute(
        'mutation($e: String!) { inviteStaff(email: $e, roles: ["manager"]) { __typename '
        "... on InvitationSent { invitation { id } } " + err + " } }",
        {"e": names["invitee"]},
    )["inviteStaff"]
    ids["Invitation"] = [_ok(invite, "InvitationSent")["invitation"]["id"]]
    w.invitation_token = link_in(last_message_to(settings, names["invitee"]), "/invite").split(
        "token="
    )[1]
    token = c.execute(
        'mutation($n: String!) { createApiToken(name: $n, role: "integrator", expiresInDays: 30) '
        "{ __typename ... on ApiTokenCreated { apiToken { id } } " + err + " } }",
        {"n": names["token"]},
    )["createApiToken"]
    ids["ApiToken"] = [_ok(token, "ApiTokenCreated")["apiToken"]["id"]]
    role = c.execute(
        'mutation($n: String!) { createRole(name: $n, permissions: [{object: "clients", '
        'action: "read"}]) { __typename ' + err + " } }",
        {"n": names["role"]},
    )["createRole"]
    assert "code" not in role, role
    members = c.execute("{ members(first: 50) { edges { node { id email } } } }")["members"]
    ids["Member"] = [e["node"]["id"] for e in members["edges"]]
    ids["Viewer"] = [gid("Viewer", pk(m)) for m in ids["Member"][:0]]  # filled below
    sessions = c.execute("{ activeSessions { id } }")["activeSessions"]
    ids["ActiveSession"] = [s["id"] for s in sessions]
    viewer = c.execute("{ viewer { id } }")["viewer"]
    ids["Viewer"] = [viewer["id"]]
    ids["Firm"] = [c.execute("{ currentFirm { id } }")["currentFirm"]["id"]]
    drive = c.execute(
        "query($o: ID!) { drive(organizationId: $o) { ... on Drive { folders { id systemKind } } "
        "} }",
        {"o": o},
    )["drive"]
    folder = next(f["id"] for f in drive["folders"] if f["systemKind"] == "FOR_CLIENT")
    sub = c.execute(
        'mutation($f: ID!) { createDriveFolder(parentId: $f, name: "sub") { __typename '
        "... on DriveFolder { id } " + err + " } }",
        {"f": folder},
    )["createDriveFolder"]
    ids["DriveFolder"] = [folder, _ok(sub, "DriveFolder")["id"]]
    file = c.execute(
        "mutation($f: ID!, $n: String!) { uploadFile(folderId: $f, filename: $n, "
        'contentBase64: "c2VjcmV0") { __typename ... on DriveFile { id versions { id } } '
        + err
        + " } }",
        {"f": folder, "n": f"{names['org']}.txt"},
    )["uploadFile"]
    ids["DriveFile"] = [_ok(file, "DriveFile")["id"]]
    ids["DriveFileVersion"] = [file["versions"][0]["id"]]
    ticket = c.execute(
        'mutation($f: ID!) { startUpload(folderId: $f, filename: "big.bin", size: 5, '
        'sha256: "' + "0" * 64 + '") { __typename ... on UploadTicket { uploadId } ' + err + " } }",
        {"f": folder},
    )["startUpload"]
    ids["DriveUpload"] = [_ok(ticket, "UploadTicket")["uploadId"]]
    link = c.execute(
        "mutation($f: ID!) { downloadLink(fileId: $f) { __typename " + err + " } }",
        {"f": ids["DriveFile"][0]},
    )["downloadLink"]
    _ok(link, "DownloadLink")
    entries = c.execute("{ driveAccessLog(first: 5) { edges { node { id } } } }")
    ids["DriveAccessEntry"] = [e["node"]["id"] for e in entries["driveAccessLog"]["edges"][:1]]
    export = c.execute("mutation { exportDriveAccessLog { id } }")["exportDriveAccessLog"]
    ids["DriveAccessExport"] = [export["id"]]
    audit = c.execute(
        'query { auditLog(first: 5, filter: {action: "role.create"}) { '
        "... on AuditEntryConnection { edges { node { id } } } } }"
    )["auditLog"]
    ids["AuditEntry"] = [e["node"]["id"] for e in audit["edges"][:1]]
    audit_export = c.execute("mutation { exportAuditLog { ... on AuditLogExport { id } } }")
    ids["AuditLogExport"] = [audit_export["exportAuditLog"]["id"]]
    report = c.execute(
        'mutation($o: ID!) { createReport(input: {organizationId: $o, formCode: "vat", '
        'periodYear: 2025, periodCode: "Q1", authorityCode: "7701"}) { __typename '
        "... on Report { id } " + err + " } }",
        {"o": o},
    )["createReport"]
    rejected = c.execute(
        'mutation($o: ID!, $m: ID!) { createReport(input: {organizationId: $o, formCode: "vat", '
        'periodYear: 2024, periodCode: "Q1", authorityCode: "7701", responsibleManagerId: $m}) '
        "{ __typename ... on Report { id } " + err + " } }",
        {"o": o, "m": viewer["id"].replace(viewer["id"], gid("Person", pk(viewer["id"])))},
    )["createReport"]
    ids["Report"] = [_ok(report, "Report")["id"], _ok(rejected, "Report")["id"]]
    c.execute(
        "mutation($r: ID!, $t: String!) { recordReportEvent(input: {reportId: $r, "
        'externalId: "rejected", kind: REJECTED, occurredAt: "2026-01-01T00:00:00+00:00", '
        "text: $t}) { __typename } }",
        {"r": rejected["id"], "t": names["org"]},
    )
    follow_ups = c.execute(
        "query($r: ID!) { report(id: $r) { ... on Report { followUps { id } } } }",
        {"r": rejected["id"]},
    )["report"]["followUps"]
    ids["ReportFollowUp"] = [f["id"] for f in follow_ups]
    notifications = c.execute("{ notifications(first: 5) { edges { node { id } } } }")
    ids["Notification"] = [e["node"]["id"] for e in notifications["notifications"]["edges"][:1]]
    webhook = c.execute(
        "mutation($u: String!) { createWebhookEndpoint(input: {url: $u, "
        'topics: ["report.status_changed"]}) { __typename '
        "... on WebhookEndpointCreated { endpoint { id } } " + err + " } }",
        {"u": f"http://127.0.0.1:9/{names['inn']}"},
    )["createWebhookEndpoint"]
    ids["WebhookEndpoint"] = [_ok(webhook, "WebhookEndpointCreated")["endpoint"]["id"]]
    sent = c.execute(
        "mutation($r: ID!, $t: String!, $n: String!) { recordReportEvent(input: {reportId: $r, "
        'externalId: "sent", kind: SENT, occurredAt: "2026-01-01T00:00:00+00:00", '
        'text: $t, documents: [{kind: REPORT_FILE, filename: $n, contentBase64: "c2VjcmV0"}]}) '
        "{ __typename ... on ReportEventRecorded { event { documents { id } } } } }",
        {"r": report["id"], "t": names["org"], "n": f"{names['org']}.xml"},
    )["recordReportEvent"]
    ids["ReportDocument"] = [sent["event"]["documents"][0]["id"]]
    report_import = c.execute(
        "mutation($l: String!) { importReportEvents(jsonLines: $l) { __typename "
        "... on ReportImport { id } } }",
        {"l": json.dumps({"reportId": report["id"], "externalId": names["org"]})},
    )["importReportEvents"]
    ids["ReportImport"] = [_ok(report_import, "ReportImport")["id"]]
    deliveries = c.execute(
        "query($e: ID!) { webhookDeliveries(endpointId: $e) { id } }",
        {"e": ids["WebhookEndpoint"][0]},
    )["webhookDeliveries"]
    ids["WebhookDelivery"] = [d["id"] for d in deliveries[:1]]
    mark = c.execute(
        "mutation($o: ID!, $n: String!) { postChatMark(organizationId: $o, input: {kind: CALL, "
        'date: "2026-01-01", note: $n}) { __typename ... on ChatMark { id } ' + err + " } }",
        {"o": o, "n": names["org"]},
    )["postChatMark"]
    ids["ChatMark"] = [_ok(mark, "ChatMark")["id"]]
    notice = c.execute(
        "mutation($o: ID!, $f: ID!, $t: String!) { postChatNotice(organizationId: $o, input: "
        "{kind: MUST_OPEN_FILE, title: $t, fileId: $f}) { __typename ... on ChatNotice { id } "
        + err
        + " } }",
        {"o": o, "f": ids["DriveFile"][0], "t": names["org"]},
    )["postChatNotice"]
    ids["ChatNotice"] = [_ok(notice, "ChatNotice")["id"]]
    proof = c.execute(
        "mutation($n: ID!) { exportChatNoticeProof(noticeId: $n, format: CSV) { __typename "
        "... on ChatNoticeProofExport { id } ... on Error { code message } } }",
        {"n": notice["id"]},
    )["exportChatNoticeProof"]
    ids["ChatNoticeProofExport"] = [_ok(proof, "ChatNoticeProofExport")["id"]]
    chat = c.execute(
        "query($o: ID!) { chatConversation(organizationId: $o) { __typename "
        "... on ChatConversation { id } " + err + " } }",
        {"o": o},
    )["chatConversation"]
    ids["ChatConversation"] = [_ok(chat, "ChatConversation")["id"]]
    said = c.execute(
        "mutation($c: ID!, $t: String!) { postChatMessage(input: {conversationId: $c, "
        "body: $t}) { __typename ... on ChatMessage { id } " + err + " } }",
        {"c": chat["id"], "t": names["org"]},
    )["postChatMessage"]
    ids["ChatMessage"] = [_ok(said, "ChatMessage")["id"]]
    assigned = c.execute(
        "mutation($c: ID!, $a: ID) { assignChatConversation(conversationId: $c, assigneeId: $a) "
        "{ __typename " + err + " } }",
        {"c": chat["id"], "a": gid("Person", manager_id)},
    )["assignChatConversation"]
    _ok(assigned, "ChatConversation")
    _requests_world(c, ids, o, names["org"], gid("Person", manager_id), err)
    empty = sorted(t for t, values in ids.items() if not values)
    assert not empty, f"the world has no object of: {empty}"
    return w


def _requests_world(
    c: GraphQLClient, ids: dict[str, list[str]], o: str, name: str, manager: str, err: str
) -> None:
    """A department, a catalog template and its copy in the organization's catalog, and a
    request launched from it, each named with the firm's marker."""
    department = c.execute(
        "mutation($i: DepartmentInput!) { saveDepartment(input: $i) { __typename "
        "... on Department { id } " + err + " } }",
        {"i": {"nameRu": name, "nameEn": name, "headId": manager}},
    )["saveDepartment"]
    ids["Department"] = [_ok(department, "Department")["id"]]
    template = c.execute(
        "mutation($n: String!) { createServiceCatalogTemplate(name: $n) { __typename "
        "... on ServiceCatalogTemplate { id } " + err + " } }",
        {"n": name},
    )["createServiceCatalogTemplate"]
    ids["ServiceCatalogTemplate"] = [_ok(template, "ServiceCatalogTemplate")["id"]]
    service = c.execute(
        "mutation($t: ID, $i: CatalogServiceInput!) { addCatalogService(templateId: $t, "
        "input: $i) { __typename ... on CatalogService { id } " + err + " } }",
        {
            "t": template["id"],
            "i": {
                "category": name,
                "groupName": name,
                "name": name,
                "plannedDays": 1,
                "checklist": [name],
                "departmentId": department["id"],
                "responsiblePersonId": manager,
            },
        },
    )["addCatalogService"]
    _ok(service, "CatalogService")
    applied = c.execute(
        "mutation($t: ID!, $o: ID!) { applyServiceCatalogTemplate(templateId: $t, "
        "organizationId: $o) { __typename ... on ServiceCatalog { services { id } } "
        + err
        + " } }",
        {"t": template["id"], "o": o},
    )["applyServiceCatalogTemplate"]
    ids["CatalogService"] = [_ok(applied, "ServiceCatalog")["services"][0]["id"]]
    launched = c.execute(
        "mutation($i: LaunchServiceRequestInput!) { launchServiceRequest(input: $i) { "
        "__typename ... on ServiceRequest { id } " + err + " } }",
        {
            "i": {
                "serviceId": ids["CatalogService"][0],
                "dueDate": (firm_today() + timedelta(days=60)).isoformat(),
                "description": name,
            }
        },
    )["launchServiceRequest"]
    ids["ServiceRequest"] = [_ok(launched, "ServiceRequest")["id"]]
    onboarded = c.execute(
        "mutation($o: ID!, $d: [ID!]!) { onboardClientOrganization(organizationId: $o, "
        "departmentIds: $d) { __typename ... on OnboardingTasksPayload { tasks { id } } "
        + err
        + " } }",
        {"o": o, "d": ids["Department"]},
    )["onboardClientOrganization"]
    ids["OnboardingTask"] = [_ok(onboarded, "OnboardingTasksPayload")["tasks"][0]["id"]]


def performers_world(
    admin: GraphQLClient,
    performer: GraphQLClient,
    w: World,
    name: str,
    inn: str,
    db_engine: sa.Engine,
) -> None:
    """The firm's performer (profile and portfolio named with the firm's marker), a personal
    order of the organization addressed to them, their response, chosen; the contract (marked
    signed here: the codes go by e-mail) and an act."""
    err = "... on Error { code message }"
    bank = {
        "bankName": name,
        "bik": "044525225",
        "corrAccount": "30101810400000000225",
        "account": "40817810938160925982",
    }
    saved = performer.execute(
        "mutation($i: PerformerProfileInput!) { savePerformerProfile(input: $i) { __typename "
        "... on PerformerProfile { id } " + err + " } }",
        {"i": {"inn": inn, "fullName": name, "about": name, "bank": bank}},
    )["savePerformerProfile"]
    w.ids["Performer"] = [_ok(saved, "PerformerProfile")["id"]]
    item = performer.execute(
        "mutation($t: String!) { addPortfolioItem(title: $t) { __typename "
        "... on PortfolioItem { id } " + err + " } }",
        {"t": name},
    )["addPortfolioItem"]
    w.ids["PortfolioItem"] = [_ok(item, "PortfolioItem")["id"]]
    settings = admin.execute(
        "mutation($o: ID!, $i: PerformerCustomerInput!) { savePerformerCustomer(organizationId: "
        "$o, input: $i) { __typename ... on PerformerCustomer { organizationId } " + err + " } }",
        {"o": w.first("ClientOrganization"), "i": {"bank": bank}},
    )["savePerformerCustomer"]
    _ok(settings, "PerformerCustomer")
    order = admin.execute(
        "mutation($i: PerformerOrderInput!) { publishPerformerOrder(input: $i) { __typename "
        "... on PerformerOrder { id } " + err + " } }",
        {
            "i": {
                "organizationId": w.first("ClientOrganization"),
                "title": name,
                "description": name,
                "budgetKopecks": 100_00,
                "addressedPerformerId": w.ids["Performer"][0],
            }
        },
    )["publishPerformerOrder"]
    w.ids["PerformerOrder"] = [_ok(order, "PerformerOrder")["id"]]
    response = performer.execute(
        "mutation($o: ID!, $m: String!) { respondToPerformerOrder(orderId: $o, message: $m) { "
        "__typename ... on PerformerResponse { id } " + err + " } }",
        {"o": order["id"], "m": name},
    )["respondToPerformerOrder"]
    w.ids["PerformerResponse"] = [_ok(response, "PerformerResponse")["id"]]
    chosen = admin.execute(
        "mutation($r: ID!) { choosePerformerResponse(responseId: $r) { __typename "
        "... on PerformerOrder { id } " + err + " } }",
        {"r": response["id"]},
    )["choosePerformerResponse"]
    _ok(chosen, "PerformerOrder")
    contract = admin.execute(
        "mutation($o: ID!) { createPerformerContract(orderId: $o) { __typename "
        "... on PerformerContract { id } " + err + " } }",
        {"o": order["id"]},
    )["createPerformerContract"]
    w.ids["PerformerContract"] = [_ok(contract, "PerformerContract")["id"]]
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                f"UPDATE {schema_for(w.firm_slug)}.performer_contracts SET status = 'signed' "
                "WHERE id = :c"
            ),
            {"c": pk(contract["id"])},
        )
    act = admin.execute(
        "mutation($c: ID!) { acceptPerformerWork(contractId: $c, amountKopecks: 50) { "
        "__typename ... on PerformerAct { id } " + err + " } }",
        {"c": contract["id"]},
    )["acceptPerformerWork"]
    w.ids["PerformerAct"] = [_ok(act, "PerformerAct")["id"]]
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                f"UPDATE {schema_for(w.firm_slug)}.performer_acts SET status = 'signed' "
                "WHERE id = :a"
            ),
            {"a": pk(act["id"])},
        )
    registry = admin.execute(
        "mutation($o: ID!) { formPaymentRegistry(organizationId: $o) { __typename "
        "... on PaymentRegistry { id } " + err + " } }",
        {"o": w.first("ClientOrganization")},
    )["formPaymentRegistry"]
    w.ids["PaymentRegistry"] = [_ok(registry, "PaymentRegistry")["id"]]
    paid = admin.execute(
        "mutation($r: ID!) { markPaymentRegistryPaid(registryId: $r) { __typename "
        "... on PaymentRegistry { payments { receipt { id } } } " + err + " } }",
        {"r": registry["id"]},
    )["markPaymentRegistryPaid"]
    w.ids["PerformerReceipt"] = [_ok(paid, "PaymentRegistry")["payments"][0]["receipt"]["id"]]


@pytest.fixture(scope="module")
def matrix_firms(db_engine: sa.Engine, settings: Any) -> dict[str, tuple[int, str, str]]:
    out = {}
    for key, slug, name in (
        ("a", "matrix-alpha", SECRET_FIRM),
        ("b", "matrix-bravo", "Bravo Open"),
    ):
        tenant_id = provision_tenant(db_engine, slug, name)
        out[key] = (tenant_id, f"{slug}.{settings.base_domain}", slug)
    # Firm A's rows are numbered from 10^12: its ids never name one of B's own rows.
    schema = schema_for("matrix-alpha")
    with db_engine.begin() as conn:
        sequences = conn.execute(
            sa.text(
                "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = :s"
            ),
            {"s": schema},
        ).scalars()
        for sequence in list(sequences):
            conn.execute(
                sa.text("SELECT setval(:q, :v, false)"),
                {"q": f'"{schema}"."{sequence}"', "v": A_SEQUENCE_START},
            )
    return out


@pytest.fixture(scope="module")
def alpha(matrix_firms, db_engine, live_server, settings) -> World:  # type: ignore[no-untyped-def]
    tenant_id, host, slug = matrix_firms["a"]
    admin = create_person(
        db_engine, SECRET_ADMIN, memberships=[(tenant_id, "staff", ["firm_admin"], None)]
    )
    manager = create_person(
        db_engine,
        SECRET_MANAGER,
        display_name=SECRET_MANAGER_NAME,
        memberships=[(tenant_id, "staff", ["manager"], None)],
    )
    c = GraphQLClient(live_server.url, host)
    c.http.headers["user-agent"] = SECRET_DEVICE
    login(c, admin.email, admin.password)
    day_off = c.execute(
        """mutation($input: FirmCalendarInput!) { updateFirmCalendar(input: $input) {
             __typename ... on FirmCalendar { daysOff { note } } } }""",
        {"input": {"daysOff": [{"date": DAY_OFF, "note": SECRET_DAY_OFF}]}},
    )["updateFirmCalendar"]
    assert day_off["daysOff"] == [{"note": SECRET_DAY_OFF}], day_off
    world = build_world(
        c,
        settings,
        host=host,
        slug=slug,
        admin_email=admin.email,
        manager_id=manager.id,
        names={
            "org": SECRET_ORG,
            "inn": SECRET_INN,
            "ogrn": "1027700070518",
            "contact": SECRET_CONTACT,
            "invitee": SECRET_INVITEE,
            "token": SECRET_TOKEN,
            "role": SECRET_ROLE,
        },
    )
    world.ids["Person"] += [gid("Person", admin.id)]
    performer = create_person(
        db_engine,
        "matrix-performer-a-q7z@matrix.test",
        memberships=[(tenant_id, "performer", ["performer"], None)],
    )
    p = GraphQLClient(live_server.url, host)
    login(p, performer.email, performer.password)
    performers_world(c, p, world, SECRET_ORG, "500100732259", db_engine)
    return world


@dataclass
class Bravo:
    world: World
    actors: dict[str, GraphQLClient]
    # People who are no staff of B: its client user, its pending invitee, a person of no firm.
    outsiders: list[str]


@pytest.fixture(scope="module")
def bravo(matrix_firms, db_engine, live_server, settings) -> Bravo:  # type: ignore[no-untyped-def]
    tenant_id, host, slug = matrix_firms["b"]
    admin = create_person(
        db_engine,
        "matrix-admin-b@matrix.test",
        memberships=[(tenant_id, "staff", ["firm_admin"], None)],
    )
    manager = create_person(
        db_engine,
        "matrix-manager-b@matrix.test",
        memberships=[(tenant_id, "staff", ["manager"], None)],
    )
    actors = {"anonymous": GraphQLClient(live_server.url, host)}
    actors["admin"] = GraphQLClient(live_server.url, host)
    login(actors["admin"], admin.email, admin.password)
    world = build_world(
        actors["admin"],
        settings,
        host=host,
        slug=slug,
        admin_email=admin.email,
        manager_id=manager.id,
        names={
            "org": "Bravo Client",
            "inn": "7707083893",
            "ogrn": "1027700132195",
            "contact": "bravo-contact@matrix.test",
            "invitee": "bravo-invitee@matrix.test",
            "token": "bravo-token",
            "role": "bravo_role",
        },
    )
    client_user = create_person(
        db_engine,
        "matrix-client-b@matrix.test",
        memberships=[
            (tenant_id, "client", ["client_admin"], pk(world.first("ClientOrganization")))
        ],
    )
    invitee = create_person(db_engine, "matrix-invitee-b@matrix.test")
    invited = actors["admin"].execute(
        'mutation($e: String!) { inviteStaff(email: $e, roles: ["manager"]) { __typename } }',
        {"e": invitee.email},
    )["inviteStaff"]
    assert invited["__typename"] == "InvitationSent", invited
    nobody = create_person(db_engine, "matrix-nobody@matrix.test")
    actors["manager"] = GraphQLClient(live_server.url, host)
    login(actors["manager"], manager.email, manager.password)
    actors["client"] = GraphQLClient(live_server.url, host)
    login(actors["client"], client_user.email, client_user.password)
    secret = actors["admin"].execute(
        'mutation { createApiToken(name: "bravo-integrator", role: "integrator", '
        "expiresInDays: 30) { ... on ApiTokenCreated { token } } }"
    )["createApiToken"]["token"]
    actors["integrator"] = GraphQLClient(live_server.url, host, token=secret)
    performer = create_person(
        db_engine,
        "matrix-performer-b@matrix.test",
        memberships=[(tenant_id, "performer", ["performer"], None)],
    )
    actors["performer"] = GraphQLClient(live_server.url, host)
    login(actors["performer"], performer.email, performer.password)
    performers_world(
        actors["admin"], actors["performer"], world, "Bravo Performer", "500100732322", db_engine
    )
    outsiders = [gid("Person", p.id) for p in (client_user, invitee, nobody)]
    return Bravo(world, actors, outsiders)


ACTORS = ("admin", "manager", "client", "integrator", "performer", "anonymous")


# ------------------------------------------------------------------------------- state digest


class Digest:
    """Each firm's state: a count of the row changes of every table of its tenant schema, and
    (row count and a sum of row hashes) its rows of the shared schema (memberships,
    invitations, API tokens, the firm, its people, its policy lines), without columns that
    every request touches (last use, login counters) and without sessions and login attempts.

    The tenant tables are watched by a row-level trigger (installed here, on the two matrix
    firms only) that counts every inserted, updated and deleted row per table in a table of
    its own, in the writer's transaction: a rolled-back write counts nothing, as before, and
    reading the state is one small statement instead of a scan of every table after each of
    the ~20,000 calls (that scan was half the sweep's time)."""

    def __init__(self, engine: sa.Engine, firms: dict[str, tuple[int, str, str]]):
        self.engine = engine
        parts = [("tenant tables", "SELECT name || '=' || n AS r FROM matrix_watch.changes")]
        with engine.begin() as conn:
            conn.exec_driver_sql(WATCH)
            for key, (tenant_id, _, slug) in firms.items():
                schema = schema_for(slug)
                tables = conn.execute(
                    sa.text(
                        "SELECT table_name FROM information_schema.tables "
                        "WHERE table_schema = :s AND table_type = 'BASE TABLE' ORDER BY 1"
                    ),
                    {"s": schema},
                ).scalars()
                for table in list(tables):
                    for trigger, timing in (
                        (
                            "matrix_watch_rows",
                            "AFTER INSERT OR UPDATE OR DELETE ON {t} FOR EACH ROW",
                        ),
                        ("matrix_watch_truncate", "AFTER TRUNCATE ON {t} FOR EACH STATEMENT"),
                    ):
                        conn.exec_driver_sql(
                            f"CREATE OR REPLACE TRIGGER {trigger} "
                            + timing.format(t=f'"{schema}"."{table}"')
                            + f" EXECUTE FUNCTION matrix_watch.count_change('{key}.{table}')"
                        )
                self._shared(parts, key, tenant_id)
        self.names = [name for name, _ in parts]
        self.sql = "SELECT " + ", ".join(
            f"(SELECT count(*) || ':' || coalesce(sum(hashtextextended(r, 0)), 0) FROM ({q}) s{i})"
            for i, (_, q) in enumerate(parts)
        )
        self.statement = sa.text(self.sql)
        self.tables_statement = sa.text("SELECT name, n FROM matrix_watch.changes")

    @staticmethod
    def _shared(parts: list[tuple[str, str]], key: str, tenant_id: int) -> None:
        domain = f"tenant:{tenant_id}"
        people = f"SELECT person_id FROM shared.memberships WHERE tenant_id = {tenant_id}"
        parts += [
            (
                f"{key}.shared.memberships",
                f"SELECT row(id, person_id, kind, client_org_id, "
                "roles, status)::text AS r FROM shared.memberships "
                f"WHERE tenant_id = {tenant_id}",
            ),
            (
                f"{key}.shared.invitations",
                f"SELECT t::text AS r FROM shared.invitations t WHERE tenant_id = {tenant_id}",
            ),
            (
                f"{key}.shared.api_tokens",
                f"SELECT row(id, name, role, revoked_at, expires_at)"
                f"::text AS r FROM shared.api_tokens WHERE tenant_id = {tenant_id}",
            ),
            (
                f"{key}.shared.tenant",
                f"SELECT t::text AS r FROM shared.tenants t WHERE id = {tenant_id}",
            ),
            (
                f"{key}.shared.people",
                "SELECT row(id, email, display_name, password_hash, "
                "totp_secret, totp_enabled, locale)::text AS r FROM shared.people "
                f"WHERE id IN ({people})",
            ),
            (
                f"{key}.shared.casbin_rule",
                "SELECT t::text AS r FROM shared.casbin_rule t WHERE "
                f"'{domain}' IN (v0, v1, v2, v3) "
                f"OR v1 LIKE '{domain}/%' OR v2 LIKE '{domain}/%'",
            ),
        ]

    def read(self) -> dict[str, str]:
        """The shared parts by name, and one entry per tenant table that ever changed
        (`a.reports`, ...): a table changed by a call shows a different count after it."""
        with self.engine.connect() as conn:
            row = conn.execute(self.statement).one()
            tables = {name: str(n) for name, n in conn.execute(self.tables_statement)}
        state = dict(zip(self.names, row, strict=True))
        del state["tenant tables"]
        return {**state, **tables}


# A counter per table, written by the watched tables' triggers in the writer's transaction.
# SECURITY DEFINER: the writers are the firms' roles, which own nothing outside their schema.
WATCH = """
CREATE SCHEMA IF NOT EXISTS matrix_watch;
GRANT USAGE ON SCHEMA matrix_watch TO PUBLIC;
CREATE TABLE IF NOT EXISTS matrix_watch.changes (name text PRIMARY KEY, n bigint NOT NULL);
CREATE OR REPLACE FUNCTION matrix_watch.count_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  INSERT INTO matrix_watch.changes AS c (name, n) VALUES (TG_ARGV[0], 1)
  ON CONFLICT (name) DO UPDATE SET n = c.n + 1;
  RETURN NULL;
END $$;
"""


@pytest.fixture(scope="module")
def digest(matrix_firms, db_engine) -> Digest:  # type: ignore[no-untyped-def]
    return Digest(db_engine, matrix_firms)


def test_the_digest_sees_a_write_and_not_a_rolled_back_one(alpha, digest, db_engine) -> None:  # type: ignore[no-untyped-def]
    schema = schema_for("matrix-alpha")
    before = digest.read()
    with db_engine.connect() as conn, conn.begin() as transaction:
        conn.exec_driver_sql(f'UPDATE "{schema}".client_organizations SET name = name')
        transaction.rollback()
    assert digest.read() == before
    with db_engine.begin() as conn:
        conn.exec_driver_sql(f'UPDATE "{schema}".client_organizations SET name = name')
    after = digest.read()
    assert [k for k in after if after[k] != before.get(k)] == ["a.client_organizations"]


# ------------------------------------------------------------------------------------ cases

# Valid values of the other arguments, so the id under test decides the answer.
OVERRIDES: dict[str, Any] = {
    # The log's first page is whatever the world wrote last: read the firm's role entries.
    "auditLog": {"filter": {"action": "role.create"}},
    # Every period: the world's paid registry is counted by its customer's name.
    "performerStatistics": {"from": "2000-01-01", "to": "2100-01-01"},
    "createFirm": {"slug": "matrix-hijack", "name": "Hijack"},
    "suspendFirm": lambda a, b: {"slug": a.firm_slug},
    "resumeFirm": lambda a, b: {"slug": a.firm_slug},
    "createRole": {"name": "bravo_probe", "permissions": [{"object": "clients", "action": "read"}]},
    "updateRole": {"name": SECRET_ROLE, "description": "hijacked", "permissions": []},
    "deleteRole": {"name": SECRET_ROLE},
    "assignRoles": {"roles": ["auditor"]},
    "login": lambda a, b: {"email": a.admin_email, "password": PASSWORD},
    "openCabinet": lambda a, b: {"key": f"{a.firm_slug}:staff"},
    "requestPasswordReset": lambda a, b: {"email": a.admin_email},
    "resetPassword": {"token": "not-a-token", "newPassword": "Another-Horse-43"},
    "confirmTotp": {"code": "000000"},
    "disableTotp": {"code": "000000"},
    "inviteStaff": {"email": "bravo-probe@matrix.test", "roles": ["staff"]},
    "acceptInvitation": lambda a, b: {
        "token": a.contact_invitation_token,
        "password": "Stolen-Horse-44",
    },
    "invitation": lambda a, b: {"token": a.invitation_token},
    "createApiToken": {"name": "bravo-probe", "role": "integrator", "expiresInDays": 1},
    "uploadLogo": {"kind": "LOGO", "contentBase64": "bm90IGFuIGltYWdl"},
    "removeLogo": {"kind": "FAVICON"},
    "updateCabinetAccess": {"enabled": True, "decryptedStorageConsent": True},
    "updateSecuritySettings": {"requireStaffTotp": False},
    "updateFirmCalendar": {"input": {"timeZone": "Asia/Vladivostok", "daysOff": []}},
    "businessCalendar": {"from": DAY_OFF, "to": DAY_OFF},
    "updateBranding": {"input": {"phone": "+7 900 000-00-00"}},
    "createClientOrganization": {
        "input": {
            "name": "Bravo Probe",
            "legalForm": "OOO",
            "inn": "7702070139",
            "kpp": "770201001",
            "ogrn": "1027739609391",
            "taxRegime": "OSNO",
        }
    },
    "updateClientOrganization": {"input": {"name": "Hijacked"}},
    "inviteContact": {"email": "spy@matrix.test", "isClientAdmin": True},
    "setContactGrants": {"grants": []},
    "setContactClientAdmin": {"isClientAdmin": True},
    "uploadFile": {"filename": "probe.txt", "contentBase64": "cHJvYmU="},
    "startUpload": {"filename": "probe.txt", "size": 5, "sha256": "0" * 64},
    "createDriveFolder": {"name": "probe"},
    "createReport": {
        "input": {
            "formCode": "vat",
            "periodYear": 2025,
            "periodCode": "Q3",
            "authorityCode": "7701",
        }
    },
    "recordReportEvent": {
        "input": {
            "externalId": "bravo-probe",
            "kind": "REJECTED",
            "occurredAt": "2026-01-01T00:00:00+00:00",
        }
    },
    "importReportEvents": lambda a, b: {
        "jsonLines": json.dumps(
            {
                "reportId": a.first("Report"),
                "externalId": "bravo-import",
                "kind": "rejected",
                "occurredAt": "2026-01-01T00:00:00+00:00",
            }
        )
    },
    "createWebhookEndpoint": {
        "input": {"url": "http://127.0.0.1:9/bravo", "topics": ["report.status_changed"]}
    },
    "updateWebhookEndpoint": {"input": {"active": False}},
    "postChatMark": {"input": {"kind": "CALL", "date": "2026-01-01", "note": "bravo-probe"}},
    "createCalendarExchangeDate": {"input": {"date": "2026-01-01", "title": "bravo-probe"}},
    "updateCalendarExchangeDate": {"input": {"date": "2026-01-01", "title": "bravo-probe"}},
    "postChatNotice": {"input": {"kind": "INFO", "title": "bravo-probe"}},
    "actOnChatNotice": {"answer": "READ"},
    "exportChatNoticeProof": {"format": "CSV"},
    "postChatMessage": {"input": {"body": "bravo-probe"}},
    "chatSearch": {"text": SECRET_ORG.split()[0]},
    "launchServiceRequest": lambda a, b: {
        "input": {"dueDate": (firm_today() + timedelta(days=60)).isoformat()}
    },
    "editServiceRequest": {"dueDate": None},
    "rejectServiceRequest": {"comment": "bravo-probe"},
    "tickServiceRequestChecklist": {"index": 0},
    "addCatalogService": {
        "input": {"category": "b", "groupName": "b", "name": "b", "plannedDays": 1}
    },
    "saveDepartment": {"input": {"nameRu": "bravo-probe", "nameEn": "bravo-probe"}},
    "updateNotificationPreferences": {"preferences": [{"kind": "REPORT_REJECTED", "email": False}]},
}
LAST = {"logout"}  # ends the actor's session: once, after the sweep


@dataclass(frozen=True)
class Case:
    field: str
    root: str
    query: str
    variables: dict[str, Any]
    argument: IdArgument | None = None
    value: str = ""  # what the id under test is: "A's Report", "outsider", "2^63", ...

    @property
    def must_refuse(self) -> bool:
        """A mutation naming an object through a foreign id must be refused (a filter
        matching nothing may be accepted)."""
        return self.root == "mutation" and self.argument is not None and not self.argument.is_filter


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _set(variables: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    target = variables
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value


def base_variables(
    root: str, fname: str, f: Any, own: World, alpha: World, bravo: Bravo
) -> dict[str, Any]:
    """Every required argument with a valid value of B's (ids: B's own objects)."""
    variables: dict[str, Any] = {}
    for aname, arg in f.args.items():
        if (
            isinstance(arg.type, GraphQLNonNull)
            and arg.default_value is Undefined
            and not _is_id(arg.type)
        ):
            variables[aname] = sample(arg.type, {})
    override = OVERRIDES.get(fname, {})
    if callable(override):
        override = override(alpha, bravo)
    variables = _merge(variables, override)
    for argument in ID_ARGUMENTS_BY_FIELD.get(fname, []):
        if _required(f, argument.path) and argument.type_name is not None:
            if argument.type_name == "Person":
                own_id = own.ids["Person"][1]  # the firm's manager: active staff
            elif argument.type_name == "*":
                own_id = own.first("ClientOrganization")
            else:
                own_id = own.first(argument.type_name)
            _set(variables, argument.path, [own_id] if argument.is_list else own_id)
    return variables


def _required(f: Any, path: tuple[str, ...]) -> bool:
    t = f.args[path[0]].type
    for key in path[1:]:
        if not isinstance(t, GraphQLNonNull):
            return False
        t = get_named_type(t).fields[key].type
    return isinstance(t, GraphQLNonNull)


def operation(root: str, fname: str, f: Any, variables: dict[str, Any]) -> str:
    # The text depends on the variables' names (and a list's length, for the cost) only.
    shape = tuple((k, len(v) if isinstance(v, list) else None) for k, v in variables.items())
    key = (root, fname, shape)
    if key not in _OPERATIONS:
        _OPERATIONS[key] = _operation(root, fname, f, variables)
    return _OPERATIONS[key]


_OPERATIONS: dict[tuple[Any, ...], str] = {}


def _operation(root: str, fname: str, f: Any, variables: dict[str, Any]) -> str:
    declared = ", ".join(f"${a}: {type_text(f.args[a].type)}" for a in variables)
    passed = ", ".join(
        [f"{a}: ${a}" for a in variables]
        + (["first: 2"] if "first" in f.args and "first" not in variables else [])
    )
    head = f"{root}({declared})" if declared else root
    call = f"{fname}({passed})" if passed else fname
    # The deepest selection the API's limits accept (as the server measures them).
    # (The drive's file names sit five levels down: drive, folders, files, edges, node.)
    for depth in (5, 4, 3, 2, 1) if fname == "drive" else (4, 3, 2, 1):
        text = f"{head} {{ {call} {selection(f.type, depth)} }}"
        document = parse(text)
        if not validate(SCHEMA, document) and not check_limits(SCHEMA, document, variables, LIMITS):
            return text
    raise AssertionError(f"no selection of {fname} is within the limits: {variables}")


ID_ARGUMENTS = id_arguments(SCHEMA)
ID_ARGUMENTS_BY_FIELD: dict[str, list[IdArgument]] = {}
for _argument in ID_ARGUMENTS:
    ID_ARGUMENTS_BY_FIELD.setdefault(_argument.field, []).append(_argument)


def foreign_values(type_name: str, alpha: World, bravo: Bravo) -> list[tuple[str, str]]:
    """(what, id) to put where an id of `type_name` goes: firm A's objects of that type (for
    a person: A's people, B's client user, pending invitee and a person of no firm), A's
    objects of every other type, and hostile ids."""
    named = "Report" if type_name == "*" else type_name
    values = [(f"A's {t}", i) for t, ids in alpha.ids.items() for i in ids]
    if type_name != "*":
        same = [(w, i) for w, i in values if w == f"A's {type_name}"]
        other = [(w, i) for w, i in values if w != f"A's {type_name}"]
        # One object of every other type: a wrong type must be refused as well.
        seen: set[str] = set()
        values = same + [(w, i) for w, i in other if not (w in seen or seen.add(w))]
    if type_name == "Person":
        values += [("B's non-staff person", p) for p in bravo.outsiders]
    values += [
        ("2^63", gid(named, 2**63)),
        ("2^64", gid(named, 2**64)),
        ("negative", gid(named, -1)),
        ("zero", gid(named, 0)),
        ("not base64", "!!matrix!!"),
        ("A's bare number", str(pk(alpha.first("ClientOrganization")))),
    ]
    return values


def cases(alpha: World, bravo: Bravo) -> list[Case]:
    out = []
    own = bravo.world
    for root, obj in _roots(SCHEMA):
        for fname, f in obj.fields.items():
            if fname in LAST:
                continue
            base = base_variables(root, fname, f, own, alpha, bravo)
            if fname not in ID_ARGUMENTS_BY_FIELD:
                # Only for fields without ids: with B's own ids, a mutation would succeed and
                # could then refuse the id cases for another reason (a duplicate).
                out.append(Case(fname, root, operation(root, fname, f, base), base))
            for argument in ID_ARGUMENTS_BY_FIELD.get(fname, []):
                assert argument.type_name is not None
                for what, value in foreign_values(argument.type_name, alpha, bravo):
                    variables = json.loads(json.dumps(base))
                    _set(variables, argument.path, [value] if argument.is_list else value)
                    out.append(
                        Case(
                            fname,
                            root,
                            operation(root, fname, f, variables),
                            variables,
                            argument,
                            what,
                        )
                    )
    # `nodes` with every object of firm A, 20 at once (the cost limit multiplies the selection
    # of every Node type by the number of ids).
    nodes = SCHEMA.query_type.fields["nodes"]  # type: ignore[union-attr]
    everything = alpha.all_ids()[:100]
    for start in range(0, len(everything), 20):
        every = {"ids": everything[start : start + 20]}
        out.append(Case("nodes", "query", operation("query", "nodes", nodes, every), every))
    return out


# A case answered with these never reached its resolver: the matrix would prove nothing.
NEVER_RAN = {
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "QUERY_TOO_DEEP",
    "TOO_MANY_ALIASES",
    "TOO_MANY_TOKENS",
    "QUERY_TOO_COSTLY",
}


def refused(case: Case, response: Any) -> bool:
    if response.status_code >= 400:
        return True
    body = response.json()
    if body.get("errors"):
        return True
    result = (body.get("data") or {}).get(case.field)
    if result is None:
        return True
    return isinstance(result, dict) and result.get("__typename") in ERROR_TYPES


def codes_of(response: Any) -> set[str]:
    try:
        body = response.json()
    except ValueError:
        return {f"HTTP {response.status_code}"}
    found = {str((e.get("extensions") or {}).get("code")) for e in body.get("errors") or []}
    if isinstance(body.get("error"), dict):
        found.add(str(body["error"].get("code")))
    return found


@dataclass
class Sweep:
    attempts: int = 0
    state_seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    def summary(self, per_kind: int = 8) -> str:
        """The failures, a few of each kind (server error, leak, change, acceptance)."""
        kinds: dict[str, list[str]] = {}
        for failure in self.failures:
            kind = failure.split("]: ", 1)[-1].split(" ", 2)[:2]
            kinds.setdefault(" ".join(kind), []).append(failure)
        lines = [f"{len(self.failures)} failures"]
        for kind, found in kinds.items():
            lines += [f"--- {kind} ({len(found)})", *found[:per_kind]]
        return "\n".join(lines)

    def fail(self, actor: str, case: Case, problem: str, detail: Any = "") -> None:
        where = case.argument.name if case.argument else case.field
        self.failures.append(f"{actor} {where} [{case.value}]: {problem} {str(detail)[:300]}")


def check(
    sweep: Sweep,
    actor: str,
    client: GraphQLClient,
    case: Case,
    digest: Digest,
    before: dict[str, str],
) -> dict[str, str]:
    """One call, then the checks against the state before it; returns the state after."""
    body = {"query": case.query, "variables": case.variables}
    response = client.post(body)
    sweep.attempts += 1
    started = time.monotonic()
    after = digest.read()
    sweep.state_seconds += time.monotonic() - started
    text = body_text(response)
    asked = json.dumps(body, ensure_ascii=False)
    if response.status_code >= 500 or "INTERNAL" in codes_of(response):
        sweep.fail(actor, case, "server error", text)
    if codes_of(response) & NEVER_RAN:
        sweep.fail(actor, case, "never ran (the case is invalid)", text)
    leaked = [m for m in MARKERS if m in text and m not in asked]
    if leaked:
        sweep.fail(actor, case, f"leaks {leaked}", text)
    changed_a = sorted(k for k in after if k.startswith("a.") and after[k] != before.get(k))
    if changed_a:
        sweep.fail(actor, case, f"changed firm A: {changed_a}", text)
    was_refused = refused(case, response)
    if was_refused:
        changed_b = sorted(k for k in after if k.startswith("b.") and after[k] != before.get(k))
        if changed_b:
            sweep.fail(actor, case, f"refused but changed firm B: {changed_b}", text)
    elif case.must_refuse:
        sweep.fail(actor, case, "accepted a foreign id", text)
    return after


BATCH = 10  # the API's batch limit


def check_batch(
    sweep: Sweep,
    actor: str,
    client: GraphQLClient,
    batch: list[Case],
    digest: Digest,
    before: dict[str, str],
) -> dict[str, str]:
    """Calls refused before anything is read (an id of another type, a malformed or
    out-of-range id) go BATCH to a request; the state is compared after each request."""
    response = client.post([{"query": c.query, "variables": c.variables} for c in batch])
    sweep.attempts += len(batch)
    started = time.monotonic()
    after = digest.read()
    sweep.state_seconds += time.monotonic() - started
    if response.status_code != 200 or not isinstance(response.json(), list):
        # Refused as a whole (e.g. anonymous at the door): the same checks on the one answer.
        results: list[Any] = [response] * len(batch)
    else:
        results = [_Single(body) for body in response.json()]
    for case, result in zip(batch, results, strict=True):
        text = body_text(result)
        asked = json.dumps({"query": case.query, "variables": case.variables}, ensure_ascii=False)
        if result.status_code >= 500 or "INTERNAL" in codes_of(result):
            sweep.fail(actor, case, "server error", text)
        if codes_of(result) & NEVER_RAN:
            sweep.fail(actor, case, "never ran (the case is invalid)", text)
        leaked = [m for m in MARKERS if m in text and m not in asked]
        if leaked:
            sweep.fail(actor, case, f"leaks {leaked}", text)
        if case.must_refuse and not refused(case, result):
            sweep.fail(actor, case, "accepted a malformed or wrongly typed id", text)
    changed = sorted(k for k in after if after[k] != before.get(k))
    if changed:
        sweep.fail(
            actor, batch[0], f"a batch of refusals changed {changed}", [c.value for c in batch]
        )
    return after


@dataclass
class _Single:
    """One result of a batch, read like a response."""

    body: dict[str, Any]
    status_code: int = 200

    def json(self) -> dict[str, Any]:
        return self.body


def batchable(case: Case) -> bool:
    argument = case.argument
    if argument is None or argument.type_name == "*":
        return False
    if case.root == "mutation" and argument.is_filter:
        return False  # accepted (matching nothing) and may write: e.g. an export job
    return not (
        case.value == f"A's {argument.type_name}"
        or case.value.startswith("B's")
        or case.value == "A's bare number"
    )


# The sweep grows with the schema's id arguments (~20,000 attempts): longer than the
# suite's default 300 s on a loaded machine.
@pytest.mark.timeout(900)
def test_firm_b_learns_and_changes_nothing_of_firm_a(alpha, bravo, digest, capsys) -> None:  # type: ignore[no-untyped-def]
    sweep = Sweep()
    all_cases = cases(alpha, bravo)
    one_by_one = [c for c in all_cases if not batchable(c)]
    batched = [c for c in all_cases if batchable(c)]
    state = digest.read()
    started = time.monotonic()
    for actor in ACTORS:
        client = bravo.actors[actor]
        for case in one_by_one:
            state = check(sweep, actor, client, case, digest, state)
        for i in range(0, len(batched), BATCH):
            state = check_batch(sweep, actor, client, batched[i : i + BATCH], digest, state)
        logout = Case("logout", "mutation", "mutation { logout }", {})
        state = check(sweep, actor, client, logout, digest, state)
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(
            f"\ncross-tenant matrix: {sweep.attempts} attempts ({len(all_cases)} cases x "
            f"{len(ACTORS)} actors), {len(ID_ARGUMENTS)} id arguments, {elapsed:.1f} s "
            f"({sweep.state_seconds:.1f} s reading both firms' state)"
        )
    assert not sweep.failures, sweep.summary()
    assert sweep.attempts >= MIN_ATTEMPTS, sweep.attempts


# Reads whose answers hold nothing a marker could be found in (catalogs, counts, settings,
# flags), and `firms` (the platform admin's).
POSITIVE_EXEMPT = {
    "ping",
    "firms",
    "permissionCatalog",
    "reportForms",
    "availableModules",
    "securitySettings",
    "brandingSettings",
    "unreadNotificationCount",
    "chatUnreadCount",
    "viewerGrants",
    "reportStatusCounts",
    "notificationPreferences",
    "driveAccessExport",
    "auditLogExport",
    "chatNoticeProofExport",
    "chatNoticeSettings",
    "calendarFeed",
    "auditActionGroups",
    "reportImport",
    "roles",
    "apiTokens",
    "webhookDeliveries",
    "webhookEndpoints",
    # The viewer's own onboarding tasks as a department head: the admin heads no department.
    "onboardingTasks",
    # The viewer's own performer profile: the admin is no performer.
    "performerProfile",
    # The firm's contract template: the product's default text until the firm writes its own.
    "performerContractTemplate",
    # A contract's acts: numbers and amounts only (the world's act is made signed by SQL, so
    # no signer card carries a marker); their isolation is the sweep's.
    "performerActs",
    # The viewer's own income: the admin is no performer (the query refuses other sides).
    "performerIncome",
    # Risk signals and agency documents of the world's firm: none (no paid history).
    "performerRiskSignals",
    "performerAgencyDocuments",
    # An order's conversation: ids only (its messages are read through chatMessages, which
    # the sweep covers).
    "performerOrderConversation",
}


def test_the_same_reads_show_firm_a_its_own_data(alpha) -> None:  # type: ignore[no-untyped-def]
    """Positive control, per operation: each read of the matrix, by firm A's admin with A's
    own ids, shows at least one marker (so their absence for firm B means something); and
    `node` shows one for an object of every Node type."""
    query_type = SCHEMA.query_type
    assert query_type is not None
    blind = []
    for fname, f in query_type.fields.items():
        variables = base_variables("query", fname, f, alpha, alpha, None)  # type: ignore[arg-type]
        for argument in ID_ARGUMENTS_BY_FIELD.get(fname, []):
            if argument.type_name not in (None, "*") and argument.path[0] != "filter":
                own = alpha.ids["Person"][1] if argument.type_name == "Person" else None
                value = own or alpha.first(str(argument.type_name))
                _set(variables, argument.path, [value] if argument.is_list else value)
        response = alpha.admin.post(
            {"query": operation("query", fname, f, variables), "variables": variables}
        )
        text = body_text(response)
        assert response.status_code == 200, (fname, text)
        if fname not in POSITIVE_EXEMPT:
            assert not response.json().get("errors"), (fname, text)
        if not any(m in text for m in MARKERS):
            blind.append(fname)
    assert sorted(set(blind) - POSITIVE_EXEMPT) == [], sorted(set(blind) - POSITIVE_EXEMPT)
    node = query_type.fields["node"]
    for type_name in NODE_TYPES:
        variables = {"id": alpha.first(type_name)}
        response = alpha.admin.post(
            {"query": operation("query", "node", node, variables), "variables": variables}
        )
        data = response.json()
        assert not data.get("errors"), (type_name, data)
        assert data["data"]["node"]["__typename"] == type_name, (type_name, data)
        assert any(m in body_text(response) for m in MARKERS), (type_name, data)


def test_firm_b_credentials_are_refused_at_firm_a_host(alpha, bravo, live_server) -> None:  # type: ignore[no-untyped-def]
    once = {}
    for case in cases(alpha, bravo):
        once.setdefault(case.field, case)
    for actor in ("admin", "manager", "client", "integrator"):
        source = bravo.actors[actor]
        if actor != "integrator":
            login(source, f"matrix-{actor}-b@matrix.test", PASSWORD)
        stolen = GraphQLClient(live_server.url, alpha.host, token=source.token)
        stolen.cookies = dict(source.cookies)
        for case in once.values():
            response = stolen.post({"query": case.query, "variables": case.variables})
            refused_outright(response, 403, "WRONG_TENANT" if source.token else "WRONG_HOST")


SUBSCRIBE = """subscription($org: ID) { reportStatusChanged(organizationId: $org) {
  sequence reportId organizationId status } }"""


async def _socket(port: int, host: str, headers: dict[str, str]) -> Any:
    ws = await connect(
        f"ws://{host}:{port}/graphql",
        host="127.0.0.1",
        port=port,
        proxy=None,
        open_timeout=10,
        subprotocols=["graphql-transport-ws"],
        additional_headers=headers,
    )
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
    return ws


async def test_firm_b_cannot_subscribe_to_firm_a_organization(alpha, bravo, live_server) -> None:  # type: ignore[no-untyped-def]
    """Firm B's admin and integrator subscribe to firm A's organization (refused: NOT_FOUND)
    and to everything they may see; firm A's report then changes status: nothing arrives."""
    admin = GraphQLClient(live_server.url, bravo.world.host)
    await asyncio.to_thread(login, admin, "matrix-admin-b@matrix.test", PASSWORD)
    sockets = []
    for headers in (
        {"Cookie": f"{SESSION_COOKIE}={admin.cookies[SESSION_COOKIE]}"},
        {"Authorization": f"Bearer {bravo.actors['integrator'].token}"},
    ):
        ws = await _socket(live_server.port, bravo.world.host, headers)
        sockets.append(ws)
        for sid, org in (("a", alpha.first("ClientOrganization")), ("all", None)):
            payload = {"query": SUBSCRIBE, "variables": {"org": org}}
            await ws.send(json.dumps({"id": sid, "type": "subscribe", "payload": payload}))
        refusal = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert refusal["id"] == "a", refusal
        errors = refusal["payload"] if refusal["type"] == "error" else refusal["payload"]["errors"]
        assert [e["extensions"]["code"] for e in errors] == ["NOT_FOUND"], refusal
        assert not any(m in json.dumps(refusal, ensure_ascii=False) for m in MARKERS)
    try:
        await hub_listening()
        changed = await asyncio.to_thread(
            alpha.admin.execute,
            "mutation($r: ID!) { recordReportEvent(input: {reportId: $r, externalId: "
            '"accepted-live", kind: ACCEPTED, occurredAt: "2026-02-01T00:00:00+00:00"}) '
            "{ __typename ... on ReportEventRecorded { report { status } } } }",
            {"r": alpha.first("Report")},
        )
        assert changed["recordReportEvent"]["report"]["status"] == "ACCEPTED", changed
        for ws in sockets:
            try:
                message = json.loads(await asyncio.wait_for(ws.recv(), 2))
            except TimeoutError:
                continue
            assert message["type"] == "complete" and message["id"] == "a", message
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(ws.recv(), 1.5)
    finally:
        for ws in sockets:
            await ws.close()
