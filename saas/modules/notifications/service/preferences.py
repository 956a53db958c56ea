"""The viewer's notification preferences, per person and firm.

The table is in the tenant schema: the same person in two firms has two independent sets. Per
kind: whether it also comes by e-mail. No row = the default (on), so nobody who never opened
the settings notices anything. In-app notifications are not switchable (see
NotificationPreference). The e-mail job reads the choice when it sends.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from saas.modules.notifications.models import NotificationPreference
from saas.modules.notifications.service.inbox import NotificationError, NotificationKind

EMAIL_DEFAULT = True


async def email_choices(session: AsyncSession, person_id: int) -> dict[str, bool]:
    """Kind -> e-mail on, for every kind the module emits (defaults filled in)."""
    stored = dict(
        (
            await session.execute(
                select(NotificationPreference.kind, NotificationPreference.email).where(
                    NotificationPreference.person_id == person_id
                )
            )
        ).all()
    )
    return {kind.value: bool(stored.get(kind.value, EMAIL_DEFAULT)) for kind in NotificationKind}


async def set_email_choices(
    session: AsyncSession, person_id: int, changes: list[tuple[str, bool | None]]
) -> dict[str, bool]:
    """Apply (kind, e-mail on; None = unchanged) pairs for the person; all or nothing.
    Returns every kind's choice after."""
    if not changes:
        raise NotificationError(
            "validation",
            "NOTHING_TO_CHANGE",
            "Укажите хотя бы один вид уведомлений.",
            "Give at least one kind of notification.",
            "preferences",
        )
    kinds = [kind for kind, _ in changes]
    unknown = sorted(set(kinds) - {k.value for k in NotificationKind})
    if unknown:
        raise NotificationError(
            "validation",
            "UNKNOWN_KIND",
            f"Неизвестный вид уведомлений: {', '.join(unknown)}.",
            f"Unknown kind of notification: {', '.join(unknown)}.",
            "preferences",
        )
    if len(set(kinds)) != len(kinds):
        raise NotificationError(
            "validation",
            "DUPLICATE_KIND",
            "Каждый вид уведомлений можно указать только один раз.",
            "Give each kind of notification only once.",
            "preferences",
        )
    rows = [
        {"person_id": person_id, "kind": kind, "email": email}
        for kind, email in changes
        if email is not None
    ]
    if rows:
        statement = pg_insert(NotificationPreference).values(rows)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[NotificationPreference.person_id, NotificationPreference.kind],
                set_={"email": statement.excluded.email, "updated_at": func.now()},
            )
        )
    return await email_choices(session, person_id)


async def email_muted_kinds(session: AsyncSession, person_id: int) -> set[str]:
    """The kinds the person switched e-mail off for (read by the e-mail job at send time)."""
    return set(
        (
            await session.execute(
                select(NotificationPreference.kind).where(
                    NotificationPreference.person_id == person_id,
                    NotificationPreference.email.is_(False),
                )
            )
        ).scalars()
    )
