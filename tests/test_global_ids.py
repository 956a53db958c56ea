"""Incoming global ids are resolved inside the caller's firm, by the one core function
(`saas.core.ids.pk_of`): a person id of another firm, of the firm's own client or of a
pending invitee names no responsible manager; hostile ids (out of range, negative,
malformed, of the wrong type) answer INVALID_ID or NOT_FOUND, never INTERNAL."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.modules.test_clients_api import llc
from tests.support.auth import create_person, login
from tests.support.client import GraphQLClient
from tests.support.mail import messages_to


def gid(type_name: str, number: int | str) -> str:
    return base64.b64encode(f"{type_name}:{number}".encode()).decode()


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
        assert result["__typename"] == "NotFoundError", (who, result)
        assert result["code"] == "NOT_FOUND", (who, result)
        text = json.dumps(result, ensure_ascii=False)
        assert person.email not in text, (who, text)
    # Nothing was created, and nobody of firm A heard of firm B.
    assert bravo.admin.execute(REPORTS)["reports"]["edges"] == before
    assert len(messages_to(settings, foreign_manager.email)) == mails_before
    # The firm's own manager is accepted (the check is not a blanket refusal).
    own = _report(bravo, gid("Person", people["b"].manager.id), "Q1")
    assert own["__typename"] == "Report", own
    assert own["responsibleManager"]["email"] == people["b"].manager.email
