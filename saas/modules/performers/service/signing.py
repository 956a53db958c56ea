"""A simple electronic signature of a contract or an act by one side: a one-time 6-digit code
sent to the signer's e-mail (only its digest is kept), valid 15 minutes, 5 attempts, a new code
at most once a minute. Signing records the code's digest, the document's SHA-256, the time, the
address and the user agent; when both sides signed, the document is signed and its copy with
the signature page is stored beside the original (the SHA-256 stays the original's).

The side comes from the actor: a customer (a contact of the organization holding the grant)
signs for the customer, the document's performer for the performer; firm staff sign nothing."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.audit import audit
from saas.modules.performers.models import (
    CUSTOMER,
    PAID,
    PERFORMER,
    SIGNED,
    PerformerAct,
    PerformerContract,
    Signature,
)
from saas.modules.performers.service import documents_pdf as pdf
from saas.modules.performers.service.contracts import document_source
from saas.modules.performers.service.errors import conflict, forbidden
from saas.modules.performers.service.scope import Side, access_act, access_contract, side_of
from saas.storage import TenantStorage
from saas.storage.audit import Fetch, audit_ref, recorder

CODE_TTL = timedelta(minutes=15)
RESEND_AFTER = timedelta(seconds=60)
MAX_ATTEMPTS = 5
KINDS = ("contract", "act")

Document = PerformerContract | PerformerAct
Names = Callable[[list[int]], Awaitable[dict[int, tuple[str, str]]]]


def code_digest(secret: str, signature_key: str, code: str) -> str:
    return hmac.new(secret.encode(), f"{signature_key}:{code}".encode(), "sha256").hexdigest()


async def document_of(session: AsyncSession, actor: Actor, kind: str, doc_id: int) -> Document:
    if kind == "contract":
        return await access_contract(session, actor, doc_id, lock=True)
    return await access_act(session, actor, doc_id, lock=True)


def signer_side(actor: Actor, doc: Document) -> str:
    side = side_of(actor)
    if side is Side.PERFORMER and doc.performer_person_id == actor.person_id:
        return PERFORMER
    if side is Side.CUSTOMER:
        return CUSTOMER
    raise forbidden(
        "NOT_A_SIGNER",
        "Документ подписывают заказчик и исполнитель, а не сотрудники фирмы.",
        "The customer and the performer sign the document, not the firm's staff.",
    )


async def _signed_sides(session: AsyncSession, kind: str, doc_id: int) -> dict[str, Signature]:
    rows = (
        await session.scalars(
            select(Signature).where(
                Signature.document_kind == kind,
                Signature.document_id == doc_id,
                Signature.signed_at.is_not(None),
            )
        )
    ).all()
    return {r.side: r for r in rows}


@dataclass(frozen=True)
class CodeSent:
    email: str
    code: str
    title: str
    sha256: str
    expires_at: datetime


async def request_code(
    session: AsyncSession,
    actor: Actor,
    secret: str,
    kind: str,
    doc_id: int,
    email: str,
) -> CodeSent:
    doc = await document_of(session, actor, kind, doc_id)
    side = signer_side(actor, doc)
    if doc.status == SIGNED or side in await _signed_sides(session, kind, doc_id):
        raise conflict("ALREADY_SIGNED", "Документ уже подписан вами.", "You already signed it.")
    now = datetime.now(UTC)
    last = await session.scalar(
        select(Signature.created_at)
        .where(
            Signature.document_kind == kind,
            Signature.document_id == doc_id,
            Signature.side == side,
            Signature.signed_at.is_(None),
        )
        .order_by(Signature.created_at.desc())
        .limit(1)
    )
    if last is not None and now - last < RESEND_AFTER:
        raise conflict(
            "CODE_RECENTLY_SENT",
            "Код уже отправлен. Новый можно запросить через минуту.",
            "A code was just sent. You can ask for a new one in a minute.",
        )
    await session.execute(
        delete(Signature).where(
            Signature.document_kind == kind,
            Signature.document_id == doc_id,
            Signature.side == side,
            Signature.signed_at.is_(None),
        )
    )
    code = f"{secrets.randbelow(10**6):06d}"
    key = f"{kind}:{doc_id}:{side}:{now.timestamp()}"
    row = Signature(
        document_kind=kind,
        document_id=doc_id,
        side=side,
        person_id=actor.person_id,
        code_hash=f"{key}|{code_digest(secret, key, code)}",
        code_expires_at=now + CODE_TTL,
        attempts=0,
        sent_to=email,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    title = f"{'Договор' if kind == 'contract' else 'Акт'} № {doc.number}"
    return CodeSent(email, code, title, doc.sha256, row.code_expires_at)


@dataclass(frozen=True)
class SignOutcome:
    document: Document
    signed: bool  # this side's signature recorded
    attempts_left: int


async def sign(
    session: AsyncSession,
    actor: Actor,
    secret: str,
    files: TenantStorage,
    firm_name: str,
    kind: str,
    doc_id: int,
    code: str,
    names: Names,
) -> SignOutcome:
    """Check the code; a wrong one counts an attempt (the caller commits it) and signs nothing.
    `names(person ids)`: person id -> (name, e-mail) for the signature page."""
    doc = await document_of(session, actor, kind, doc_id)
    side = signer_side(actor, doc)
    if side in await _signed_sides(session, kind, doc_id):
        raise conflict("ALREADY_SIGNED", "Документ уже подписан вами.", "You already signed it.")
    row = await session.scalar(
        select(Signature)
        .where(
            Signature.document_kind == kind,
            Signature.document_id == doc_id,
            Signature.side == side,
            Signature.person_id == actor.person_id,
            Signature.signed_at.is_(None),
        )
        .order_by(Signature.created_at.desc())
        .limit(1)
        .with_for_update()
    )
    now = datetime.now(UTC)
    if row is None or row.code_expires_at <= now or row.attempts >= MAX_ATTEMPTS:
        raise conflict(
            "CODE_EXPIRED",
            "Код истёк или попытки исчерпаны. Запросите новый код.",
            "The code expired or the attempts ran out. Ask for a new code.",
        )
    key, _, digest = row.code_hash.partition("|")
    if not hmac.compare_digest(digest, code_digest(secret, key, code.strip())):
        row.attempts += 1
        await session.flush()
        return SignOutcome(doc, False, MAX_ATTEMPTS - row.attempts)
    row.signed_at, row.sha256 = now, doc.sha256
    row.ip, row.user_agent = actor.ip, (actor.user_agent or "")[:500]
    await session.flush()
    await audit(
        session,
        actor,
        f"performer.{kind}_signed",
        f"performer_{kind}",
        doc_id,
        side=side,
        sha256=doc.sha256,
    )
    signed = await _signed_sides(session, kind, doc_id)
    if {CUSTOMER, PERFORMER} <= set(signed):
        await _finish(session, files, firm_name, kind, doc, signed, names)
    return SignOutcome(doc, True, MAX_ATTEMPTS - row.attempts)


def signed_copy_key(doc: Document) -> str:
    return doc.storage_key.removesuffix(".pdf") + "-signed.pdf"


PDF = "application/pdf"
FETCH_KINDS = {"contract": "performer_contract", "act": "performer_act"}


def download_link(files: TenantStorage, actor: Actor, doc: Document) -> str:
    """A short-lived link to the document's PDF (the copy with the signature page once both
    signed), bound to the viewer; every fetch is written to the audit log
    (`performer.document_downloaded`, with the fetch's address and user agent)."""
    kind = "contract" if isinstance(doc, PerformerContract) else "act"
    key = signed_copy_key(doc) if doc.status in (SIGNED, PAID) else doc.storage_key
    return files.audited_url(
        key,
        audit=audit_ref(FETCH_KINDS[kind], doc.id),
        person_id=actor.person_id,
        filename=f"{kind}-{doc.number}.pdf",
        content_type=PDF,
    )


async def _record_fetch(session: AsyncSession, fetch: Fetch, kind: str) -> bool:
    doc: Document | None = (
        await session.get(PerformerContract, fetch.issued_id)
        if kind == "contract"
        else await session.get(PerformerAct, fetch.issued_id)
    )
    if doc is None:
        return False
    who = f"person:{fetch.person_id}" if fetch.person_id is not None else "anonymous"
    await audit(
        session,
        who,
        "performer.document_downloaded",
        FETCH_KINDS[kind],
        doc.id,
        ip=fetch.ip,
        number=doc.number,
        sha256=doc.sha256,
        signed=doc.status in (SIGNED, PAID),
        user_agent=fetch.user_agent,
    )
    return True


@recorder(FETCH_KINDS["contract"])
async def record_contract_fetch(session: AsyncSession, fetch: Fetch) -> bool:
    return await _record_fetch(session, fetch, "contract")


@recorder(FETCH_KINDS["act"])
async def record_act_fetch(session: AsyncSession, fetch: Fetch) -> bool:
    return await _record_fetch(session, fetch, "act")


async def _finish(
    session: AsyncSession,
    files: TenantStorage,
    firm_name: str,
    kind: str,
    doc: Document,
    signed: dict[str, Signature],
    names: Names,
) -> None:
    title, body, values = await document_source(session, files, doc, firm_name)
    known = await names([s.person_id for s in signed.values()])
    lines = [
        pdf.SignatureLine(
            side=s.side,
            name=known.get(s.person_id, ("", ""))[0],
            email=s.sent_to,
            signed_at=s.signed_at or datetime.now(UTC),
            ip=s.ip or "",
            user_agent=s.user_agent or "",
        )
        for s in sorted(signed.values(), key=lambda s: s.side)
    ]
    data = pdf.with_signature_page(title, body, values, doc.sha256, lines)
    await files.put(signed_copy_key(doc), data, content_type="application/pdf")
    doc.status, doc.signed_at = SIGNED, datetime.now(UTC)
    await session.flush()


async def signatures_of(
    session: AsyncSession, kind: str, doc_ids: list[int]
) -> dict[int, list[Signature]]:
    rows = (
        await session.scalars(
            select(Signature)
            .where(
                Signature.document_kind == kind,
                Signature.document_id.in_(doc_ids),
                Signature.signed_at.is_not(None),
            )
            .order_by(Signature.signed_at)
        )
    ).all()
    found: dict[int, list[Signature]] = {d: [] for d in doc_ids}
    for row in rows:
        found[row.document_id].append(row)
    return found
