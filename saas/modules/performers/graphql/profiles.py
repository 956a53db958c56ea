"""Profiles (service/profiles.py): the performer's own profile, portfolio and НПД status;
a customer organization's settings for performer work."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry

from saas.core.actor import actor_of
from saas.core.ids import IdRefused, gid, optional_pk_of, pk_of, tenant_rows
from saas.core.people import PeopleByIdLoader, PersonCardType
from saas.modules.clients.service import ClientsError
from saas.modules.performers.loaders import PortfolioLoader, RatingLoader
from saas.modules.performers.models import PerformerCustomer, PerformerProfile, PortfolioItem
from saas.modules.performers.policy import (
    CUSTOMER_NOTE,
    PERFORMER_NOTE,
    performer_only,
    reads_performers,
    viewer_of,
    writes_performers,
)
from saas.modules.performers.service import profiles
from saas.modules.performers.service.gateway import check_performer
from saas.schema.context import Info
from saas.schema.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    ValidationError,
    error_result,
)

tenant_rows("Performer", "PortfolioItem")


@strawberry.enum(name="NpdStatus", description="The performer's НПД (self-employed) status.")
class NpdStatus(Enum):
    UNKNOWN = "unknown"
    ACTIVE = "active"
    INACTIVE = "inactive"


@strawberry.type(name="BankDetails", description="Bank details, checked by their control keys.")
class BankDetailsType:
    bank_name: str
    bik: str
    corr_account: str
    account: str


def _bank(
    name: str | None, bik: str | None, corr: str | None, acc: str | None
) -> BankDetailsType | None:
    if not (name and bik and corr and acc):
        return None
    return BankDetailsType(bank_name=name, bik=bik, corr_account=corr, account=acc)


@strawberry.type(name="FormerEmployer", description="An employer of the performer's past.")
class FormerEmployerType:
    inn: str
    until: date


@strawberry.type(name="PortfolioItem", description="A work of the performer's portfolio.")
class PortfolioItemType:
    row: strawberry.Private[PortfolioItem]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return gid("PortfolioItem", self.row.id)

    @strawberry.field
    def title(self) -> str:
        return self.row.title

    @strawberry.field
    def description(self) -> str:
        return self.row.description

    @strawberry.field
    def url(self) -> str | None:
        return self.row.url


@strawberry.type(
    name="PerformerProfile",
    description="A self-employed performer at this firm. Bank details, phone and former "
    "employers are shown to the performer and firm staff only.",
)
class PerformerProfileType:
    row: strawberry.Private[PerformerProfile]

    def _private(self, info: Info) -> bool:
        actor = actor_of(info.context)
        return actor.staff or actor.person_id == self.row.person_id

    @strawberry.field(description="The performer (type `Performer`: their person id).")
    def id(self) -> strawberry.ID:
        return gid("Performer", self.row.person_id)

    @strawberry.field(description="How the firm shows the person.")
    async def person(self, info: Info) -> PersonCardType | None:
        card = await info.context.loader(PeopleByIdLoader).load(self.row.person_id)
        return PersonCardType.of(card) if card else None

    @strawberry.field
    def inn(self) -> str:
        return self.row.inn

    @strawberry.field(description="The full name written in contracts.")
    def full_name(self) -> str:
        return self.row.full_name

    @strawberry.field
    def phone(self, info: Info) -> str | None:
        return self.row.phone if self._private(info) else None

    @strawberry.field
    def skills(self) -> list[str]:
        return list(self.row.skills)

    @strawberry.field
    def about(self) -> str:
        return self.row.about

    @strawberry.field
    def bank(self, info: Info) -> BankDetailsType | None:
        if not self._private(info):
            return None
        r = self.row
        return _bank(r.bank_name, r.bank_bik, r.bank_corr_account, r.bank_account)

    @strawberry.field(description="Whether bank details are filled in (payments need them).")
    def has_bank_details(self) -> bool:
        return bool(self.row.bank_account)

    @strawberry.field
    def former_employers(self, info: Info) -> list[FormerEmployerType]:
        if not self._private(info):
            return []
        return [
            FormerEmployerType(inn=e["inn"], until=date.fromisoformat(e["until"]))
            for e in self.row.former_employers
        ]

    @strawberry.field(description="The last НПД status the tax service gave.")
    def npd_status(self) -> NpdStatus:
        return NpdStatus(self.row.npd_status)

    @strawberry.field
    def npd_checked_on(self) -> date | None:
        return self.row.npd_checked_on

    @strawberry.field(description="The tax service's words of the last check.")
    def npd_message(self) -> str | None:
        return self.row.npd_message

    @strawberry.field
    async def portfolio(self, info: Info) -> list[PortfolioItemType]:
        rows = await info.context.loader(PortfolioLoader).load(self.row.person_id)
        return [PortfolioItemType(row=r) for r in rows]

    @strawberry.field(description="Orders finished for customers of this firm.")
    async def orders_done(self, info: Info) -> int:
        return int((await info.context.loader(RatingLoader).load(self.row.person_id))[0])

    @strawberry.field(description="Orders given to the performer at this firm.")
    async def orders_given(self, info: Info) -> int:
        return int((await info.context.loader(RatingLoader).load(self.row.person_id))[1])

    @strawberry.field
    def updated_at(self) -> datetime:
        return self.row.updated_at


@strawberry.type(
    name="PerformerCustomer",
    description="A client organization's settings for work with performers.",
)
class PerformerCustomerType:
    row: strawberry.Private[PerformerCustomer]

    @strawberry.field
    def organization_id(self) -> strawberry.ID:
        return gid("ClientOrganization", self.row.organization_id)

    @strawberry.field(description="The contact person responsible for performer work.")
    async def responsible(self, info: Info) -> PersonCardType | None:
        if self.row.responsible_person_id is None:
            return None
        card = await info.context.loader(PeopleByIdLoader).load(self.row.responsible_person_id)
        return PersonCardType.of(card) if card else None

    @strawberry.field(description="The payer's account for payment registries.")
    def bank(self) -> BankDetailsType | None:
        r = self.row
        return _bank(r.bank_name, r.bank_bik, r.bank_corr_account, r.bank_account)

    @strawberry.field(description="The firm's agency fee, percent of the amounts paid.")
    def agency_fee_percent(self) -> Decimal:
        return self.row.agency_fee_percent


@strawberry.input(description="Bank details: all four or none.")
class BankDetailsInput:
    bank_name: str
    bik: str
    corr_account: str
    account: str


def _bank_in(value: BankDetailsInput | None) -> profiles.BankDetails:
    if value is None:
        return profiles.BankDetails()
    return profiles.BankDetails(value.bank_name, value.bik, value.corr_account, value.account)


@strawberry.input
class FormerEmployerInput:
    inn: str
    until: date


@strawberry.input(description="The performer's own profile.")
class PerformerProfileInput:
    inn: str
    full_name: str
    phone: str | None = None
    skills: list[str] = strawberry.field(default_factory=list)
    about: str = ""
    bank: BankDetailsInput | None = None
    former_employers: list[FormerEmployerInput] = strawberry.field(default_factory=list)


@strawberry.input
class PerformerCustomerInput:
    responsible_person_id: strawberry.ID | None = None
    bank: BankDetailsInput | None = None
    agency_fee_percent: Decimal | None = strawberry.field(
        default=None, description="Staff with `performers:manage` only."
    )


ProfileResult = Annotated[
    PerformerProfileType | ValidationError | ConflictError | ForbiddenError,
    strawberry.union("PerformerProfileResult"),
]
PortfolioResult = Annotated[
    PortfolioItemType | ValidationError | NotFoundError | ForbiddenError,
    strawberry.union("PortfolioItemResult"),
]
CustomerResult = Annotated[
    PerformerCustomerType | ValidationError | NotFoundError | ForbiddenError,
    strawberry.union("PerformerCustomerResult"),
]


@strawberry.type
class Query:
    @strawberry.field(
        description="The viewer's own performer profile at this firm (null until filled in). "
        + PERFORMER_NOTE,
        extensions=performer_only(),
    )
    async def performer_profile(self, info: Info) -> PerformerProfileType | None:
        actor = await viewer_of(info.context)
        row = await profiles.profile_of(info.context.db, actor.person_id or 0)
        return PerformerProfileType(row=row) if row else None

    @strawberry.field(
        description="A client organization's settings for work with performers. " + CUSTOMER_NOTE,
        extensions=reads_performers(),
    )
    async def performer_customer(
        self, info: Info, organization_id: strawberry.ID
    ) -> CustomerResult:
        ctx = info.context
        try:
            org = await pk_of(ctx, "ClientOrganization", organization_id, field="organizationId")
            actor = await viewer_of(ctx)
            row = await profiles.customer_settings(ctx.db, actor, org)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return PerformerCustomerType(row=row)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Fill in or change the viewer's performer profile: INN (12 digits, check "
        "digits), name, skills, bank details (BIK and accounts checked by their control keys), "
        "former employers. " + PERFORMER_NOTE,
        extensions=performer_only(),
    )
    async def save_performer_profile(
        self, info: Info, input: PerformerProfileInput
    ) -> ProfileResult:
        ctx = info.context
        data = profiles.ProfileInput(
            inn=input.inn,
            full_name=input.full_name,
            phone=input.phone,
            skills=input.skills,
            about=input.about,
            bank=_bank_in(input.bank),
            former_employers=[(e.inn, e.until) for e in input.former_employers],
        )
        try:
            actor = await viewer_of(ctx)
            async with ctx.unit_of_work() as session:
                row = await profiles.save_profile(session, actor, data)
        except ClientsError as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return PerformerProfileType(row=row)

    @strawberry.mutation(
        description="Ask the tax service for the viewer's НПД status today (cached for the "
        "day). " + PERFORMER_NOTE,
        extensions=performer_only(),
    )
    async def check_my_npd_status(self, info: Info) -> ProfileResult:
        ctx = info.context
        try:
            actor = await viewer_of(ctx)
            async with ctx.unit_of_work() as session:
                row = await profiles.my_profile(session, actor)
                if row is None:
                    raise profiles.PerformersError(
                        "conflict",
                        "PROFILE_REQUIRED",
                        "Сначала заполните профиль: ИНН, ФИО и реквизиты.",
                        "Fill in your profile first: INN, name and bank details.",
                    )
                await check_performer(ctx.services, ctx.tenant.slug, row)
                await session.flush()
        except ClientsError as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return PerformerProfileType(row=row)

    @strawberry.mutation(
        description="Add a work to the portfolio. " + PERFORMER_NOTE, extensions=performer_only()
    )
    async def add_portfolio_item(
        self, info: Info, title: str, description: str = "", url: str | None = None
    ) -> PortfolioResult:
        ctx = info.context
        try:
            actor = await viewer_of(ctx)
            async with ctx.unit_of_work() as session:
                row = await profiles.add_portfolio_item(session, actor, title, description, url)
        except ClientsError as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return PortfolioItemType(row=row)

    @strawberry.mutation(
        description="Remove a work of the portfolio. " + PERFORMER_NOTE, extensions=performer_only()
    )
    async def remove_portfolio_item(self, info: Info, item_id: strawberry.ID) -> PortfolioResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "PortfolioItem", item_id, field="itemId")
            actor = await viewer_of(ctx)
            async with ctx.unit_of_work() as session:
                row = await session.get(PortfolioItem, pk)
                await profiles.remove_portfolio_item(session, actor, pk)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        assert row is not None
        return PortfolioItemType(row=row)

    @strawberry.mutation(
        description="Set a client organization's responsible person for performer work (a "
        "contact of that organization) and the payer's account for registries; the fee only by "
        "staff with `performers:manage`. " + CUSTOMER_NOTE,
        extensions=writes_performers(),
    )
    async def save_performer_customer(
        self, info: Info, organization_id: strawberry.ID, input: PerformerCustomerInput
    ) -> CustomerResult:
        ctx = info.context
        try:
            org = await pk_of(ctx, "ClientOrganization", organization_id, field="organizationId")
            person = await optional_pk_of(
                ctx, "Person", input.responsible_person_id, field="responsiblePersonId"
            )
            actor = await viewer_of(ctx)
            data = profiles.CustomerInput(person, _bank_in(input.bank), input.agency_fee_percent)
            may_fee = actor.staff and actor.may("performers", "manage")
            async with ctx.unit_of_work() as session:
                row = await profiles.save_customer_settings(
                    session, actor, org, data, may_set_fee=may_fee, shared=ctx.shared
                )
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return PerformerCustomerType(row=row)
