"""Contracts, acceptance acts and their signatures by one-time codes (service/contracts.py,
service/signing.py), and the firm's contract template."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from saas import mail
from saas.core.ids import IdRefused, gid, optional_pk_of, pk_of, tenant_rows
from saas.core.loaders import ContextLoader
from saas.core.people import PeopleByIdLoader, PersonCardType
from saas.modules.clients.service import ClientsError
from saas.modules.performers.graphql.arguments import after_id, optional_id
from saas.modules.performers.graphql.orders import OrderType
from saas.modules.performers.loaders import OrderLoader
from saas.modules.performers.models import PerformerAct, PerformerContract, Signature
from saas.modules.performers.policy import (
    CUSTOMER_NOTE,
    MANAGE_NOTE,
    READ_NOTE,
    manages,
    reads_performers,
    viewer_of,
    writes_performers,
)
from saas.modules.performers.service import contracts, signing
from saas.modules.performers.service.documents_pdf import PLACEHOLDERS
from saas.modules.performers.service.errors import invalid
from saas.schema.context import Info
from saas.schema.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    ValidationError,
    error_result,
)
from saas.storage import tenant_files

tenant_rows("PerformerContract", "PerformerAct")


class ActsLoader(ContextLoader):
    """contract id -> its acts, oldest first."""

    async def batch_load(self, keys: list[int]) -> list[list[PerformerAct]]:
        found = await contracts.acts_of(self.ctx.db, keys)
        return [found.get(k, []) for k in keys]


class SignaturesLoader(ContextLoader):
    """(kind, document id) -> its recorded signatures."""

    async def batch_load(self, keys: list[tuple[str, int]]) -> list[list[Signature]]:
        out: dict[tuple[str, int], list[Signature]] = {}
        for kind in {k for k, _ in keys}:
            found = await signing.signatures_of(
                self.ctx.db, kind, [i for k, i in keys if k == kind]
            )
            out.update({(kind, i): rows for i, rows in found.items()})
        return [out.get(k, []) for k in keys]


@strawberry.enum(name="PerformerDocumentStatus", description="Where a contract or act stands.")
class DocumentStatus(Enum):
    SIGNING = "signing"
    SIGNED = "signed"
    PAID = "paid"
    CANCELLED = "cancelled"


@strawberry.enum(name="SigningSide")
class SigningSide(Enum):
    CUSTOMER = "customer"
    PERFORMER = "performer"


@strawberry.type(
    name="PerformerSignature",
    description="A simple electronic signature: who, when, from where, of which SHA-256.",
)
class SignatureType:
    row: strawberry.Private[Signature]

    @strawberry.field
    def side(self) -> SigningSide:
        return SigningSide(self.row.side)

    @strawberry.field
    async def signer(self, info: Info) -> PersonCardType | None:
        card = await info.context.loader(PeopleByIdLoader).load(self.row.person_id)
        return PersonCardType.of(card) if card else None

    @strawberry.field
    def signed_at(self) -> datetime | None:
        return self.row.signed_at

    @strawberry.field(description="The SHA-256 of the document the signer signed.")
    def sha256(self) -> str | None:
        return self.row.sha256

    @strawberry.field
    def ip(self) -> str | None:
        return self.row.ip

    @strawberry.field
    def user_agent(self) -> str | None:
        return self.row.user_agent


async def _link(info: Info, doc: PerformerContract | PerformerAct) -> str:
    files = tenant_files(info.context.services, info.context.tenant)
    return signing.download_link(files, await viewer_of(info.context), doc)


class _Document:
    row: Any
    kind: str = "contract"

    async def _signatures(self, info: Info) -> list[SignatureType]:
        rows = await info.context.loader(SignaturesLoader).load((self.kind, self.row.id))
        return [SignatureType(row=r) for r in rows]


@strawberry.type(name="PerformerAct", description="An acceptance act of a contract's work.")
class ActType(_Document):
    row: strawberry.Private[PerformerAct]
    kind: strawberry.Private[str] = "act"

    @strawberry.field
    def id(self) -> strawberry.ID:
        return gid("PerformerAct", self.row.id)

    @strawberry.field
    def contract_id(self) -> strawberry.ID:
        return gid("PerformerContract", self.row.contract_id)

    @strawberry.field
    def number(self) -> str:
        return self.row.number

    @strawberry.field(description="The amount accepted, kopecks.")
    def amount_kopecks(self) -> int:
        return self.row.amount_kopecks

    @strawberry.field
    def status(self) -> DocumentStatus:
        return DocumentStatus(self.row.status)

    @strawberry.field(description="The SHA-256 of the act as signed.")
    def sha256(self) -> str:
        return self.row.sha256

    @strawberry.field
    async def signatures(self, info: Info) -> list[SignatureType]:
        return await self._signatures(info)

    @strawberry.field(
        description="A short-lived link to the PDF (with the signature page once signed), "
        "bound to the viewer; every fetch is in the audit log."
    )
    async def download_url(self, info: Info) -> str:
        return await _link(info, self.row)

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def signed_at(self) -> datetime | None:
        return self.row.signed_at


@strawberry.type(name="PerformerContract", description="The contract of an assigned order.")
class ContractType(_Document):
    row: strawberry.Private[PerformerContract]
    kind: strawberry.Private[str] = "contract"

    @strawberry.field
    def id(self) -> strawberry.ID:
        return gid("PerformerContract", self.row.id)

    @strawberry.field
    def order_id(self) -> strawberry.ID:
        return gid("PerformerOrder", self.row.order_id)

    @strawberry.field(description="The order the contract is for.")
    async def order(self, info: Info) -> OrderType | None:
        row = await info.context.loader(OrderLoader).load(self.row.order_id)
        return OrderType(row=row) if row else None

    @strawberry.field
    def organization_id(self) -> strawberry.ID:
        return gid("ClientOrganization", self.row.organization_id)

    @strawberry.field(description="The performer (type `Performer`).")
    def performer_id(self) -> strawberry.ID:
        return gid("Performer", self.row.performer_person_id)

    @strawberry.field
    def number(self) -> str:
        return self.row.number

    @strawberry.field(description="The contract's amount, kopecks.")
    def amount_kopecks(self) -> int:
        return self.row.amount_kopecks

    @strawberry.field
    def status(self) -> DocumentStatus:
        return DocumentStatus(self.row.status)

    @strawberry.field(description="The SHA-256 of the contract as signed.")
    def sha256(self) -> str:
        return self.row.sha256

    @strawberry.field
    async def signatures(self, info: Info) -> list[SignatureType]:
        return await self._signatures(info)

    @strawberry.field
    async def acts(self, info: Info) -> list[ActType]:
        rows = await info.context.loader(ActsLoader).load(self.row.id)
        return [ActType(row=r) for r in rows]

    @strawberry.field(
        description="A short-lived link to the PDF (with the signature page once signed), "
        "bound to the viewer; every fetch is in the audit log."
    )
    async def download_url(self, info: Info) -> str:
        return await _link(info, self.row)

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def signed_at(self) -> datetime | None:
        return self.row.signed_at


@strawberry.type(description="A code was sent to the signer's e-mail.")
class SignatureCodeSent:
    sent_to: str = strawberry.field(description="The address, partly hidden.")
    expires_at: datetime


@strawberry.type(description="The firm's contract template and the fields it may use.")
class PerformerContractTemplate:
    body: str
    own: bool = strawberry.field(description="False: the default shipped with Kabinet.")
    fields: list[str]


ContractResult = Annotated[
    ContractType | ValidationError | NotFoundError | ConflictError | ForbiddenError,
    strawberry.union("PerformerContractResult"),
]
ActResult = Annotated[
    ActType | ValidationError | NotFoundError | ConflictError | ForbiddenError,
    strawberry.union("PerformerActResult"),
]
CodeResult = Annotated[
    SignatureCodeSent | ValidationError | NotFoundError | ConflictError | ForbiddenError,
    strawberry.union("SignatureCodeResult"),
]
SignResult = Annotated[
    ContractType | ActType | ValidationError | NotFoundError | ConflictError | ForbiddenError,
    strawberry.union("SignPerformerDocumentResult"),
]
TemplateResult = Annotated[
    PerformerContractTemplate | ValidationError,
    strawberry.union("PerformerContractTemplateResult"),
]


def _masked(email: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name[:2]}***@{domain}"


async def _document(info: Info, contract_id: Any, act_id: Any) -> tuple[str, int]:
    ctx = info.context
    contract = await optional_pk_of(ctx, "PerformerContract", contract_id, field="contractId")
    act = await optional_pk_of(ctx, "PerformerAct", act_id, field="actId")
    if (contract is None) == (act is None):
        raise invalid(
            "ONE_DOCUMENT",
            "Укажите договор или акт (одно из двух).",
            "Name a contract or an act (one of the two).",
            "contractId",
        )
    return ("contract", contract) if contract is not None else ("act", act)  # type: ignore[return-value]


def _typed(doc: PerformerContract | PerformerAct) -> ContractType | ActType:
    return ContractType(row=doc) if isinstance(doc, PerformerContract) else ActType(row=doc)


@strawberry.type
class Query:
    @strawberry.field(
        description="Contracts, newest first: a customer's organizations', a performer's own, "
        "staff their scope. " + READ_NOTE,
        extensions=reads_performers(),
    )
    async def performer_contracts(
        self,
        info: Info,
        organization_id: strawberry.ID | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> list[ContractType]:
        actor = await viewer_of(info.context)
        org = optional_id(organization_id, "ClientOrganization")
        before = after_id(after, "PerformerContract")
        rows = await contracts.list_contracts(info.context.db, actor, org, first, before)
        return [ContractType(row=r) for r in rows]

    @strawberry.field(
        description="A contract's acts, oldest first; null when the contract is not visible. "
        + READ_NOTE,
        extensions=reads_performers(),
    )
    async def performer_acts(self, info: Info, contract_id: strawberry.ID) -> list[ActType] | None:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "PerformerContract", contract_id, field="contractId")
            row = await contracts.access_contract(ctx.db, await viewer_of(ctx), pk)
        except (ClientsError, IdRefused):
            return None
        return [ActType(row=a) for a in (await contracts.acts_of(ctx.db, [row.id]))[row.id]]

    @strawberry.field(description="One contract. " + READ_NOTE, extensions=reads_performers())
    async def performer_contract(self, info: Info, id: strawberry.ID) -> ContractResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "PerformerContract", id, field="id")
            actor = await viewer_of(ctx)
            row = await contracts.access_contract(ctx.db, actor, pk)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return ContractType(row=row)

    @strawberry.field(
        description="The firm's contract template (or the default) and its fields. " + MANAGE_NOTE,
        extensions=manages(),
    )
    async def performer_contract_template(self, info: Info) -> PerformerContractTemplate:
        body, own = await contracts.contract_template(info.context.db)
        return PerformerContractTemplate(body=body, own=own, fields=list(PLACEHOLDERS))


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Replace the firm's contract template (fields in braces, e.g. "
        "`{performer_name}`; unknown fields are refused), or go back to the default with null. "
        + MANAGE_NOTE,
        extensions=manages(),
    )
    async def save_performer_contract_template(
        self, info: Info, body: str | None = None
    ) -> TemplateResult:
        ctx = info.context
        try:
            actor = await viewer_of(ctx)
            async with ctx.unit_of_work() as session:
                text = await contracts.save_contract_template(session, actor, body)
        except ClientsError as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return PerformerContractTemplate(body=text, own=body is not None, fields=list(PLACEHOLDERS))

    @strawberry.mutation(
        description="Make the contract of an assigned order from the firm's template (the "
        "parties' details, the chosen price or the budget); both sides then sign it. "
        + CUSTOMER_NOTE,
        extensions=writes_performers(),
    )
    async def create_performer_contract(
        self, info: Info, order_id: strawberry.ID
    ) -> ContractResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "PerformerOrder", order_id, field="orderId")
            actor = await viewer_of(ctx)
            files = tenant_files(ctx.services, ctx.tenant)
            async with ctx.unit_of_work() as session:
                row = await contracts.create_contract(session, actor, files, ctx.tenant.name, pk)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return ContractType(row=row)

    @strawberry.mutation(
        description="Accept work under a signed contract (kopecks; partial acceptance allowed, "
        "never above what is left of the contract): an act both sides sign. " + CUSTOMER_NOTE,
        extensions=writes_performers(),
    )
    async def accept_performer_work(
        self, info: Info, contract_id: strawberry.ID, amount_kopecks: int
    ) -> ActResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "PerformerContract", contract_id, field="contractId")
            actor = await viewer_of(ctx)
            files = tenant_files(ctx.services, ctx.tenant)
            async with ctx.unit_of_work() as session:
                row = await contracts.accept_work(
                    session, actor, files, ctx.tenant.name, pk, amount_kopecks
                )
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return ActType(row=row)

    @strawberry.mutation(
        description="Send the viewer a one-time code to sign a contract or an act (name one): "
        "the customer's contact signs for the customer, the performer for themself; valid 15 "
        "minutes, a new one after a minute. " + READ_NOTE,
        extensions=reads_performers(),
    )
    async def request_performer_signature_code(
        self,
        info: Info,
        contract_id: strawberry.ID | None = None,
        act_id: strawberry.ID | None = None,
    ) -> CodeResult:
        ctx = info.context
        try:
            kind, pk = await _document(info, contract_id, act_id)
            actor = await viewer_of(ctx)
            card = await ctx.loader(PeopleByIdLoader).load(actor.person_id or 0)
            email = card.email if card else ""
            secret = ctx.services.settings.secret_key
            async with ctx.unit_of_work() as session:
                sent = await signing.request_code(session, actor, secret, kind, pk, email)
                message = mail.branded(
                    "signature_code",
                    to=sent.email,
                    tenant=ctx.tenant,
                    lang=ctx.language,
                    values={"document": sent.title, "code": sent.code, "sha256": sent.sha256},
                )
                settings = ctx.services.settings

                async def send() -> None:
                    await mail.send(settings, message)

                ctx.after_commit(send)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return SignatureCodeSent(sent_to=_masked(sent.email), expires_at=sent.expires_at)

    @strawberry.mutation(
        description="Sign a contract or an act (name one) with the code from the e-mail. A "
        "wrong code: ValidationError WRONG_CODE (attempts left in the message); CODE_EXPIRED "
        "after 15 minutes or 5 attempts. When both sides signed, the document is SIGNED and "
        "its PDF gets the signature page. " + READ_NOTE,
        extensions=reads_performers(),
    )
    async def sign_performer_document(
        self,
        info: Info,
        code: str,
        contract_id: strawberry.ID | None = None,
        act_id: strawberry.ID | None = None,
    ) -> SignResult:
        ctx = info.context

        async def names(ids: list[int]) -> dict[int, tuple[str, str]]:
            cards = await ctx.loader(PeopleByIdLoader).load_many(ids)
            return {c.id: (c.display_name or c.email, c.email) for c in cards if c}

        try:
            kind, pk = await _document(info, contract_id, act_id)
            actor = await viewer_of(ctx)
            files = tenant_files(ctx.services, ctx.tenant)
            secret = ctx.services.settings.secret_key
            async with ctx.unit_of_work() as session:
                outcome = await signing.sign(
                    session, actor, secret, files, ctx.tenant.name, kind, pk, code, names
                )
            if not outcome.signed:
                raise invalid(
                    "WRONG_CODE",
                    f"Неверный код. Осталось попыток: {outcome.attempts_left}.",
                    f"Wrong code. Attempts left: {outcome.attempts_left}.",
                    "code",
                )
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return _typed(outcome.document)
