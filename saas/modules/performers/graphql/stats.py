"""Income and tax (the performer), the firm's statistics, risk signals and agency documents
(service/stats.py, risks.py, agency.py)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from saas.core.calendar.firm import calendar_of
from saas.core.ids import IdRefused, gid, pk_of, tenant_rows
from saas.modules.clients.service import ClientsError
from saas.modules.performers.graphql.arguments import after_id, optional_id
from saas.modules.performers.models import AgencyDocument
from saas.modules.performers.policy import (
    MANAGE_NOTE,
    PERFORMER_NOTE,
    READ_NOTE,
    manages,
    performer_only,
    reads_performers,
    viewer_of,
)
from saas.modules.performers.service import agency, risks, stats
from saas.modules.performers.service.income import DEDUCTION_KOPECKS, LIMIT_KOPECKS
from saas.modules.performers.service.scope import Side, side_of
from saas.rbac.permissions import requires
from saas.schema.context import Info
from saas.schema.errors import ForbiddenError, NotFoundError, ValidationError, error_result
from saas.storage import tenant_files

tenant_rows("PerformerAgencyDocument")


@strawberry.type(description="A performer's income this year against the НПД limit, and the tax.")
class PerformerIncome:
    year: int
    income_kopecks: int = strawberry.field(
        description="Payments paid this year less the amounts of cancelled receipts."
    )
    by_month_kopecks: list[int] = strawberry.field(description="January first.")
    limit_kopecks: int
    left_kopecks: int
    limit_level: str = strawberry.field(description="OK, WARN_80, WARN_95 or EXCEEDED.")
    tax_kopecks: int = strawberry.field(
        description="4% from individuals, 6% from organizations and entrepreneurs, less the "
        "10,000 ₽ deduction while it lasts (3% and 4%)."
    )
    deduction_used_kopecks: int
    deduction_left_kopecks: int
    responded: int
    won: int
    done: int
    contracts_signed: int
    average_order_kopecks: int = strawberry.field(
        description="This year's income over the number of orders it was paid for."
    )


@strawberry.type(description="An amount paid to performers in a month or by a customer.")
class PerformerVolume:
    key: str
    organization_id: strawberry.ID | None
    kopecks: int


@strawberry.type(description="A count of orders in one status.")
class PerformerOrderCount:
    status: str
    count: int


@strawberry.type(description="The firm's numbers of performer work in a period.")
class PerformerStatistics:
    performers: int
    npd_active: int
    orders_by_status: list[PerformerOrderCount]
    volume_by_month: list[PerformerVolume]
    volume_by_customer: list[PerformerVolume]
    agency_documents: int


@strawberry.type(description="A sign of disguised employment (shown, never blocking).")
class PerformerRiskSignal:
    kind: str = strawberry.field(description="FORMER_EMPLOYER, DOMINANT_CUSTOMER, FIXED_MONTHLY.")
    performer_id: strawberry.ID
    organization_id: strawberry.ID
    months: list[str]
    message: str


@strawberry.type(name="PerformerAgencyDocument", description="The firm's fee invoice or act.")
class AgencyDocumentType:
    row: strawberry.Private[AgencyDocument]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return gid("PerformerAgencyDocument", self.row.id)

    @strawberry.field
    def organization_id(self) -> strawberry.ID:
        return gid("ClientOrganization", self.row.organization_id)

    @strawberry.field(description="The month's first day.")
    def period(self) -> date:
        return self.row.period

    @strawberry.field(description="INVOICE or ACT.")
    def kind(self) -> str:
        return self.row.kind.upper()

    @strawberry.field
    def number(self) -> str:
        return self.row.number

    @strawberry.field(description="Paid to performers that month, kopecks.")
    def volume_kopecks(self) -> int:
        return self.row.volume_kopecks

    @strawberry.field(description="The firm's fee, kopecks.")
    def fee_kopecks(self) -> int:
        return self.row.fee_kopecks

    @strawberry.field(description="A short-lived link bound to the viewer; fetches are audited.")
    async def download_url(self, info: Info) -> str:
        files = tenant_files(info.context.services, info.context.tenant)
        return agency.download_link(files, await viewer_of(info.context), self.row)


@strawberry.type(description="The invoice and the act of a month.")
class PerformerAgencyDocuments:
    documents: list[AgencyDocumentType]


GeneratedResult = Annotated[
    PerformerAgencyDocuments | ValidationError | NotFoundError | ForbiddenError,
    strawberry.union("PerformerAgencyDocumentsResult"),
]


@strawberry.type
class Query:
    @strawberry.field(
        description="The viewer's income in `year` (this year by default; null for anyone but "
        "a performer) against the "
        f"{LIMIT_KOPECKS // 100:,} ₽ limit (warnings at 80% and 95%) and the tax estimate with "
        f"the {DEDUCTION_KOPECKS // 100:,} ₽ deduction. " + PERFORMER_NOTE,
        extensions=performer_only(),
    )
    async def performer_income(self, info: Info, year: int | None = None) -> PerformerIncome | None:
        actor = await viewer_of(info.context)
        if side_of(actor) is not Side.PERFORMER:
            return None
        this_year = calendar_of(info.context.tenant).today().year
        got = await stats.performer_income(info.context.db, actor, year or this_year)
        return PerformerIncome(
            year=got.year,
            income_kopecks=got.limit.income_kopecks,
            by_month_kopecks=got.by_month,
            limit_kopecks=LIMIT_KOPECKS,
            left_kopecks=got.limit.left_kopecks,
            limit_level=got.limit.level.name,
            tax_kopecks=got.tax.tax_kopecks,
            deduction_used_kopecks=got.tax.deduction_used_kopecks,
            deduction_left_kopecks=got.tax.deduction_left_kopecks,
            responded=got.responded,
            won=got.won,
            done=got.done,
            contracts_signed=got.contracts_signed,
            average_order_kopecks=got.average_order_kopecks,
        )

    @strawberry.field(
        description="The firm's performer statistics from `from` (inclusive) to `to` "
        "(exclusive): performers, orders by status, the volume paid by month and by customer, "
        "agency documents. Staff with `performers:read`.",
        extensions=requires("performers", "read"),
    )
    async def performer_statistics(
        self,
        info: Info,
        to: date,
        from_: Annotated[date, strawberry.argument(name="from")],
    ) -> PerformerStatistics:
        actor = await viewer_of(info.context)
        got = await stats.firm_statistics(info.context.db, actor, from_, to)

        def volume(v: stats.Volume) -> PerformerVolume:
            org = (
                None if v.organization_id is None else gid("ClientOrganization", v.organization_id)
            )
            return PerformerVolume(key=v.key, organization_id=org, kopecks=v.kopecks)

        return PerformerStatistics(
            performers=got.performers,
            npd_active=got.npd_active,
            orders_by_status=[
                PerformerOrderCount(status=k.upper(), count=v)
                for k, v in sorted(got.orders_by_status.items())
            ],
            volume_by_month=[volume(v) for v in got.by_month],
            volume_by_customer=[volume(v) for v in got.by_customer],
            agency_documents=got.agency_documents,
        )

    @strawberry.field(
        description="Signs of disguised employment in paid work (the tax service's criteria): "
        "staff see their organizations', a customer its own. " + READ_NOTE,
        extensions=reads_performers(),
    )
    async def performer_risk_signals(
        self,
        info: Info,
        organization_id: strawberry.ID | None = None,
        for_performer_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this performer's signals (a `Performer` id)."),
        ] = None,
    ) -> list[PerformerRiskSignal]:
        ctx = info.context
        actor = await viewer_of(ctx)
        org = optional_id(organization_id, "ClientOrganization")
        person = optional_id(for_performer_id, "Performer")
        try:
            found = await risks.risk_signals(ctx.db, actor, org, person)
        except ClientsError:
            return []
        english = ctx.language == "en"
        return [
            PerformerRiskSignal(
                kind=s.kind,
                performer_id=gid("Performer", s.performer_person_id),
                organization_id=gid("ClientOrganization", s.organization_id),
                months=s.months,
                message=s.en if english else s.ru,
            )
            for s in found
        ]

    @strawberry.field(
        description="The firm's agency documents (fee invoices and acts), newest period first: "
        "staff in scope and the organization's customers. " + READ_NOTE,
        extensions=reads_performers(),
    )
    async def performer_agency_documents(
        self,
        info: Info,
        organization_id: strawberry.ID | None = None,
        first: int = 50,
        after: Annotated[
            str | None,
            strawberry.argument(description="The last document's id of the previous page."),
        ] = None,
    ) -> list[AgencyDocumentType]:
        actor = await viewer_of(info.context)
        org = optional_id(organization_id, "ClientOrganization")
        before = after_id(after, "PerformerAgencyDocument")
        rows = await agency.list_documents(info.context.db, actor, org, first, before)
        return [AgencyDocumentType(row=r) for r in rows]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Make (or make again) the month's fee invoice and act for a customer: the "
        "fee is its percent of what was paid to performers that month. " + MANAGE_NOTE,
        extensions=manages(),
    )
    async def generate_performer_agency_documents(
        self, info: Info, organization_id: strawberry.ID, period: date
    ) -> GeneratedResult:
        ctx = info.context
        try:
            org = await pk_of(ctx, "ClientOrganization", organization_id, field="organizationId")
            actor = await viewer_of(ctx)
            files = tenant_files(ctx.services, ctx.tenant)
            async with ctx.unit_of_work() as session:
                rows = await agency.generate(session, actor, files, ctx.tenant.name, org, period)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return PerformerAgencyDocuments(documents=[AgencyDocumentType(row=r) for r in rows])
