"""Contracts of assigned orders (from the firm's template) and acceptance acts (partial
acceptance allowed, never more than the contract's amount). Both are PDFs stored under the
firm's prefix with their SHA-256, signed by both sides (service/signing.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.audit import audit
from saas.modules.clients.models import ClientOrganization
from saas.modules.performers.models import (
    ASSIGNED,
    CHOSEN,
    SIGNED,
    SIGNING,
    PerformerAct,
    PerformerContract,
    PerformerOrder,
    PerformerProfile,
    PerformerResponse,
    PerformerTemplate,
)
from saas.modules.performers.service import documents_pdf as pdf
from saas.modules.performers.service.errors import conflict, not_found
from saas.modules.performers.service.scope import (
    Side,
    access_contract,
    access_order,
    require_side,
    scoped,
    work_scope,
)
from saas.storage import TenantStorage

CONTRACT = "contract"


async def contract_template(session: AsyncSession) -> tuple[str, bool]:
    """(the firm's contract template, whether it is the firm's own)."""
    own = await session.get(PerformerTemplate, CONTRACT)
    return (own.body, True) if own else (pdf.DEFAULT_CONTRACT, False)


async def save_contract_template(session: AsyncSession, actor: Actor, body: str | None) -> str:
    """The firm's own text (checked fields), or back to the default with None."""
    row = await session.get(PerformerTemplate, CONTRACT)
    if body is None:
        if row is not None:
            await session.delete(row)
    else:
        checked = pdf.check_template(body)
        if row is None:
            session.add(PerformerTemplate(kind=CONTRACT, body=checked, updated_by=actor.person_id))
        else:
            row.body, row.updated_by, row.updated_at = checked, actor.person_id, datetime.now(UTC)
    await session.flush()
    await audit(session, actor, "performer.template_saved", "performer_template", CONTRACT)
    return (await contract_template(session))[0]


@dataclass(frozen=True)
class Parties:
    organization: ClientOrganization
    profile: PerformerProfile


async def _parties(session: AsyncSession, organization_id: int, person_id: int) -> Parties:
    org = await session.get(ClientOrganization, organization_id)
    profile = await session.get(PerformerProfile, person_id)
    if org is None or profile is None:
        raise not_found("performer")
    return Parties(org, profile)


def _values(
    parties: Parties, firm_name: str, number: str, when: datetime, amount: int, order: Any
) -> dict[str, str]:
    org, prof = parties.organization, parties.profile
    return {
        "number": number,
        "date": when.strftime("%d.%m.%Y"),
        "firm_name": firm_name,
        "customer_name": org.name,
        "customer_inn": org.inn,
        "customer_kpp": org.kpp or "—",
        "performer_name": prof.full_name,
        "performer_inn": prof.inn,
        "performer_bank": prof.bank_name or "—",
        "performer_bik": prof.bank_bik or "—",
        "performer_account": prof.bank_account or "—",
        "order_title": order.title,
        "order_description": order.description,
        "amount": pdf.rubles(amount),
        "deadline": order.deadline.strftime("%d.%m.%Y") if order.deadline else "по соглашению",
    }


def source_key(storage_key: str) -> str:
    return storage_key.removesuffix(".pdf") + "-source.json"


async def _store(
    files: TenantStorage, key: str, title: str, body: str, values: dict[str, str]
) -> bytes:
    """The PDF and, beside it, what it was made of (the signed copy is made of the same)."""
    data = pdf.render(title, body, values)
    await files.put(key, data, content_type="application/pdf")
    source = {"title": title, "body": body, "values": values}
    await files.put(
        source_key(key),
        json.dumps(source, ensure_ascii=False).encode(),
        content_type="application/json",
    )
    return data


async def document_source(
    session: AsyncSession,
    files: TenantStorage,
    doc: PerformerContract | PerformerAct,
    firm_name: str,
) -> tuple[str, str, dict[str, str]]:
    """(title, body, values) the document's PDF was made of, as kept at its creation: a later
    template, a renamed party or new bank details never change what is signed."""
    if await files.exists(source_key(doc.storage_key)):
        kept = json.loads(await files.get(source_key(doc.storage_key)))
        return str(kept["title"]), str(kept["body"]), dict(kept["values"])
    if isinstance(doc, PerformerContract):
        return await contract_document(session, doc, firm_name)
    return await act_document(session, doc, firm_name)


async def contract_document(
    session: AsyncSession, contract: PerformerContract, firm_name: str
) -> tuple[str, str, dict[str, str]]:
    """(title, body, values) the contract's PDF was made of."""
    order = await session.get(PerformerOrder, contract.order_id)
    parties = await _parties(session, contract.organization_id, contract.performer_person_id)
    body, _ = await contract_template(session)
    values = _values(
        parties, firm_name, contract.number, contract.created_at, contract.amount_kopecks, order
    )
    return f"Договор № {contract.number}", body, values


async def act_document(
    session: AsyncSession, act: PerformerAct, firm_name: str
) -> tuple[str, str, dict[str, str]]:
    contract = await session.get(PerformerContract, act.contract_id)
    assert contract is not None
    order = await session.get(PerformerOrder, contract.order_id)
    parties = await _parties(session, act.organization_id, act.performer_person_id)
    values = _values(parties, firm_name, act.number, act.created_at, act.amount_kopecks, order)
    values["contract_number"] = contract.number
    values["period"] = f"{contract.created_at:%d.%m.%Y} — {act.created_at:%d.%m.%Y}"
    return f"Акт № {act.number}", pdf.DEFAULT_ACT, values


async def create_contract(
    session: AsyncSession, actor: Actor, files: TenantStorage, firm_name: str, order_id: int
) -> PerformerContract:
    require_side(actor, Side.CUSTOMER, Side.STAFF)
    order = await access_order(session, actor, order_id, lock=True)
    if order.status != ASSIGNED or order.performer_person_id is None:
        raise conflict(
            "ORDER_NOT_ASSIGNED",
            "Договор составляется, когда исполнитель выбран.",
            "A contract is made once a performer is chosen.",
        )
    if await session.scalar(
        select(PerformerContract.id).where(PerformerContract.order_id == order.id)
    ):
        raise conflict(
            "CONTRACT_EXISTS",
            "Договор по заказу уже составлен.",
            "The order already has a contract.",
        )
    price = await session.scalar(
        select(PerformerResponse.price_kopecks).where(
            PerformerResponse.order_id == order.id, PerformerResponse.status == CHOSEN
        )
    )
    seq = await session.scalar(
        select(func.count()).where(PerformerContract.organization_id == order.organization_id)
    )
    now = datetime.now(UTC)
    number = f"СЗ-{order.organization_id}-{int(seq or 0) + 1}"
    amount = int(price or order.budget_kopecks)
    parties = await _parties(session, order.organization_id, order.performer_person_id)
    body, _ = await contract_template(session)
    values = _values(parties, firm_name, number, now, amount, order)
    key = files.key("performers", "contracts", f"{order.id}-{now.strftime('%Y%m%d%H%M%S')}.pdf")
    data = await _store(files, key, f"Договор № {number}", body, values)
    contract = PerformerContract(
        order_id=order.id,
        organization_id=order.organization_id,
        performer_person_id=order.performer_person_id,
        number=number,
        amount_kopecks=amount,
        status=SIGNING,
        sha256=pdf.sha256_of(data),
        storage_key=key,
        created_at=now,
    )
    session.add(contract)
    await session.flush()
    await audit(
        session,
        actor,
        "performer.contract_created",
        "performer_contract",
        contract.id,
        number=number,
        sha256=contract.sha256,
        work=order.title,
    )
    return contract


async def accept_work(
    session: AsyncSession,
    actor: Actor,
    files: TenantStorage,
    firm_name: str,
    contract_id: int,
    amount_kopecks: int,
) -> PerformerAct:
    """An acceptance act on a signed contract; partial acceptance allowed up to its amount."""
    require_side(actor, Side.CUSTOMER, Side.STAFF)
    contract = await access_contract(session, actor, contract_id, lock=True)
    if contract.status != SIGNED:
        raise conflict(
            "CONTRACT_NOT_SIGNED",
            "Работу принимают по договору, подписанному обеими сторонами.",
            "Work is accepted under a contract signed by both sides.",
        )
    accepted = int(
        await session.scalar(
            select(func.coalesce(func.sum(PerformerAct.amount_kopecks), 0)).where(
                PerformerAct.contract_id == contract.id
            )
        )
        or 0
    )
    left = contract.amount_kopecks - accepted
    if not 0 < amount_kopecks <= left:
        raise conflict(
            "ACCEPT_AMOUNT",
            f"Принять можно от 0,01 до {pdf.rubles(left)} ₽: остаток по договору.",
            f"You can accept from 0.01 to {pdf.rubles(left)} ₽, what is left of the contract.",
        )
    count = await session.scalar(
        select(func.count()).where(PerformerAct.contract_id == contract.id)
    )
    now = datetime.now(UTC)
    act = PerformerAct(
        contract_id=contract.id,
        organization_id=contract.organization_id,
        performer_person_id=contract.performer_person_id,
        number=f"{contract.number}-А{int(count or 0) + 1}",
        amount_kopecks=amount_kopecks,
        status=SIGNING,
        sha256="",
        storage_key="",
        created_at=now,
    )
    title, body, values = await act_document(session, act, firm_name)
    act.storage_key = files.key(
        "performers",
        "acts",
        f"{contract.id}-{int(count or 0) + 1}-{now.strftime('%Y%m%d%H%M%S')}.pdf",
    )
    data = await _store(files, act.storage_key, title, body, values)
    act.sha256 = pdf.sha256_of(data)
    session.add(act)
    await session.flush()
    await audit(
        session,
        actor,
        "performer.work_accepted",
        "performer_act",
        act.id,
        contract_id=contract.id,
        amount_kopecks=amount_kopecks,
        work=values["order_title"],
    )
    return act


async def list_contracts(
    session: AsyncSession,
    actor: Actor,
    organization_id: int | None,
    first: int = 50,
    before_id: int | None = None,
) -> list[PerformerContract]:
    """Newest first; `before_id`: the page after that contract (the last one seen)."""
    stmt = scoped(
        select(PerformerContract),
        work_scope(actor, PerformerContract.organization_id, PerformerContract.performer_person_id),
    )
    if organization_id is not None:
        stmt = stmt.where(PerformerContract.organization_id == organization_id)
    if before_id is not None:
        stmt = stmt.where(PerformerContract.id < before_id)
    stmt = stmt.order_by(PerformerContract.id.desc()).limit(max(1, min(first, 100)))
    return list((await session.scalars(stmt)).all())


async def acts_of(session: AsyncSession, contract_ids: list[int]) -> dict[int, list[PerformerAct]]:
    rows = (
        await session.scalars(
            select(PerformerAct)
            .where(PerformerAct.contract_id.in_(contract_ids))
            .order_by(PerformerAct.id)
        )
    ).all()
    found: dict[int, list[PerformerAct]] = {c: [] for c in contract_ids}
    for row in rows:
        found[row.contract_id].append(row)
    return found
