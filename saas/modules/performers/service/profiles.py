"""A performer's profile at the firm (their own: INN, name for contracts, skills, bank
details checked by their control keys, former employers), their portfolio, and a customer
organization's settings for performer work (responsible person, payer's account, fee)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.audit import audit
from saas.core.requisites import (
    account_key_ok,
    bik_ok,
    corr_account_key_ok,
    inn_check_digits_ok,
)
from saas.modules.clients.models import ClientContact
from saas.modules.clients.service import access_organization, staff_person_ids
from saas.modules.performers.models import (
    PerformerCustomer,
    PerformerProfile,
    PortfolioItem,
)
from saas.modules.performers.service.errors import PerformersError, invalid, not_found
from saas.modules.performers.service.scope import Side, customer_scope, require_side, side_of

MAX_SKILLS = 30
MAX_TEXT = 4000


@dataclass
class BankDetails:
    bank_name: str | None = None
    bik: str | None = None
    corr_account: str | None = None
    account: str | None = None


@dataclass
class ProfileInput:
    inn: str
    full_name: str
    phone: str | None = None
    skills: list[str] = field(default_factory=list)
    about: str = ""
    bank: BankDetails = field(default_factory=BankDetails)
    former_employers: list[tuple[str, date]] = field(default_factory=list)


def check_inn(inn: str, field_name: str, *, person: bool) -> str:
    inn = inn.strip()
    length = 12 if person else None
    if not re.fullmatch(r"\d{10}|\d{12}", inn) or (length and len(inn) != length):
        raise invalid(
            "INN_FORMAT",
            "ИНН самозанятого — 12 цифр." if person else "ИНН — 10 или 12 цифр.",
            "A self-employed person's INN has 12 digits."
            if person
            else "An INN has 10 or 12 digits.",
            field_name,
        )
    if not inn_check_digits_ok(inn):
        raise invalid(
            "INN_CHECKSUM",
            "ИНН не проходит проверку контрольных цифр.",
            "The INN's check digits are wrong.",
            field_name,
        )
    return inn


def check_bank(bank: BankDetails, prefix: str) -> BankDetails:
    """All four or none; BIK 9 digits, the accounts 20 digits keyed against the BIK."""
    values = (bank.bank_name, bank.bik, bank.corr_account, bank.account)
    if not any(values):
        return BankDetails()
    if not all(values):
        raise invalid(
            "BANK_INCOMPLETE",
            "Укажите банк, БИК, корреспондентский и расчётный счёт.",
            "Give the bank, BIK, correspondent and settlement account.",
            prefix,
        )
    bik, corr, account = (
        v.strip() for v in (bank.bik or "", bank.corr_account or "", bank.account or "")
    )
    if not bik_ok(bik):
        raise invalid("BIK_FORMAT", "БИК — 9 цифр.", "A BIK has 9 digits.", f"{prefix}.bik")
    if not (re.fullmatch(r"\d{20}", corr) and corr_account_key_ok(corr, bik)):
        raise invalid(
            "CORR_ACCOUNT_KEY",
            "Корреспондентский счёт не соответствует БИК (контрольный ключ).",
            "The correspondent account does not match the BIK (control key).",
            f"{prefix}.corrAccount",
        )
    if not (re.fullmatch(r"\d{20}", account) and account_key_ok(account, bik)):
        raise invalid(
            "ACCOUNT_KEY",
            "Расчётный счёт не соответствует БИК (контрольный ключ).",
            "The account does not match the BIK (control key).",
            f"{prefix}.account",
        )
    return BankDetails((bank.bank_name or "").strip(), bik, corr, account)


def _text(value: str, field_name: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    value = value.strip()
    if required and not value:
        raise invalid("REQUIRED", "Поле обязательно.", "This field is required.", field_name)
    if len(value) > limit:
        raise invalid(
            "TOO_LONG",
            f"Не длиннее {limit} символов.",
            f"At most {limit} characters.",
            field_name,
        )
    return value


def clean_skills(skills: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(s.strip().lower() for s in skills if s.strip()))
    if len(cleaned) > MAX_SKILLS or any(len(s) > 60 for s in cleaned):
        raise invalid(
            "SKILLS",
            f"Не больше {MAX_SKILLS} навыков, каждый до 60 символов.",
            f"At most {MAX_SKILLS} skills, each up to 60 characters.",
            "skills",
        )
    return cleaned


async def profile_of(session: AsyncSession, person_id: int) -> PerformerProfile | None:
    return await session.get(PerformerProfile, person_id)


async def my_profile(session: AsyncSession, actor: Actor) -> PerformerProfile | None:
    require_side(actor, Side.PERFORMER)
    assert actor.person_id is not None
    return await profile_of(session, actor.person_id)


async def save_profile(session: AsyncSession, actor: Actor, data: ProfileInput) -> PerformerProfile:
    require_side(actor, Side.PERFORMER)
    assert actor.person_id is not None
    inn = check_inn(data.inn, "inn", person=True)
    name = _text(data.full_name, "fullName", required=True, limit=300)
    bank = check_bank(data.bank, "bank")
    employers = [
        {"inn": check_inn(e_inn, "formerEmployers", person=False), "until": until.isoformat()}
        for e_inn, until in data.former_employers
    ]
    clash = await session.scalar(
        select(PerformerProfile.person_id).where(
            PerformerProfile.inn == inn, PerformerProfile.person_id != actor.person_id
        )
    )
    if clash is not None:
        raise PerformersError(
            "conflict",
            "INN_TAKEN",
            "Этот ИНН уже указан в профиле другого исполнителя фирмы.",
            "This INN is already in another performer's profile at this firm.",
            "inn",
        )
    profile = await profile_of(session, actor.person_id)
    if profile is None:
        profile = PerformerProfile(person_id=actor.person_id, inn=inn, full_name=name)
        session.add(profile)
    elif profile.inn != inn:
        profile.npd_status, profile.npd_checked_on, profile.npd_message = "unknown", None, None
    profile.inn, profile.full_name = inn, name
    profile.phone = _text(data.phone or "", "phone", limit=32) or None
    profile.skills = clean_skills(data.skills)
    profile.about = _text(data.about, "about")
    profile.bank_name, profile.bank_bik = bank.bank_name, bank.bik
    profile.bank_corr_account, profile.bank_account = bank.corr_account, bank.account
    profile.former_employers = employers
    profile.updated_at = datetime.now(UTC)
    await session.flush()
    await audit(session, actor, "performer.profile_saved", "performer", actor.person_id)
    return profile


async def portfolio_of(
    session: AsyncSession, person_ids: list[int]
) -> dict[int, list[PortfolioItem]]:
    rows = (
        await session.scalars(
            select(PortfolioItem)
            .where(PortfolioItem.person_id.in_(person_ids))
            .order_by(PortfolioItem.created_at.desc(), PortfolioItem.id.desc())
        )
    ).all()
    found: dict[int, list[PortfolioItem]] = {p: [] for p in person_ids}
    for row in rows:
        found[row.person_id].append(row)
    return found


async def add_portfolio_item(
    session: AsyncSession, actor: Actor, title: str, description: str, url: str | None
) -> PortfolioItem:
    require_side(actor, Side.PERFORMER)
    assert actor.person_id is not None
    link = (url or "").strip() or None
    if link and not re.match(r"^https?://[^\s]+$", link):
        raise invalid(
            "URL",
            "Ссылка должна начинаться с http:// или https://.",
            "A link starts with http:// or https://.",
            "url",
        )
    item = PortfolioItem(
        person_id=actor.person_id,
        title=_text(title, "title", required=True, limit=200),
        description=_text(description, "description"),
        url=link,
    )
    session.add(item)
    await session.flush()
    return item


async def remove_portfolio_item(session: AsyncSession, actor: Actor, item_id: int) -> None:
    require_side(actor, Side.PERFORMER)
    item = await session.get(PortfolioItem, item_id)
    if item is None or item.person_id != actor.person_id:
        raise not_found("portfolio")
    await session.delete(item)
    await session.flush()


# ------------------------------------------------------------------ customers' settings


@dataclass
class CustomerInput:
    responsible_person_id: int | None = None
    bank: BankDetails = field(default_factory=BankDetails)
    agency_fee_percent: Decimal | None = None


async def customer_settings(session: AsyncSession, actor: Actor, org_id: int) -> PerformerCustomer:
    """The organization's settings (defaults when never saved), for its customers and staff."""
    await _visible_org(session, actor, org_id)
    found = await session.get(PerformerCustomer, org_id)
    return found or PerformerCustomer(organization_id=org_id, agency_fee_percent=Decimal("10"))


async def _visible_org(session: AsyncSession, actor: Actor, org_id: int) -> Any:
    """The organization, if `actor` sees it as staff or as a customer holding the grant."""
    if side_of(actor) is Side.PERFORMER:
        raise not_found("order")
    clause = customer_scope(actor, literal(org_id))
    if clause is not None and not await session.scalar(select(clause)):
        raise PerformersError(
            "not_found",
            "NOT_FOUND",
            "Организация не найдена или работа с исполнителями в ней не подключена.",
            "Organization not found, or its work with performers is not enabled.",
        )
    return await access_organization(session, actor, org_id)


async def save_customer_settings(
    session: AsyncSession,
    actor: Actor,
    org_id: int,
    data: CustomerInput,
    *,
    may_set_fee: bool,
    shared: AsyncSession | None = None,
) -> PerformerCustomer:
    """`shared` (the shared schema's session) lets the firm's staff be the responsible
    person too; without it only the organization's contacts may be."""
    await _visible_org(session, actor, org_id)
    bank = check_bank(data.bank, "bank")
    row = await session.get(PerformerCustomer, org_id)
    if row is None:
        row = PerformerCustomer(organization_id=org_id, agency_fee_percent=Decimal("10"))
        session.add(row)
    if data.responsible_person_id is not None:
        contact = await session.scalar(
            select(ClientContact.id).where(
                ClientContact.organization_id == org_id,
                ClientContact.person_id == data.responsible_person_id,
            )
        )
        staff = (
            set()
            if contact is not None or shared is None
            else await staff_person_ids(shared, actor.tenant_id, [data.responsible_person_id])
        )
        if contact is None and not staff:
            raise invalid(
                "NOT_A_CONTACT",
                "Ответственным может быть контактное лицо этой организации или сотрудник фирмы.",
                "The responsible person must be a contact of this organization or firm staff.",
                "responsiblePersonId",
            )
    row.responsible_person_id = data.responsible_person_id
    row.bank_name, row.bank_bik = bank.bank_name, bank.bik
    row.bank_corr_account, row.bank_account = bank.corr_account, bank.account
    if data.agency_fee_percent is not None:
        if not may_set_fee:
            raise PerformersError(
                "forbidden",
                "FEE_STAFF_ONLY",
                "Агентское вознаграждение устанавливает фирма.",
                "The agency fee is set by the firm.",
                "agencyFeePercent",
            )
        if not Decimal("0") <= data.agency_fee_percent <= Decimal("50"):
            raise invalid(
                "FEE_RANGE",
                "Вознаграждение — от 0 до 50 %.",
                "The fee is 0 to 50 %.",
                "agencyFeePercent",
            )
        row.agency_fee_percent = data.agency_fee_percent
    row.updated_at = datetime.now(UTC)
    await session.flush()
    await audit(session, actor, "performer.customer_saved", "client_organization", org_id)
    return row
