"""What the performers' money and payments browser tests (tests/e2e/test_performer_money.py,
test_performer_payments.py) set up alike: a customer organization granting 'performers' with
one contact, self-employed performers with a saved profile, each logged in over the API
(`PerformersSetUp`, closing its clients at the end); a page in Russian, and a sum as the
cabinet writes it (`rub`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import sqlalchemy as sa

from saas.settings import Settings
from tests.e2e.support import PASSWORD, FirmAdmin, Site, accept_invitation, invitation_token
from tests.support.auth import TestPerson, create_person, login
from tests.support.client import GraphQLClient
from tests.support.firms import Firm
from tests.support.performers import Party, enable_performers, save_profile, set_status


@dataclass(frozen=True)
class Customer:
    """An organization granting 'performers' and its contact (logged in as `party`)."""

    org_id: str
    org_pk: int
    org_name: str
    contact: str
    contact_name: str
    party: Party


@dataclass(frozen=True)
class Performer:
    """A performer of the firm with a saved profile (`profile`: PROFILE's fields), self-employed
    at the НПД simulator, logged in as `party`."""

    person: TestPerson
    party: Party
    profile: dict[str, Any]


class PerformersSetUp:
    """Set-up through the API of `admin`'s firm; `with` closes every client it logged in."""

    def __init__(
        self,
        site: Site,
        admin: FirmAdmin,
        settings: Settings,
        server: Any,
        db_engine: sa.Engine,
    ) -> None:
        self.site, self.admin, self.settings = site, admin, settings
        self.server, self.db_engine = server, db_engine
        self.firm: Firm = admin.firm
        self.clients: list[GraphQLClient] = []

    def __enter__(self) -> PerformersSetUp:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for client in self.clients:
            client.close()

    def party(self, email: str, password: str) -> Party:
        """`email` logged in at the firm's host."""
        client = self.site.api(self.site.firm_host(self.firm))
        self.clients.append(client)
        login(client, email, password)
        return Party(client, email)

    def customer(self, org_name: str, contact: str, contact_name: str) -> Customer:
        """A new organization with 'performers' enabled; `contact` invited with the grant,
        accepted (PASSWORD) under `contact_name`, logged in."""
        org_id, org_pk = self.admin.create_organization(org_name)
        enable_performers(self.db_engine, self.firm.slug, org_pk)
        self.admin.invite_contact(org_id, contact, ["PERFORMERS"])
        token = invitation_token(self.settings, contact)
        accept_invitation(self.site, self.firm, token, PASSWORD, contact_name)
        party = self.party(contact, PASSWORD)
        return Customer(org_id, org_pk, org_name, contact, contact_name, party)

    def performer(self, email: str, name: str, display_name: str | None = None) -> Performer:
        """A person with the firm's `performer` role (`display_name`, default `name`) whose
        profile is saved as `name`, self-employed."""
        person = create_person(
            self.db_engine,
            email,
            display_name=display_name or name,
            memberships=[(self.firm.id, "performer", ["performer"], None)],
        )
        party = self.party(person.email, person.password)
        profile = save_profile(party.client, name)
        assert profile["__typename"] == "PerformerProfile", profile
        set_status(self.server, profile["inn"], True)
        return Performer(person, party, profile)


def new_page(chromium: Any, viewport: dict[str, int] | None = None) -> Any:
    """A page of a new Russian browser context (desktop unless `viewport`)."""
    context = chromium.new_context(
        viewport=viewport or {"width": 1280, "height": 900}, locale="ru-RU", accept_downloads=True
    )
    context.set_default_timeout(15_000)
    return context.new_page()


def rub(amount: str) -> re.Pattern[str]:
    """A sum as the cabinet shows it in Russian ("10 000,00 ₽", any kind of space)."""
    return re.compile(amount.replace(" ", r"\s") + r"\s₽")
