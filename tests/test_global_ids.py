"""Incoming global ids are resolved inside the caller's firm, by the one core function
(`saas.core.ids.pk_of`): a person id of another firm, of the firm's own client or of a
pending invitee names no responsible manager; hostile ids (out of range, negative,
malformed, of the wrong type) answer INVALID_ID or NOT_FOUND, never INTERNAL."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.support.auth import create_person, login
from tests.support.client import GraphQLClient
from tests.support.clients import llc
from tests.support.ids import gid
from tests.support.mail import messages_to

CREATE_ORG = """mutation($i: CreateClientOrganizationInput!) { createClientOrganization(input: $i)
  { __typename ... on ClientOrganization { id } ... on Error { code message } } }"""
CREATE_REPORT = """mutation($i: CreateReportInput!) { createReport(input: $i) { __typename
  ... on Report { id responsibleManager { id email displayName } }
  ... on Error { code message } ... on ValidationError { field } } }"""
REPORTS = "{ reports(first: 100) { edges { node { id } } } }"


class Bravo:
    def __init__(self, admin: GraphQLClient, org: str):
        self.admin, self.org = admin, org


@pytest.fixture(scope="module")
def bravo(firms, people, live_server) -> Bravo:  # type: ignore[no-untyped-def]
    admin = GraphQLClient(live_server.url, firms["b"].host)
    login(admin, people["b"].admin.email, people["b"].admin.password)
    org = admin.execute(CREATE_ORG, {"i": llc("Bravo Ids")})["createClientOrganization"]
    assert org["__typename"] == "ClientOrganization", org
    return Bravo(admin, org["id"])


def _report(bravo: Bravo, manager: str | None, period: str) -> dict[str, Any]:
    data = {
        "organizationId": bravo.org,
        "formCode": "vat",
        "periodYear": 2025,
        "periodCode": period,
        "authorityCode": "7701",
        "responsibleManagerId": manager,
    }
    return bravo.admin.execute(CREATE_REPORT, {"i": data})["createReport"]


def test_a_responsible_manager_is_active_staff_of_the_callers_firm(  # type: ignore[no-untyped-def]
    bravo, firms, people, db_engine, settings
) -> None:
    invitee = create_person(db_engine, "ids-invitee@matrix.test", display_name="Invitee Secret")
    invited = bravo.admin.execute(
        'mutation($e: String!) { inviteStaff(email: $e, roles: ["manager"]) { __typename } }',
        {"e": invitee.email},
    )["inviteStaff"]
    assert invited["__typename"] == "InvitationSent", invited
    before = bravo.admin.execute(REPORTS)["reports"]["edges"]
    foreign_manager = people["a"].manager
    mails_before = len(messages_to(settings, foreign_manager.email))
    outsiders = {
        "another firm's manager": foreign_manager,
        "another firm's admin": people["a"].admin,
        "the firm's own client user": people["b"].client,
        "an invitee who has not accepted": invitee,
    }
    for period, (who, person) in zip(("Q1", "Q2", "Q3", "Q4"), outsiders.items(), strict=True):
        result = _report(bravo, gid("Person", person.id), period)
        assert result["__typename"] == "ValidationError", (who, result)
        assert (result["code"], result["field"]) == ("NOT_STAFF", "responsibleManagerId")
        text = json.dumps(result, ensure_ascii=False)
        assert person.email not in text, (who, text)
    # Nothing was created, and nobody of firm A heard of firm B.
    assert bravo.admin.execute(REPORTS)["reports"]["edges"] == before
    assert len(messages_to(settings, foreign_manager.email)) == mails_before
    # The firm's own manager is accepted (the check is not a blanket refusal).
    own = _report(bravo, gid("Person", people["b"].manager.id), "Q1")
    assert own["__typename"] == "Report", own
    assert own["responsibleManager"]["email"] == people["b"].manager.email


HOSTILE = {
    "2^63": gid("Report", 2**63),
    "2^64": gid("Report", 2**64),
    "huge": gid("Report", "9" * 40),
    "negative": gid("Report", -1),
    "zero": gid("Report", 0),
    "unicode digits": gid("Report", "١٢٣"),
    "not base64": "!!not*base64!!",
    "base64 without a type": base64.b64encode(b"no colon here").decode(),
    "not utf-8": base64.b64encode(b"\xff\xfe:1").decode(),
    "empty": "",
}
# (operation, variables for an id) over arguments of every kind of home: tenant rows,
# shared rows scoped by firm, people, `node`/`nodes`, list filters.
ID_OPERATIONS = (
    "query($i: ID!) { report(id: $i) { __typename ... on Error { code } } }",
    "query($i: ID!) { node(id: $i) { id } }",
    "query($i: ID!) { nodes(ids: [$i]) { id } }",
    "query($i: ID!) { clientOrganization(id: $i) { __typename ... on Error { code } } }",
    "query($i: ID!) { reports(organizationId: $i) { edges { node { id } } } }",
    "query($i: ID!) { driveAccessLog(filter: {personId: $i}) { edges { node { id } } } }",
    "query($i: ID!) { webhookDeliveries(endpointId: $i) { id } }",
    "mutation($i: ID!) { restoreFile(fileId: $i) { __typename ... on Error { code } } }",
    "mutation($i: ID!) { revokeApiToken(id: $i) { __typename ... on Error { code } } }",
    "mutation($i: ID!) { assignRoles(membershipId: $i, roles: []) { __typename "
    "... on Error { code } } }",
    "mutation($i: ID!) { markNotificationsRead(ids: [$i]) { __typename ... on Error { code } } }",
    'mutation($o: ID!, $i: ID!) { createReport(input: {organizationId: $o, formCode: "vat", '
    'periodYear: 2024, periodCode: "Q4", authorityCode: "7701", responsibleManagerId: $i}) '
    "{ __typename ... on Error { code } } }",
)
ID_CODES = {"INVALID_ID", "NOT_FOUND", "NOT_STAFF", "MEMBER_NOT_FOUND"}


def test_hostile_ids_answer_a_typed_refusal_never_internal(bravo) -> None:  # type: ignore[no-untyped-def]
    for query in ID_OPERATIONS:
        for what, value in HOSTILE.items():
            response = bravo.admin.post({"query": query, "variables": {"i": value, "o": bravo.org}})
            assert response.status_code == 200, (query, what, response.text)
            body = response.json()
            codes = {e["extensions"]["code"] for e in body.get("errors", [])}
            for result in (body.get("data") or {}).values():
                if isinstance(result, dict) and "code" in result:
                    codes.add(result["code"])
            assert codes <= ID_CODES, (query, what, body)


def test_restoring_another_firms_file_is_not_found(bravo, firms, people, live_server) -> None:  # type: ignore[no-untyped-def]
    alpha = GraphQLClient(live_server.url, firms["a"].host)
    login(alpha, people["a"].admin.email, people["a"].admin.password)
    org = alpha.execute(CREATE_ORG, {"i": llc("Alpha Restore")})["createClientOrganization"]
    folders = alpha.execute(
        "query($o: ID!) { drive(organizationId: $o) { ... on Drive { folders { id } } } }",
        {"o": org["id"]},
    )["drive"]["folders"]
    upload = (
        'mutation($f: ID!) { uploadFile(folderId: $f, filename: "a.txt", '
        'contentBase64: "YQ==") { __typename ... on DriveFile { id } } }'
    )
    file = alpha.execute(upload, {"f": folders[0]["id"]})["uploadFile"]
    assert file["__typename"] == "DriveFile", file
    deleted = alpha.execute(
        "mutation($f: ID!) { deleteFile(fileId: $f) { __typename } }", {"f": file["id"]}
    )["deleteFile"]
    assert deleted["__typename"] == "DriveFile", deleted
    for fid in (file["id"], gid("DriveFile", 2**63 - 1), gid("DriveFile", 2**63)):
        refused = bravo.admin.execute(
            "mutation($f: ID!) { restoreFile(fileId: $f) { __typename ... on Error { code } } }",
            {"f": fid},
        )["restoreFile"]
        assert refused == {"__typename": "NotFoundError", "code": "NOT_FOUND"}, (fid, refused)
    # The owner restores it, and restoring a file that is not deleted answers the file.
    for _ in range(2):
        restored = alpha.execute(
            "mutation($f: ID!) { restoreFile(fileId: $f) { __typename ... on DriveFile { id } } }",
            {"f": file["id"]},
        )["restoreFile"]
        assert restored == {"__typename": "DriveFile", "id": file["id"]}, restored
