"""The firm's own contact card for a person (label, phone, note on the person's memberships
of this firm, shared schema): written by firm staff, shown only inside this firm. The
person's own display name is theirs and is not touched here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession

from saas.auth.models import Membership
from saas.core.actor import Actor
from saas.core.audit import audit_shared
from saas.modules.clients.service.errors import ClientsError, forbidden

if TYPE_CHECKING:
    from saas.tenants.registry import TenantRef


PHONE_RE = re.compile(r"^[0-9+()\-.\s]*$")
LIMITS = {"label": 200, "phone": 40, "note": 2000}


@dataclass(frozen=True)
class ContactCard:
    label: str
    phone: str
    note: str


def _checked(card: ContactCard) -> ContactCard:
    card = ContactCard(card.label.strip(), card.phone.strip(), card.note.strip())
    for field, limit in LIMITS.items():
        if len(getattr(card, field)) > limit:
            raise ClientsError(
                "validation",
                "TOO_LONG",
                f"Не длиннее {limit} символов.",
                f"At most {limit} characters.",
                field,
            )
    if not PHONE_RE.match(card.phone) or (card.phone and not re.search(r"\d", card.phone)):
        raise ClientsError(
            "validation",
            "INVALID_PHONE",
            "Телефон: только цифры, пробелы, +, -, скобки.",
            "Phone: digits, spaces, +, - and brackets only.",
            "phone",
        )
    return card


async def set_contact_card(
    shared: AsyncSession, tenant: TenantRef, actor: Actor, person_id: int, card: ContactCard
) -> ContactCard:
    """Write the firm's card on every membership the person holds in this firm (the id was
    resolved as a person of this firm). Firm staff only."""
    if not actor.staff:
        raise forbidden("Only the firm's staff edit its contact cards.")
    card = _checked(card)
    await shared.execute(
        update(Membership)
        .where(Membership.tenant_id == tenant.id, Membership.person_id == person_id)
        .values(
            contact_label=card.label,
            contact_phone=card.phone,
            contact_note=card.note,
            updated_at=func.now(),
        )
    )
    await audit_shared(
        shared,
        tenant,
        actor,
        "member.contact_card",
        "person",
        person_id,
        label=card.label,
        phone=card.phone,
    )
    return card
