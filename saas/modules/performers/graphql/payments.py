"""Payment registries (the 1CClientBankExchange file), payments and НПД receipts
(service/registries.py)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from saas.core.ids import IdRefused, gid, pk_of, tenant_rows
from saas.core.loaders import ContextLoader
from saas.modules.clients.service import ClientsError
from saas.modules.performers.graphql.arguments import AfterCursor, after_id, optional_id
from saas.modules.performers.graphql.profiles import PerformerProfileType
from saas.modules.performers.loaders import ProfileLoader
from saas.modules.performers.models import Payment, PaymentRegistry, Receipt
from saas.modules.performers.policy import (
    CUSTOMER_NOTE,
    PERFORMER_NOTE,
    READ_NOTE,
    performer_only,
    reads_performers,
    viewer_of,
    writes_performers,
)
from saas.modules.performers.service import registries
from saas.schema.context import Info
from saas.schema.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    ValidationError,
    error_result,
)
from saas.storage import tenant_files

tenant_rows("PaymentRegistry", "PerformerPayment", "PerformerReceipt")


class PaymentsLoader(ContextLoader):
    async def batch_load(self, keys: list[int]) -> list[list[Payment]]:
        found = await registries.payments_of(self.ctx.db, keys)
        return [found.get(k, []) for k in keys]


class ReceiptLoader(ContextLoader):
    async def batch_load(self, keys: list[int]) -> list[Receipt | None]:
        found = await registries.receipts_of(self.ctx.db, keys)
        return [found.get(k) for k in keys]


@strawberry.enum(name="PerformerPaymentStatus")
class PaymentStatus(Enum):
    HELD = "held"
    INCLUDED = "included"
    PAID = "paid"


@strawberry.enum(name="PaymentRegistryStatus")
class RegistryStatus(Enum):
    FORMED = "formed"
    PAID = "paid"
    CANCELLED = "cancelled"


@strawberry.enum(name="ReceiptCancelReason", description="Why a receipt is cancelled.")
class CancelReason(Enum):
    REFUND = "refund"
    MISTAKE = "mistake"


@strawberry.type(name="PerformerReceipt", description="The НПД receipt of a payment.")
class ReceiptType:
    row: strawberry.Private[Receipt]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return gid("PerformerReceipt", self.row.id)

    @strawberry.field(description="The receipt's number at the tax service.")
    def receipt_uid(self) -> str:
        return self.row.receipt_uid

    @strawberry.field
    def amount_kopecks(self) -> int:
        return self.row.amount_kopecks

    @strawberry.field
    def customer_name(self) -> str:
        return self.row.customer_name

    @strawberry.field
    def customer_inn(self) -> str:
        return self.row.customer_inn

    @strawberry.field
    async def performer(self, info: Info) -> PerformerProfileType | None:
        row = await info.context.loader(ProfileLoader).load(self.row.performer_person_id)
        return PerformerProfileType(row=row) if row else None

    @strawberry.field(description="ISSUED or CANCELLED.")
    def status(self) -> str:
        return self.row.status.upper()

    @strawberry.field
    def cancel_reason(self) -> CancelReason | None:
        return CancelReason(self.row.cancel_reason) if self.row.cancel_reason else None

    @strawberry.field
    def issued_at(self) -> datetime:
        return self.row.issued_at

    @strawberry.field
    def cancelled_at(self) -> datetime | None:
        return self.row.cancelled_at

    @strawberry.field(description="A short-lived link to the receipt's PDF.")
    async def download_url(self, info: Info) -> str:
        files = tenant_files(info.context.services, info.context.tenant)
        key = registries.receipt_key(files, self.row)
        return await files.download_url(
            key, filename=f"receipt-{self.row.receipt_uid}.pdf", content_type="application/pdf"
        )


@strawberry.type(name="PerformerPayment", description="A payment of an act in a registry.")
class PaymentType:
    row: strawberry.Private[Payment]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return gid("PerformerPayment", self.row.id)

    @strawberry.field
    def act_id(self) -> strawberry.ID:
        return gid("PerformerAct", self.row.act_id)

    @strawberry.field
    async def performer(self, info: Info) -> PerformerProfileType | None:
        row = await info.context.loader(ProfileLoader).load(self.row.performer_person_id)
        return PerformerProfileType(row=row) if row else None

    @strawberry.field
    def amount_kopecks(self) -> int:
        return self.row.amount_kopecks

    @strawberry.field
    def status(self) -> PaymentStatus:
        return PaymentStatus(self.row.status)

    @strawberry.field(description="Why the payment is held (НПД status, bank details).")
    def held_reason(self) -> str | None:
        return self.row.held_reason

    @strawberry.field
    def paid_at(self) -> datetime | None:
        return self.row.paid_at

    @strawberry.field
    async def receipt(self, info: Info) -> ReceiptType | None:
        row = await info.context.loader(ReceiptLoader).load(self.row.id)
        return ReceiptType(row=row) if row else None


@strawberry.type(name="PaymentRegistry", description="A registry of payments for the bank.")
class RegistryType:
    row: strawberry.Private[PaymentRegistry]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return gid("PaymentRegistry", self.row.id)

    @strawberry.field
    def organization_id(self) -> strawberry.ID:
        return gid("ClientOrganization", self.row.organization_id)

    @strawberry.field
    def number(self) -> int:
        return self.row.number

    @strawberry.field
    def status(self) -> RegistryStatus:
        return RegistryStatus(self.row.status)

    @strawberry.field(description="The sum of the included payments, kopecks.")
    def total_kopecks(self) -> int:
        return self.row.total_kopecks

    @strawberry.field(description="Included and held payments.")
    async def payments(self, info: Info) -> list[PaymentType]:
        rows = await info.context.loader(PaymentsLoader).load(self.row.id)
        return [PaymentType(row=r) for r in rows]

    @strawberry.field(description="SHA-256 of the bank file.")
    def sha256(self) -> str | None:
        return self.row.sha256

    @strawberry.field(
        description="A short-lived link to the 1CClientBankExchange file (Windows-1251)."
    )
    async def download_url(self, info: Info) -> str | None:
        if not self.row.storage_key:
            return None
        files = tenant_files(info.context.services, info.context.tenant)
        return await files.download_url(
            self.row.storage_key,
            filename=f"registry-{self.row.number}.txt",
            content_type="text/plain; charset=windows-1251",
        )

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def paid_at(self) -> datetime | None:
        return self.row.paid_at


RegistryResult = Annotated[
    RegistryType | ValidationError | NotFoundError | ConflictError | ForbiddenError,
    strawberry.union("PaymentRegistryResult"),
]
ReceiptResult = Annotated[
    ReceiptType | ValidationError | NotFoundError | ConflictError | ForbiddenError,
    strawberry.union("PerformerReceiptResult"),
]


@strawberry.type
class Query:
    @strawberry.field(
        description="Payment registries, newest first (customers and staff). " + READ_NOTE,
        extensions=reads_performers(),
    )
    async def payment_registries(
        self,
        info: Info,
        organization_id: strawberry.ID | None = None,
        first: int = 50,
        after: AfterCursor = None,
    ) -> list[RegistryType]:
        actor = await viewer_of(info.context)
        org = optional_id(organization_id, "ClientOrganization")
        before = after_id(after, "PaymentRegistry")
        rows = await registries.list_registries(info.context.db, actor, org, first, before)
        return [RegistryType(row=r) for r in rows]

    @strawberry.field(description="One registry. " + READ_NOTE, extensions=reads_performers())
    async def payment_registry(self, info: Info, id: strawberry.ID) -> RegistryResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "PaymentRegistry", id, field="id")
            actor = await viewer_of(ctx)
            row = await registries.access_registry(ctx.db, actor, pk)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return RegistryType(row=row)

    @strawberry.field(
        description="Payments, newest first: a performer's own, others their scope. " + READ_NOTE,
        extensions=reads_performers(),
    )
    async def performer_payments(
        self,
        info: Info,
        first: int = 50,
        after: AfterCursor = None,
    ) -> list[PaymentType]:
        actor = await viewer_of(info.context)
        before = after_id(after, "PerformerPayment")
        rows = await registries.list_payments(info.context.db, actor, first, before)
        return [PaymentType(row=r) for r in rows]

    @strawberry.field(
        description="НПД receipts, newest first: a performer's own, a customer's organizations'. "
        + READ_NOTE,
        extensions=reads_performers(),
    )
    async def performer_receipts(
        self,
        info: Info,
        organization_id: strawberry.ID | None = None,
        first: int = 50,
        after: AfterCursor = None,
    ) -> list[ReceiptType]:
        actor = await viewer_of(info.context)
        org = optional_id(organization_id, "ClientOrganization")
        before = after_id(after, "PerformerReceipt")
        rows = await registries.list_receipts(info.context.db, actor, org, first, before)
        return [ReceiptType(row=r) for r in rows]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Form a payment registry of every signed act not paid yet. Each performer's "
        "НПД status is checked again now: one who is not self-employed, whose check failed or "
        "who has no bank details gets a HELD payment with its reason (the others go on). The "
        "file is validated against the 1CClientBankExchange 1.03 rules before it is stored. "
        "ValidationError PAYER_ACCOUNT_MISSING, ConflictError NOTHING_TO_PAY / ALL_HELD. "
        + CUSTOMER_NOTE,
        extensions=writes_performers(),
    )
    async def form_payment_registry(
        self, info: Info, organization_id: strawberry.ID
    ) -> RegistryResult:
        ctx = info.context
        try:
            org = await pk_of(ctx, "ClientOrganization", organization_id, field="organizationId")
            actor = await viewer_of(ctx)
            files = tenant_files(ctx.services, ctx.tenant)
            async with ctx.unit_of_work() as session:
                row = await registries.form_registry(
                    session, actor, ctx.services, ctx.tenant.slug, files, org
                )
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return RegistryType(row=row)

    @strawberry.mutation(
        description="Mark a registry paid (after the bank executed it): its payments and acts "
        "are paid and each payment gets a НПД receipt with the customer's name and INN and the "
        "exact amount. Marking it again registers receipts the tax service could not take. "
        + CUSTOMER_NOTE,
        extensions=writes_performers(),
    )
    async def mark_payment_registry_paid(
        self, info: Info, registry_id: strawberry.ID
    ) -> RegistryResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "PaymentRegistry", registry_id, field="registryId")
            actor = await viewer_of(ctx)
            files = tenant_files(ctx.services, ctx.tenant)
            async with ctx.unit_of_work() as session:
                row = await registries.mark_paid(session, actor, ctx.services, files, pk)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return RegistryType(row=row)

    @strawberry.mutation(
        description="Cancel one's receipt at the tax service (REFUND or MISTAKE). "
        + PERFORMER_NOTE,
        extensions=performer_only(),
    )
    async def cancel_performer_receipt(
        self, info: Info, receipt_id: strawberry.ID, reason: CancelReason
    ) -> ReceiptResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "PerformerReceipt", receipt_id, field="receiptId")
            actor = await viewer_of(ctx)
            async with ctx.unit_of_work() as session:
                row = await registries.cancel_receipt(
                    session, actor, ctx.services, pk, reason.value
                )
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return ReceiptType(row=row)
