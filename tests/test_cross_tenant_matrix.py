"""The cross-tenant matrix: every query and mutation of the schema, called by every kind of
actor of firm B (admin, manager, client user, integrator token, anonymous) with firm A's ids,
names and tokens. Zero leaks: no response carries anything of firm A, nothing of firm A
changes, no call answers 500. Firm B's credentials at firm A's host are refused outright.

A guard test fails when the schema gains an operation that is not in the matrix.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from saas.schema.root import build_schema
from saas.tenants.provisioning import provision_tenant
from tests.support.auth import PASSWORD, create_person, login
from tests.support.client import GraphQLClient
from tests.support.mail import last_message_to, link_in

SECRET_FIRM = "Matrix Alpha Secret Firm"
SECRET_ORG = "Тайная Альфа Q7Z"
SECRET_INN = "7736050003"
SECRET_CONTACT = "alpha-contact-q7z@matrix.test"
SECRET_INVITEE = "alpha-invitee-q7z@matrix.test"
SECRET_TOKEN = "alpha-token-q7z"
SECRET_ROLE = "alpha_only_q7z"


def body_text(response: Any) -> str:
    """The response as text with non-ASCII unescaped, so Cyrillic markers can be found."""
    try:
        return json.dumps(response.json(), ensure_ascii=False)
    except ValueError:
        return response.content.decode()


def pk_of(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().split(":", 1)[1])


@dataclass
class AlphaWorld:
    host: str
    admin: GraphQLClient
    org_id: str
    contact_id: str
    invitation_id: str
    invitation_token: str
    contact_invitation_token: str
    token_id: str
    membership_id: str
    admin_email: str
    drive_folder_id: str = ""
    drive_file_id: str = ""
    drive_version_id: str = ""
    report_id: str = ""
    report_import_id: str = ""
    report_document_id: str = ""
    webhook_endpoint_id: str = ""
    webhook_delivery_id: str = ""
    notification_id: str = ""


@dataclass
class Op:
    """One operation of the matrix: its GraphQL text and variables built from firm A's world."""

    field: str
    query: str
    variables: Callable[[AlphaWorld], dict[str, Any]] = lambda w: {}


ERR = "... on Error { code }"

OPERATIONS: list[Op] = [
    Op("node", "query($id: ID!) { node(id: $id) { id __typename } }", lambda w: {"id": w.org_id}),
    Op(
        "nodes",
        "query($ids: [ID!]!) { nodes(ids: $ids) { id __typename } }",
        lambda w: {"ids": [w.org_id, w.contact_id, w.token_id, w.membership_id, w.invitation_id]},
    ),
    Op("currentFirm", "{ currentFirm { id slug name } }"),
    Op("firms", "{ firms { slug name } }"),
    Op("roles", "{ roles { name description } }"),
    Op("permissionCatalog", "{ permissionCatalog { object action } }"),
    Op("members", "{ members(first: 50) { edges { node { id email name roles } } } }"),
    Op("viewer", "{ viewer { email cabinets { key firm { name } organizationName url } } }"),
    Op(
        "invitation",
        "query($t: String!) { invitation(token: $t) { email firm { name } } }",
        lambda w: {"t": w.invitation_token},
    ),
    Op("apiTokens", "{ apiTokens { id name role } }"),
    Op("securitySettings", "{ securitySettings { requireStaffTotp } }"),
    Op("branding", "{ branding { displayName phone primaryColor } }"),
    Op("brandingSettings", "{ brandingSettings { __typename } }"),
    Op(
        "clientOrganizations",
        "{ clientOrganizations(first: 50, status: null) { edges { node { id name inn "
        "contacts(includeDeactivated: true) { person { email } } } } } }",
    ),
    Op(
        "clientOrganization",
        "query($id: ID!) { clientOrganization(id: $id) { __typename "
        "... on ClientOrganization { name inn } " + ERR + " } }",
        lambda w: {"id": w.org_id},
    ),
    Op(
        "viewerGrants",
        "query($id: ID!) { viewerGrants(organizationId: $id) }",
        lambda w: {"id": w.org_id},
    ),
    Op(
        "createFirm",
        'mutation { createFirm(slug: "matrix-hijack", name: "Hijack") { __typename } }',
    ),
    Op("suspendFirm", 'mutation { suspendFirm(slug: "matrix-alpha") { __typename } }'),
    Op("resumeFirm", 'mutation { resumeFirm(slug: "matrix-alpha") { __typename } }'),
    Op(
        "createRole",
        'mutation { createRole(name: "bravo_probe", permissions: [{object: "clients", '
        'action: "read"}]) { __typename ' + ERR + " } }",
    ),
    Op(
        "updateRole",
        'mutation($n: String!) { updateRole(name: $n, description: "hijacked", permissions: []) '
        "{ __typename " + ERR + " } }",
        lambda w: {"n": SECRET_ROLE},
    ),
    Op(
        "deleteRole",
        "mutation($n: String!) { deleteRole(name: $n) { __typename " + ERR + " } }",
        lambda w: {"n": SECRET_ROLE},
    ),
    Op(
        "assignRoles",
        'mutation($id: ID!) { assignRoles(membershipId: $id, roles: ["auditor"]) '
        "{ __typename " + ERR + " } }",
        lambda w: {"id": w.membership_id},
    ),
    Op(
        "login",
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { __typename "
        + ERR
        + " } }",
        lambda w: {"e": w.admin_email, "p": PASSWORD},
    ),
    Op("logout", "mutation { logout }"),
    Op(
        "openCabinet",
        'mutation { openCabinet(key: "matrix-alpha:staff") { __typename ' + ERR + " } }",
    ),
    Op(
        "requestPasswordReset",
        "mutation($e: String!) { requestPasswordReset(email: $e) }",
        lambda w: {"e": w.admin_email},
    ),
    Op(
        "resetPassword",
        'mutation { resetPassword(token: "not-a-token", newPassword: "Another-Horse-43") '
        "{ __typename } }",
    ),
    Op("startTotpEnrollment", "mutation { startTotpEnrollment { __typename } }"),
    Op("confirmTotp", 'mutation { confirmTotp(code: "000000") { __typename } }'),
    Op("disableTotp", 'mutation { disableTotp(code: "000000") { __typename } }'),
    Op(
        "updateSecuritySettings",
        "mutation { updateSecuritySettings(requireStaffTotp: false) { requireStaffTotp } }",
    ),
    Op(
        "inviteStaff",
        'mutation { inviteStaff(email: "bravo-probe@matrix.test", roles: ["staff"]) '
        "{ __typename } }",
    ),
    Op(
        "revokeInvitation",
        "mutation($id: ID!) { revokeInvitation(id: $id) { __typename " + ERR + " } }",
        lambda w: {"id": w.invitation_id},
    ),
    Op(
        "acceptInvitation",
        'mutation($t: String!) { acceptInvitation(token: $t, password: "Stolen-Horse-44") '
        "{ __typename " + ERR + " } }",
        lambda w: {"t": w.contact_invitation_token},
    ),
    Op(
        "createApiToken",
        'mutation { createApiToken(name: "bravo-probe", role: "integrator", '
        "expiresInDays: 1) { __typename } }",
    ),
    Op(
        "revokeApiToken",
        "mutation($id: ID!) { revokeApiToken(id: $id) { __typename " + ERR + " } }",
        lambda w: {"id": w.token_id},
    ),
    Op(
        "updateBranding",
        'mutation { updateBranding(input: {phone: "+7 900 000-00-00"}) { __typename } }',
    ),
    Op(
        "uploadLogo",
        'mutation { uploadLogo(kind: LOGO, contentBase64: "bm90IGFuIGltYWdl") { __typename } }',
    ),
    Op("removeLogo", "mutation { removeLogo(kind: FAVICON) { __typename } }"),
    Op(
        "updateCabinetAccess",
        "mutation { updateCabinetAccess(enabled: true, decryptedStorageConsent: true) "
        "{ __typename } }",
    ),
    Op(
        "createClientOrganization",
        'mutation { createClientOrganization(input: {name: "Bravo Probe", legalForm: OOO, '
        'inn: "7702070139", kpp: "770201001", ogrn: "1027739609391", taxRegime: OSNO}) '
        "{ __typename } }",
    ),
    Op(
        "updateClientOrganization",
        'mutation($id: ID!) { updateClientOrganization(input: {id: $id, name: "Hijacked"}) '
        "{ __typename ... on ClientOrganization { name } " + ERR + " } }",
        lambda w: {"id": w.org_id},
    ),
    Op(
        "archiveClientOrganization",
        "mutation($id: ID!) { archiveClientOrganization(id: $id) { __typename "
        "... on ClientOrganization { name } " + ERR + " } }",
        lambda w: {"id": w.org_id},
    ),
    Op(
        "restoreClientOrganization",
        "mutation($id: ID!) { restoreClientOrganization(id: $id) { __typename "
        "... on ClientOrganization { name } " + ERR + " } }",
        lambda w: {"id": w.org_id},
    ),
    Op(
        "setClientOrganizationManagers",
        "mutation($id: ID!) { setClientOrganizationManagers(id: $id, moderatorIds: []) "
        "{ __typename " + ERR + " } }",
        lambda w: {"id": w.org_id},
    ),
    Op(
        "inviteContact",
        'mutation($id: ID!) { inviteContact(organizationId: $id, email: "spy@matrix.test", '
        "isClientAdmin: true) { __typename " + ERR + " } }",
        lambda w: {"id": w.org_id},
    ),
    Op(
        "setContactGrants",
        "mutation($id: ID!) { setContactGrants(contactId: $id, grants: []) { __typename "
        + ERR
        + " } }",
        lambda w: {"id": w.contact_id},
    ),
    Op(
        "setContactClientAdmin",
        "mutation($id: ID!) { setContactClientAdmin(contactId: $id, isClientAdmin: false) "
        "{ __typename " + ERR + " } }",
        lambda w: {"id": w.contact_id},
    ),
    Op(
        "deactivateContact",
        "mutation($id: ID!) { deactivateContact(contactId: $id) { __typename " + ERR + " } }",
        lambda w: {"id": w.contact_id},
    ),
]

# The document drive (firm A's folder, file and version ids).
DRIVE_FILE = "__typename ... on DriveFile { id name } " + ERR
OPERATIONS += [
    Op(
        "drive",
        "query($id: ID!) { drive(organizationId: $id) { __typename "
        "... on Drive { folders { id name } } " + ERR + " } }",
        lambda w: {"id": w.org_id},
    ),
    Op(
        "driveFolder",
        "query($id: ID!) { driveFolder(id: $id) { __typename ... on DriveFolder { name "
        "files(first: 10, includeDeleted: true) { edges { node { id name } } } } " + ERR + " } }",
        lambda w: {"id": w.drive_folder_id},
    ),
    Op(
        "uploadFile",
        'mutation($f: ID!) { uploadFile(folderId: $f, filename: "probe.txt", '
        'contentBase64: "cHJvYmU=") { ' + DRIVE_FILE + " } }",
        lambda w: {"f": w.drive_folder_id},
    ),
    Op(
        "startUpload",
        'mutation($f: ID!) { startUpload(folderId: $f, filename: "probe.txt", size: 5, '
        'sha256: "' + "0" * 64 + '") { __typename ... on UploadTicket { url } ' + ERR + " } }",
        lambda w: {"f": w.drive_folder_id},
    ),
    Op(
        "completeUpload",
        "mutation($id: ID!) { completeUpload(uploadId: $id) { " + DRIVE_FILE + " } }",
        lambda w: {"id": "RHJpdmVVcGxvYWQ6MQ=="},  # DriveUpload:1
    ),
    Op(
        "downloadLink",
        "mutation($f: ID!, $v: ID) { downloadLink(fileId: $f, versionId: $v) { __typename "
        "... on DownloadLink { url } " + ERR + " } }",
        lambda w: {"f": w.drive_file_id, "v": w.drive_version_id},
    ),
    Op(
        "createDriveFolder",
        'mutation($f: ID!) { createDriveFolder(parentId: $f, name: "probe") { __typename '
        "... on DriveFolder { id } " + ERR + " } }",
        lambda w: {"f": w.drive_folder_id},
    ),
    Op(
        "deleteFile",
        "mutation($f: ID!) { deleteFile(fileId: $f) { " + DRIVE_FILE + " } }",
        lambda w: {"f": w.drive_file_id},
    ),
    Op(
        "restoreFile",
        "mutation($f: ID!) { restoreFile(fileId: $f) { " + DRIVE_FILE + " } }",
        lambda w: {"f": w.drive_file_id},
    ),
    Op(
        "driveAccessLog",
        "query($f: ID!) { a: driveAccessLog(first: 50) { edges { node { fileName ip } } } "
        "b: driveAccessLog(filter: {fileId: $f}) { edges { node { fileName } } } }",
        lambda w: {"f": w.drive_file_id},
    ),
    Op(
        "exportDriveAccessLog",
        "mutation($f: ID!) { exportDriveAccessLog(filter: {fileId: $f}) { id status } }",
        lambda w: {"f": w.drive_file_id},
    ),
    Op(
        "driveAccessExport",
        'query { driveAccessExport(id: "RHJpdmVBY2Nlc3NFeHBvcnQ6MQ==") { __typename '
        "... on DriveAccessExport { rows downloadUrl } " + ERR + " } }",
    ),
]

# Reports (firm A's report and import ids).
REPORT_RESULT = "__typename ... on Report { id status } " + ERR
OPERATIONS += [
    Op(
        "reports",
        "{ reports(first: 50) { edges { node { id status organization { name inn } "
        "timeline { text documents { name } } documents { name } } } } }",
    ),
    Op(
        "report",
        "query($id: ID!) { report(id: $id) { __typename ... on Report { status "
        "organization { name } timeline { text } documents { name } } " + ERR + " } }",
        lambda w: {"id": w.report_id},
    ),
    Op(
        "reportStatusCounts",
        "query($id: ID!) { reportStatusCounts(organizationId: $id) { total } }",
        lambda w: {"id": w.org_id},
    ),
    Op("reportForms", "{ reportForms { code } }"),
    Op(
        "reportImport",
        "query($id: ID!) { reportImport(id: $id) { __typename ... on ReportImport { total "
        "errors { message } } " + ERR + " } }",
        lambda w: {"id": w.report_import_id},
    ),
    Op(
        "createReport",
        'mutation($o: ID!) { createReport(input: {organizationId: $o, formCode: "vat", '
        'periodYear: 2025, periodCode: "Q2", authorityCode: "7701"}) { ' + REPORT_RESULT + " } }",
        lambda w: {"o": w.org_id},
    ),
    Op(
        "recordReportEvent",
        'mutation($r: ID!) { recordReportEvent(input: {reportId: $r, externalId: "bravo-probe", '
        'kind: REJECTED, occurredAt: "2026-01-01T00:00:00+00:00"}) { __typename '
        "... on ReportEventRecorded { report { status } } " + ERR + " } }",
        lambda w: {"r": w.report_id},
    ),
    Op(
        "importReportEvents",
        "mutation($l: String!) { importReportEvents(jsonLines: $l) { __typename "
        "... on ReportImport { id } " + ERR + " } }",
        lambda w: {
            "l": json.dumps(
                {
                    "reportId": w.report_id,
                    "externalId": "bravo-import",
                    "kind": "rejected",
                    "occurredAt": "2026-01-01T00:00:00+00:00",
                }
            )
        },
    ),
]

OPERATIONS += [
    Op(
        "reportDocumentLink",
        "mutation($d: ID!) { reportDocumentLink(documentId: $d) { __typename "
        "... on ReportDocumentLink { url } " + ERR + " } }",
        lambda w: {"d": w.report_document_id},
    ),
]

# Webhooks (firm A's endpoint and its pending delivery of the report event).
WEBHOOK_ENDPOINT = "__typename ... on WebhookEndpoint { id url } " + ERR
OPERATIONS += [
    Op("webhookEndpoints", "{ webhookEndpoints { id url topics } }"),
    Op(
        "webhookDeliveries",
        "query($e: ID!) { a: webhookDeliveries(endpointId: $e) { id payload attempts { error } } "
        "b: webhookDeliveries { id payload } }",
        lambda w: {"e": w.webhook_endpoint_id},
    ),
    Op(
        "createWebhookEndpoint",
        'mutation { createWebhookEndpoint(input: {url: "http://127.0.0.1:9/bravo", '
        'topics: ["report.status_changed"]}) { __typename '
        "... on WebhookEndpointCreated { endpoint { id } } " + ERR + " } }",
    ),
    Op(
        "updateWebhookEndpoint",
        "mutation($e: ID!) { updateWebhookEndpoint(input: {id: $e, active: false}) { "
        + WEBHOOK_ENDPOINT
        + " } }",
        lambda w: {"e": w.webhook_endpoint_id},
    ),
    Op(
        "deleteWebhookEndpoint",
        "mutation($e: ID!) { deleteWebhookEndpoint(id: $e) { __typename " + ERR + " } }",
        lambda w: {"e": w.webhook_endpoint_id},
    ),
    Op(
        "redeliverWebhook",
        "mutation($d: ID!) { redeliverWebhook(deliveryId: $d) { __typename "
        "... on WebhookDelivery { id payload } " + ERR + " } }",
        lambda w: {"d": w.webhook_delivery_id},
    ),
]

# In-app notifications (firm A's admin's notification of a rejection).
OPERATIONS += [
    Op(
        "notifications",
        "{ notifications(first: 50) { edges { node { id title body organizationName "
        "report { id } } } } }",
    ),
    Op("unreadNotificationCount", "{ unreadNotificationCount }"),
    Op(
        "markNotificationsRead",
        "mutation($i: ID!) { a: markNotificationsRead(ids: [$i]) { __typename "
        "... on NotificationsMarked { unreadCount } " + ERR + " } }",
        lambda w: {"i": w.notification_id},
    ),
    Op("notificationPreferences", "{ notificationPreferences { kind email } }"),
    Op(
        "updateNotificationPreferences",
        "mutation { updateNotificationPreferences(preferences: [{kind: REPORT_REJECTED, "
        "email: false}, {kind: CLARIFICATION_REQUESTED, email: true}]) { __typename "
        "... on NotificationPreferencesUpdated { preferences { kind email } } " + ERR + " } }",
    ),
]

# Subscriptions are covered over WebSocket by their modules' tests (ping has no tenant data;
# reportStatusChanged: tests/modules/test_reports_live.py, firm B's subscriber gets nothing).
NOT_IN_MATRIX = {"ping", "reportStatusChanged"}

MARKERS = (SECRET_FIRM, SECRET_ORG, SECRET_INN, SECRET_CONTACT, SECRET_INVITEE, SECRET_TOKEN)


def test_every_operation_of_the_schema_is_in_the_matrix() -> None:
    schema = build_schema()._schema
    fields = set()
    for root in (schema.query_type, schema.mutation_type, schema.subscription_type):
        if root is not None:
            fields |= set(root.fields)
    covered = {op.field for op in OPERATIONS} | NOT_IN_MATRIX
    missing = sorted(fields - covered)
    assert not missing, f"add these operations to the cross-tenant matrix: {missing}"


@pytest.fixture(scope="module")
def matrix_firms(db_engine: sa.Engine, settings: Any) -> dict[str, tuple[int, str]]:
    out = {}
    for key, slug, name in (
        ("a", "matrix-alpha", SECRET_FIRM),
        ("b", "matrix-bravo", "Bravo Open"),
    ):
        tenant_id = provision_tenant(db_engine, slug, name)
        out[key] = (tenant_id, f"{slug}.{settings.base_domain}")
    return out


@pytest.fixture(scope="module")
def alpha(matrix_firms, db_engine, live_server, settings) -> AlphaWorld:  # type: ignore[no-untyped-def]
    tenant_id, host = matrix_firms["a"]
    admin = create_person(
        db_engine,
        "matrix-admin-a@matrix.test",
        memberships=[(tenant_id, "staff", ["firm_admin"], None)],
    )
    c = GraphQLClient(live_server.url, host)
    login(c, admin.email, admin.password)
    org = c.execute(
        "mutation($i: CreateClientOrganizationInput!) { createClientOrganization(input: $i) "
        "{ __typename ... on ClientOrganization { id } ... on Error { code message } } }",
        {
            "i": {
                "name": SECRET_ORG,
                "legalForm": "OOO",
                "inn": SECRET_INN,
                "kpp": "773601001",
                "ogrn": "1027700070518",
                "taxRegime": "OSNO",
            }
        },
    )["createClientOrganization"]
    assert org["__typename"] == "ClientOrganization", org
    contact = c.execute(
        "mutation($o: ID!, $e: String!) { inviteContact(organizationId: $o, email: $e, "
        "grants: [REPORTS, DOCUMENTS], isClientAdmin: false) { __typename "
        "... on ClientContact { id } ... on Error { code message } } }",
        {"o": org["id"], "e": SECRET_CONTACT},
    )["inviteContact"]
    assert contact["__typename"] == "ClientContact", contact
    contact_token = link_in(last_message_to(settings, SECRET_CONTACT), "/invite").split("token=")[1]
    invite = c.execute(
        'mutation($e: String!) { inviteStaff(email: $e, roles: ["staff"]) { __typename '
        "... on InvitationSent { invitation { id } } ... on Error { code message } } }",
        {"e": SECRET_INVITEE},
    )["inviteStaff"]
    assert "invitation" in invite, invite
    invitation_token = link_in(last_message_to(settings, SECRET_INVITEE), "/invite").split(
        "token="
    )[1]
    token = c.execute(
        'mutation($n: String!) { createApiToken(name: $n, role: "integrator", expiresInDays: 30) '
        "{ __typename ... on ApiTokenCreated { apiToken { id } } ... on Error { code message } } }",
        {"n": SECRET_TOKEN},
    )["createApiToken"]
    assert "apiToken" in token, token
    role = c.execute(
        'mutation($n: String!) { createRole(name: $n, permissions: [{object: "clients", '
        'action: "read"}]) { __typename ... on Error { code message } } }',
        {"n": SECRET_ROLE},
    )["createRole"]
    assert "code" not in role, role
    members = c.execute("{ members(first: 50) { edges { node { id email } } } }")["members"][
        "edges"
    ]
    membership = next(e["node"]["id"] for e in members if e["node"]["email"] == admin.email)
    drive = c.execute(
        "query($o: ID!) { drive(organizationId: $o) { ... on Drive { folders { id systemKind } } "
        "} }",
        {"o": org["id"]},
    )["drive"]
    folder = next(f["id"] for f in drive["folders"] if f["systemKind"] == "FOR_CLIENT")
    file = c.execute(
        "mutation($f: ID!, $n: String!) { uploadFile(folderId: $f, filename: $n, "
        'contentBase64: "c2VjcmV0") { __typename ... on DriveFile { id versions { id } } '
        "... on Error { code message } } }",
        {"f": folder, "n": f"{SECRET_ORG}.txt"},
    )["uploadFile"]
    assert file["__typename"] == "DriveFile", file
    report = c.execute(
        'mutation($o: ID!) { createReport(input: {organizationId: $o, formCode: "vat", '
        'periodYear: 2025, periodCode: "Q1", authorityCode: "7701"}) { __typename '
        "... on Report { id } ... on Error { code message } } }",
        {"o": org["id"]},
    )["createReport"]
    assert report["__typename"] == "Report", report
    # A rejected report managed by the admin: the admin's notification (before the webhook
    # exists, so it makes no delivery).
    rejected = c.execute(
        'mutation($o: ID!, $m: ID!) { createReport(input: {organizationId: $o, formCode: "vat", '
        'periodYear: 2024, periodCode: "Q1", authorityCode: "7701", responsibleManagerId: $m}) '
        "{ __typename ... on Report { id } ... on Error { code message } } }",
        {"o": org["id"], "m": base64.b64encode(f"Person:{admin.id}".encode()).decode()},
    )["createReport"]
    assert rejected["__typename"] == "Report", rejected
    c.execute(
        "mutation($r: ID!, $t: String!) { recordReportEvent(input: {reportId: $r, "
        'externalId: "alpha-rejected", kind: REJECTED, occurredAt: "2026-01-01T00:00:00+00:00", '
        "text: $t}) { __typename } }",
        {"r": rejected["id"], "t": SECRET_ORG},
    )
    notification = c.execute("{ notifications(first: 1) { edges { node { id } } } }")[
        "notifications"
    ]["edges"][0]["node"]["id"]
    # The admin's own preferences (firm B's calls below must not change them).
    muted = c.execute(
        "mutation { updateNotificationPreferences(preferences: [{kind: CLARIFICATION_REQUESTED, "
        "email: false}]) { __typename } }"
    )["updateNotificationPreferences"]
    assert muted["__typename"] == "NotificationPreferencesUpdated", muted
    webhook = c.execute(
        "mutation($u: String!) { createWebhookEndpoint(input: {url: $u, "
        'topics: ["report.status_changed"]}) { __typename '
        "... on WebhookEndpointCreated { endpoint { id } } ... on Error { code message } } }",
        {"u": f"http://127.0.0.1:9/{SECRET_INN}"},
    )["createWebhookEndpoint"]
    assert webhook["__typename"] == "WebhookEndpointCreated", webhook
    sent = c.execute(
        "mutation($r: ID!, $t: String!, $n: String!) { recordReportEvent(input: {reportId: $r, "
        'externalId: "alpha-sent", kind: SENT, occurredAt: "2026-01-01T00:00:00+00:00", '
        'text: $t, documents: [{kind: REPORT_FILE, filename: $n, contentBase64: "c2VjcmV0"}]}) '
        "{ __typename ... on ReportEventRecorded { event { documents { id } } } } }",
        {"r": report["id"], "t": SECRET_ORG, "n": f"{SECRET_ORG}.xml"},
    )["recordReportEvent"]
    assert sent["__typename"] == "ReportEventRecorded", sent
    report_import = c.execute(
        "mutation($l: String!) { importReportEvents(jsonLines: $l) { __typename "
        "... on ReportImport { id } } }",
        {"l": json.dumps({"reportId": report["id"], "externalId": SECRET_ORG})},
    )["importReportEvents"]
    assert report_import["__typename"] == "ReportImport", report_import
    # The SENT event above made a pending delivery (no worker runs here).
    delivery = c.execute(
        "query($e: ID!) { webhookDeliveries(endpointId: $e) { id } }",
        {"e": webhook["endpoint"]["id"]},
    )["webhookDeliveries"]
    assert len(delivery) == 1, delivery
    return AlphaWorld(
        host=host,
        admin=c,
        org_id=org["id"],
        contact_id=contact["id"],
        invitation_id=invite["invitation"]["id"],
        invitation_token=invitation_token,
        contact_invitation_token=contact_token,
        token_id=token["apiToken"]["id"],
        membership_id=membership,
        admin_email=admin.email,
        drive_folder_id=folder,
        drive_file_id=file["id"],
        drive_version_id=file["versions"][0]["id"],
        report_id=report["id"],
        report_import_id=report_import["id"],
        report_document_id=sent["event"]["documents"][0]["id"],
        webhook_endpoint_id=webhook["endpoint"]["id"],
        webhook_delivery_id=delivery[0]["id"],
        notification_id=notification,
    )


@pytest.fixture(scope="module")
def bravo_actors(matrix_firms, db_engine, live_server) -> dict[str, GraphQLClient]:  # type: ignore[no-untyped-def]
    tenant_id, host = matrix_firms["b"]
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
    org = actors["admin"].execute(
        'mutation { createClientOrganization(input: {name: "Bravo Client", legalForm: OOO, '
        'inn: "7707083893", kpp: "773601001", ogrn: "1027700132195", taxRegime: OSNO}) '
        "{ __typename ... on ClientOrganization { id } ... on Error { code message } } }"
    )["createClientOrganization"]
    client_user = create_person(
        db_engine,
        "matrix-client-b@matrix.test",
        memberships=[(tenant_id, "client", ["client_admin"], pk_of(org["id"]))],
    )
    actors["manager"] = GraphQLClient(live_server.url, host)
    login(actors["manager"], manager.email, manager.password)
    actors["client"] = GraphQLClient(live_server.url, host)
    login(actors["client"], client_user.email, client_user.password)
    secret = actors["admin"].execute(
        'mutation { createApiToken(name: "bravo-integrator", role: "integrator", '
        "expiresInDays: 30) { ... on ApiTokenCreated { token } } }"
    )["createApiToken"]["token"]
    actors["integrator"] = GraphQLClient(live_server.url, host, token=secret)
    return actors


ACTORS = ("admin", "manager", "client", "integrator", "anonymous")


@pytest.mark.parametrize("actor", ACTORS)
def test_firm_b_actor_learns_and_changes_nothing_of_firm_a(actor, alpha, bravo_actors) -> None:  # type: ignore[no-untyped-def]
    client = bravo_actors[actor]
    leaks = []
    for op in OPERATIONS:
        if op.field == "logout":
            continue  # would end the actor's session for the rest of the sweep; run last below
        response = client.post({"query": op.query, "variables": op.variables(alpha)})
        assert response.status_code < 500, (op.field, response.text)
        text = body_text(response)
        leaks += [(op.field, marker) for marker in MARKERS if marker in text]
        assert not re.search(r'"code":\s*"INTERNAL"', text), (op.field, text)
    assert not leaks, leaks
    response = client.post({"query": "mutation { logout }"})
    assert response.status_code < 500
    _assert_alpha_unchanged(alpha)


def test_firm_b_credentials_are_refused_at_firm_a_host(alpha, bravo_actors, live_server) -> None:  # type: ignore[no-untyped-def]
    for actor in ("admin", "manager", "client", "integrator"):
        source = bravo_actors[actor]
        if actor != "integrator" and not source.cookies:
            login_again = {
                "admin": "matrix-admin-b",
                "manager": "matrix-manager-b",
                "client": "matrix-client-b",
            }
            login(source, f"{login_again[actor]}@matrix.test", PASSWORD)
        stolen = GraphQLClient(live_server.url, alpha.host, token=source.token)
        stolen.cookies = dict(source.cookies)
        for op in OPERATIONS:
            response = stolen.post({"query": op.query, "variables": op.variables(alpha)})
            assert response.status_code in (401, 403), (actor, op.field, response.text)
            assert response.json()["error"]["code"] in ("WRONG_HOST", "WRONG_TENANT"), response.text


def _assert_alpha_unchanged(w: AlphaWorld) -> None:
    org = w.admin.execute(
        "query($id: ID!) { clientOrganization(id: $id) { ... on ClientOrganization { name status "
        "moderators { id } contacts { status grants person { email } } } } }",
        {"id": w.org_id},
    )["clientOrganization"]
    assert org["name"] == SECRET_ORG and org["status"] == "ACTIVE"
    assert [(c["status"], sorted(c["grants"]), c["person"]["email"]) for c in org["contacts"]] == [
        ("ACTIVE", ["DOCUMENTS", "REPORTS"], SECRET_CONTACT)
    ]
    tokens = w.admin.execute("{ apiTokens { name revokedAt } }")["apiTokens"]
    assert {"name": SECRET_TOKEN, "revokedAt": None} in tokens
    roles = {
        r["name"]: r
        for r in w.admin.execute("{ roles { name description permissions { object action } } }")[
            "roles"
        ]
    }
    assert roles[SECRET_ROLE]["permissions"] == [{"object": "clients", "action": "read"}]
    assert roles[SECRET_ROLE]["description"] != "hijacked"
    members = w.admin.execute("{ members(first: 50) { edges { node { email roles } } } }")[
        "members"
    ]["edges"]
    assert {"email": w.admin_email, "roles": ["firm_admin"]} in [e["node"] for e in members]
    preview = w.admin.execute(
        "query($t: String!) { invitation(token: $t) { revoked used } }", {"t": w.invitation_token}
    )["invitation"]
    assert preview == {"revoked": False, "used": False}
    contact_invite = w.admin.execute(
        "query($t: String!) { invitation(token: $t) { used } }", {"t": w.contact_invitation_token}
    )["invitation"]
    assert contact_invite == {"used": False}
    assert w.admin.execute("{ branding { displayName phone } }")["branding"] == {
        "displayName": SECRET_FIRM,
        "phone": None,
    }
    firm = w.admin.execute("{ currentFirm { name } }")["currentFirm"]
    assert firm == {"name": SECRET_FIRM}
    files = w.admin.execute(
        "query($id: ID!) { driveFolder(id: $id) { ... on DriveFolder { "
        "files(first: 10, includeDeleted: true) { edges { node { name deletedAt "
        "versions { id } } } } } } }",
        {"id": w.drive_folder_id},
    )["driveFolder"]["files"]["edges"]
    assert [
        (e["node"]["name"], e["node"]["deletedAt"], len(e["node"]["versions"])) for e in files
    ] == [(f"{SECRET_ORG}.txt", None, 1)]
    report = w.admin.execute(
        "query($id: ID!) { report(id: $id) { ... on Report { status timeline { externalId } } } }",
        {"id": w.report_id},
    )["report"]
    assert report == {"status": "SENT", "timeline": [{"externalId": "alpha-sent"}]}
    hooks = w.admin.execute("{ webhookEndpoints { id active } }")["webhookEndpoints"]
    assert hooks == [{"id": w.webhook_endpoint_id, "active": True}]
    sent = w.admin.execute(
        "query($e: ID!) { webhookDeliveries(endpointId: $e) { id } }", {"e": w.webhook_endpoint_id}
    )["webhookDeliveries"]
    assert sent == [{"id": w.webhook_delivery_id}]
    mine = w.admin.execute("{ notifications(first: 50) { edges { node { id read } } } }")
    assert {"id": w.notification_id, "read": False} in [
        e["node"] for e in mine["notifications"]["edges"]
    ]
    assert w.admin.execute("{ notificationPreferences { kind email } }")[
        "notificationPreferences"
    ] == [
        {"kind": "REPORT_REJECTED", "email": True},
        {"kind": "CLARIFICATION_REQUESTED", "email": False},
    ]


def test_the_same_sweep_shows_firm_a_its_own_data(alpha) -> None:  # type: ignore[no-untyped-def]
    """Positive control: the read operations of the matrix do reveal the markers to firm A's
    own admin, so their absence for firm B means something."""
    seen = set()
    for op in OPERATIONS:
        if op.query.lstrip().startswith("mutation"):
            continue
        text = body_text(alpha.admin.post({"query": op.query, "variables": op.variables(alpha)}))
        seen |= {marker for marker in MARKERS if marker in text}
    assert seen == set(MARKERS)
