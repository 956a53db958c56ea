"""Payment registries: every signed act of an organization not paid yet becomes a payment;
each performer's НПД status is checked again right before (cached for the day, retried), and a
performer who is not (or no longer) self-employed, whose check failed, or who has no bank
details, gets a held payment with its reason: it never blocks the others, and their act waits
for the next registry. The included payments make a 1CClientBankExchange 1.03 file, validated
field by field before it is stored (a file the format rejects is never produced).

Marking a registry paid pays its payments and acts and registers a НПД receipt per payment
with the customer's name and INN and the exact amount; a receipt the tax service could not
take now is registered when the registry is marked paid again. The performer cancels a
receipt (refund or issued by mistake)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.audit import audit
from saas.modules.clients.models import ClientOrganization
from saas.modules.performers.models import (
    FORMED,
    HELD,
    INCLUDED,
    PAID,
    SIGNED,
    Payment,
    PaymentRegistry,
    PerformerAct,
    PerformerContract,
    PerformerCustomer,
    PerformerProfile,
    Receipt,
)
from saas.modules.performers.service import bank_file
from saas.modules.performers.service.documents_pdf import render, rubles, sha256_of
from saas.modules.performers.service.errors import (
    PerformersError,
    conflict,
    invalid,
    not_found,
)
from saas.modules.performers.service.gateway import check_performer, status_checker
from saas.modules.performers.service.npd import NpdError
from saas.modules.performers.service.profiles import _visible_org
from saas.modules.performers.service.scope import (
    Side,
    access_receipt,
    access_registry,
    customer_scope,
    require_side,
    scoped,
    side_of,
    work_scope,
)
from saas.storage import TenantStorage

CANCEL_REASONS = {"refund": "Возврат средств", "mistake": "Чек сформирован ошибочно"}


def _kopecks_to_rubles(kopecks: int) -> Decimal:
    return (Decimal(kopecks) / 100).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Candidate:
    act: PerformerAct
    contract: PerformerContract
    profile: PerformerProfile | None


async def _candidates(session: AsyncSession, org_id: int) -> list[Candidate]:
    """Signed acts of the organization without a payment in progress or done."""
    taken = select(Payment.act_id).where(Payment.status != HELD)
    rows = (
        await session.execute(
            select(PerformerAct, PerformerContract, PerformerProfile)
            .join(PerformerContract, PerformerContract.id == PerformerAct.contract_id)
            .outerjoin(
                PerformerProfile,
                PerformerProfile.person_id == PerformerAct.performer_person_id,
            )
            .where(
                PerformerAct.organization_id == org_id,
                PerformerAct.status == SIGNED,
                PerformerAct.id.not_in(taken),
            )
            .order_by(PerformerAct.id)
            .with_for_update(of=PerformerAct)
        )
    ).all()
    return [Candidate(a, c, p) for a, c, p in rows]


async def _payer(session: AsyncSession, org_id: int) -> bank_file.Party:
    org = await session.get(ClientOrganization, org_id)
    settings = await session.get(PerformerCustomer, org_id)
    if org is None:
        raise not_found("registry")
    if settings is None or not settings.bank_account:
        raise invalid(
            "PAYER_ACCOUNT_MISSING",
            "Укажите расчётный счёт организации для реестров выплат (настройки работы с "
            "исполнителями).",
            "Set the organization's account for payment registries (performer work settings).",
            "organizationId",
        )
    return bank_file.Party(
        name=org.name,
        inn=org.inn,
        account=settings.bank_account,
        bank=settings.bank_name or "",
        bik=settings.bank_bik or "",
        corr_account=settings.bank_corr_account or "",
    )


async def _hold_reason(
    services: Any, tenant_key: str, profile: PerformerProfile | None
) -> str | None:
    if profile is None or not profile.bank_account:
        return "У исполнителя не заполнены банковские реквизиты."
    try:
        status = await check_performer(services, tenant_key, profile)
    except PerformersError:
        return "Сервис ФНС проверки статуса недоступен: выплата ждёт следующего реестра."
    if not status.self_employed:
        return f"Исполнитель не является плательщиком НПД: {status.message}"
    return None


async def form_registry(
    session: AsyncSession,
    actor: Actor,
    services: Any,
    tenant_key: str,
    files: TenantStorage,
    org_id: int,
) -> PaymentRegistry:
    require_side(actor, Side.CUSTOMER, Side.STAFF)
    await _visible_org(session, actor, org_id)
    payer = await _payer(session, org_id)
    candidates = await _candidates(session, org_id)
    if not candidates:
        raise conflict(
            "NOTHING_TO_PAY",
            "Нет подписанных актов к оплате.",
            "There are no signed acts to pay.",
        )
    number = (
        int(
            await session.scalar(
                select(func.coalesce(func.max(PaymentRegistry.number), 0)).where(
                    PaymentRegistry.organization_id == org_id
                )
            )
            or 0
        )
        + 1
    )
    now = datetime.now(UTC)
    registry = PaymentRegistry(
        organization_id=org_id,
        number=number,
        status=FORMED,
        created_by=actor.person_id,
        created_at=now,
    )
    session.add(registry)
    await session.flush()
    lines: list[bank_file.Payment] = []
    total = 0
    for n, c in enumerate(candidates, start=1):
        reason = await _hold_reason(services, tenant_key, c.profile)
        payment = Payment(
            registry_id=registry.id,
            act_id=c.act.id,
            organization_id=org_id,
            performer_person_id=c.act.performer_person_id,
            amount_kopecks=c.act.amount_kopecks,
            status=HELD if reason else INCLUDED,
            held_reason=reason,
            npd_checked_at=now,
            created_at=now,
        )
        session.add(payment)
        if reason is None and c.profile is not None:
            total += c.act.amount_kopecks
            lines.append(
                bank_file.Payment(
                    number=n,
                    performer=bank_file.Party(
                        name=c.profile.full_name,
                        inn=c.profile.inn,
                        account=c.profile.bank_account or "",
                        bank=c.profile.bank_name or "",
                        bik=c.profile.bank_bik or "",
                        corr_account=c.profile.bank_corr_account or "",
                    ),
                    amount=_kopecks_to_rubles(c.act.amount_kopecks),
                    contract=f"№ {c.contract.number} от {c.contract.created_at:%d.%m.%Y}",
                    act=f"№ {c.act.number} от {c.act.created_at:%d.%m.%Y}",
                )
            )
    await session.flush()
    if not lines:
        raise conflict(
            "ALL_HELD",
            "Все выплаты задержаны: проверьте статусы НПД и реквизиты исполнителей.",
            "Every payment is held: check the performers' НПД status and bank details.",
        )
    try:
        data = bank_file.generate(payer, lines, now)
        bank_file.validate(data, expected_total=_kopecks_to_rubles(total))
    except bank_file.BankFileError as exc:
        raise invalid(
            "BANK_FILE_INVALID",
            "Файл для банка не прошёл проверку формата: " + "; ".join(exc.problems),
            "The bank file failed the format's checks: " + "; ".join(exc.problems),
            "organizationId",
        ) from None
    registry.storage_key = files.key("performers", "registries", f"{org_id}-{number}.txt")
    await files.put(registry.storage_key, data, content_type="text/plain; charset=windows-1251")
    registry.sha256, registry.total_kopecks = sha256_of(data), total
    await session.flush()
    await audit(
        session,
        actor,
        "performer.registry_formed",
        "performer_registry",
        registry.id,
        number=number,
        total_kopecks=total,
        payments=len(lines),
        held=len(candidates) - len(lines),
    )
    return registry


async def _customer(session: AsyncSession, org_id: int) -> ClientOrganization:
    org = await session.get(ClientOrganization, org_id)
    assert org is not None
    return org


async def mark_paid(
    session: AsyncSession,
    actor: Actor,
    services: Any,
    files: TenantStorage,
    registry_id: int,
) -> PaymentRegistry:
    """Paid: its payments and acts too; a receipt per payment (again for those the tax
    service could not take the last time)."""
    require_side(actor, Side.CUSTOMER, Side.STAFF)
    registry = await access_registry(session, actor, registry_id, lock=True)
    now = datetime.now(UTC)
    if registry.status == FORMED:
        registry.status, registry.paid_at, registry.paid_by = PAID, now, actor.subject
        payments = (
            await session.scalars(
                select(Payment).where(
                    Payment.registry_id == registry.id, Payment.status == INCLUDED
                )
            )
        ).all()
        for payment in payments:
            payment.status, payment.paid_at = PAID, now
            act = await session.get(PerformerAct, payment.act_id)
            if act is not None:
                act.status = PAID
        await session.flush()
        await audit(session, actor, "performer.registry_paid", "performer_registry", registry.id)
    elif registry.status != PAID:
        raise conflict("REGISTRY_STATUS", "Реестр отменён.", "The registry is cancelled.")
    await _register_receipts(session, services, files, registry)
    return registry


async def _register_receipts(
    session: AsyncSession, services: Any, files: TenantStorage, registry: PaymentRegistry
) -> None:
    gateway = status_checker(services).gateway
    org = await _customer(session, registry.organization_id)
    missing = (
        await session.execute(
            select(Payment, PerformerProfile)
            .join(PerformerProfile, PerformerProfile.person_id == Payment.performer_person_id)
            .where(
                Payment.registry_id == registry.id,
                Payment.status == PAID,
                Payment.id.not_in(select(Receipt.payment_id)),
            )
            .order_by(Payment.id)
        )
    ).all()
    for payment, profile in missing:
        amount = _kopecks_to_rubles(payment.amount_kopecks)
        try:
            issued = await gateway.register_receipt(profile.inn, amount, org.inn, org.name)
        except NpdError:
            continue  # registered when the registry is marked paid again
        receipt = Receipt(
            payment_id=payment.id,
            organization_id=payment.organization_id,
            performer_person_id=payment.performer_person_id,
            receipt_uid=issued.receipt_id,
            amount_kopecks=payment.amount_kopecks,
            customer_name=org.name,
            customer_inn=org.inn,
            payer_kind="legal",
            issued_at=datetime.now(UTC),
        )
        session.add(receipt)
        await session.flush()
        await files.put(
            receipt_key(files, receipt),
            receipt_pdf(receipt, profile),
            content_type="application/pdf",
        )


def receipt_key(files: TenantStorage, receipt: Receipt) -> str:
    return files.key("performers", "receipts", f"{receipt.id}.pdf")


def receipt_pdf(receipt: Receipt, profile: PerformerProfile) -> bytes:
    body = "\n".join(
        (
            f"# Чек № {receipt.receipt_uid}",
            f"Дата: {receipt.issued_at:%d.%m.%Y %H:%M} UTC",
            f"Исполнитель (плательщик НПД): {profile.full_name}, ИНН {profile.inn}",
            f"Покупатель: {receipt.customer_name}, ИНН {receipt.customer_inn}",
            f"Сумма: {rubles(receipt.amount_kopecks)} ₽",
            "Налог на профессиональный доход (422-ФЗ).",
        )
    )
    return render(f"Чек {receipt.receipt_uid}", body.replace("{", "{{").replace("}", "}}"), {})


async def cancel_receipt(
    session: AsyncSession, actor: Actor, services: Any, receipt_id: int, reason: str
) -> Receipt:
    """The performer cancels their receipt (the tax service's rule), with the reason."""
    require_side(actor, Side.PERFORMER)
    receipt = await access_receipt(session, actor, receipt_id, lock=True)
    if reason not in CANCEL_REASONS:
        raise invalid("REASON", "Неизвестная причина.", "Unknown reason.", "reason")
    if receipt.status != "issued":
        raise conflict("RECEIPT_CANCELLED", "Чек уже аннулирован.", "The receipt is cancelled.")
    profile = await session.get(PerformerProfile, receipt.performer_person_id)
    assert profile is not None
    try:
        await status_checker(services).gateway.cancel_receipt(
            profile.inn, receipt.receipt_uid, reason
        )
    except NpdError as exc:
        raise conflict(
            "NPD_UNAVAILABLE",
            f"ФНС не приняла аннулирование: {exc}. Попробуйте позже.",
            f"The tax service did not take the cancellation: {exc}. Try again later.",
        ) from None
    receipt.status, receipt.cancel_reason = "cancelled", reason
    receipt.cancelled_at = datetime.now(UTC)
    await session.flush()
    await audit(
        session,
        actor,
        "performer.receipt_cancelled",
        "performer_receipt",
        receipt.id,
        reason=reason,
    )
    return receipt


async def list_registries(
    session: AsyncSession,
    actor: Actor,
    org_id: int | None,
    first: int = 50,
    before_id: int | None = None,
) -> list[PaymentRegistry]:
    """Newest first; `before_id`: the page after that registry (the last one seen)."""
    if side_of(actor) is Side.PERFORMER:
        return []
    stmt = scoped(select(PaymentRegistry), customer_scope(actor, PaymentRegistry.organization_id))
    if org_id is not None:
        stmt = stmt.where(PaymentRegistry.organization_id == org_id)
    if before_id is not None:
        stmt = stmt.where(PaymentRegistry.id < before_id)
    stmt = stmt.order_by(PaymentRegistry.id.desc()).limit(max(1, min(first, 100)))
    return list((await session.scalars(stmt)).all())


async def payments_of(session: AsyncSession, registry_ids: list[int]) -> dict[int, list[Payment]]:
    rows = (
        await session.scalars(
            select(Payment).where(Payment.registry_id.in_(registry_ids)).order_by(Payment.id)
        )
    ).all()
    found: dict[int, list[Payment]] = {r: [] for r in registry_ids}
    for row in rows:
        if row.registry_id is not None:
            found[row.registry_id].append(row)
    return found


async def list_payments(
    session: AsyncSession, actor: Actor, first: int = 50, before_id: int | None = None
) -> list[Payment]:
    """The viewer's payments (a performer: their own; others: their scope), newest first;
    `before_id`: the page after that payment."""
    stmt = scoped(
        select(Payment), work_scope(actor, Payment.organization_id, Payment.performer_person_id)
    )
    if before_id is not None:
        stmt = stmt.where(Payment.id < before_id)
    stmt = stmt.order_by(Payment.id.desc()).limit(max(1, min(first, 100)))
    return list((await session.scalars(stmt)).all())


async def list_receipts(
    session: AsyncSession,
    actor: Actor,
    org_id: int | None,
    first: int = 50,
    before_id: int | None = None,
) -> list[Receipt]:
    """Newest first; `before_id`: the page after that receipt."""
    stmt = scoped(
        select(Receipt), work_scope(actor, Receipt.organization_id, Receipt.performer_person_id)
    )
    if org_id is not None:
        stmt = stmt.where(Receipt.organization_id == org_id)
    if before_id is not None:
        stmt = stmt.where(Receipt.id < before_id)
    stmt = stmt.order_by(Receipt.id.desc()).limit(max(1, min(first, 100)))
    return list((await session.scalars(stmt)).all())


async def receipts_of(session: AsyncSession, payment_ids: list[int]) -> dict[int, Receipt]:
    rows = (await session.scalars(select(Receipt).where(Receipt.payment_id.in_(payment_ids)))).all()
    return {r.payment_id: r for r in rows}
