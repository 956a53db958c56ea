"""Webhook delivery as a dramatiq job, and the hook that turns outbox events into deliveries;
then the batched e-mail of in-app notifications (`send_notification_mails`, at the end).

Where it hooks in: `saas.events.ON_ANNOUNCE`, called by `notify_published` inside the
transaction that claims outbox rows for announcement. Every publish path goes through it (the
API's `publish` after the unit of work commits, the report import job per batch, the outbox
sweeper for rows whose announcement was lost), so no module that publishes needs to know
about webhooks. The hook writes pending deliveries in that transaction (so an event gets its
deliveries exactly once, with its claim) and, after its commit, enqueues one
`deliver_webhook` message per delivery.

Each run is one attempt. A failure (non-2xx, timeout, refused connection) is recorded and
raised, so dramatiq's Retries retries it with exponential backoff (min_backoff doubling up to
max_backoff, with jitter); after MAX_RETRIES the delivery is marked failed. Redelivery is a new
delivery of the same event.
"""

from __future__ import annotations

import html
import logging
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from saas import mail
from saas.auth.models import Person
from saas.core.commit import after_commit
from saas.db.session import shared_session
from saas.events import ON_ANNOUNCE
from saas.jobs import JobContext, current_runtime_or_none, enqueue, periodic, tenant_actor
from saas.modules.branding.service import brand_of
from saas.modules.notifications.models import Notification, WebhookDelivery, WebhookEndpoint
from saas.modules.notifications.service import inbox, webhooks
from saas.modules.notifications.service.preferences import email_muted_kinds
from saas.services import Services
from saas.tenants.registry import TenantRef

log = logging.getLogger(__name__)

MAX_RETRIES = 8
MIN_BACKOFF_MS = 10_000  # 10 s, 20 s, 40 s, ... (jittered)
MAX_BACKOFF_MS = 6 * 3600 * 1000


class DeliveryFailed(RuntimeError):
    """The receiver did not answer 2xx; raised so that dramatiq retries."""


@tenant_actor(
    queue_name="webhooks",
    max_retries=MAX_RETRIES,
    min_backoff=MIN_BACKOFF_MS,
    max_backoff=MAX_BACKOFF_MS,
    time_limit=60_000,
)
async def deliver_webhook(job: JobContext, *, delivery_id: int) -> None:
    async with job.transaction() as db:
        delivery = await db.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.status != "pending":
            return  # the endpoint was deleted, or an earlier run already finished it
        endpoint = await db.get(WebhookEndpoint, delivery.endpoint_id)
        if endpoint is None:
            return
        if not endpoint.active:
            delivery.status = "failed"
            return
    # The HTTP call runs outside any transaction: a slow receiver holds no connection.
    outcome = await webhooks.post(
        endpoint,
        delivery,
        allow_http=job.services.settings.webhook_allow_http,
        private_networks=job.services.settings.webhook_private_networks,
    )
    final = delivery.attempts + 1 > MAX_RETRIES
    async with job.transaction() as db:
        fresh = await db.get(WebhookDelivery, delivery_id)
        if fresh is None:
            return
        await webhooks.record_attempt(db, fresh, outcome, final)
    if not outcome.ok:
        raise DeliveryFailed(f"webhook delivery {delivery_id}: {outcome.error}")


async def send_deliveries(tenant: TenantRef | int, delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        await enqueue(tenant, deliver_webhook, delivery_id=delivery_id)


async def on_announced(
    db: AsyncSession, services: Services, tenant: TenantRef, ids: list[int]
) -> None:
    """ON_ANNOUNCE hook: deliveries for the claimed outbox events, then (after the commit)
    their jobs."""
    if current_runtime_or_none() is None:
        return  # a process without a job broker (some CLI paths) delivers nothing
    created = await webhooks.deliveries_for_events(db, ids)
    if created:

        async def send() -> None:
            await send_deliveries(tenant, created)

        after_commit(db, send, key=f"webhooks.deliveries.{min(created)}")


if on_announced not in ON_ANNOUNCE:
    ON_ANNOUNCE.append(on_announced)


# ----------------------------------------------------------------- batched report e-mails


async def schedule_mails(tenant: TenantRef, delay_seconds: float | None = None) -> None:
    """Enqueue `send_notification_mails` for the tenant after the quiet delay (a process
    without a job broker sends nothing now; the next run sends what waits)."""
    runtime = current_runtime_or_none()
    if runtime is None:
        return
    if delay_seconds is None:
        delay_seconds = runtime.settings.notification_mail_delay_seconds
    try:
        await enqueue(
            tenant, send_notification_mails, delay_ms=int(max(0.0, delay_seconds) * 1000) + 50
        )
    except Exception:
        log.exception("could not schedule notification e-mails", extra={"tenant": tenant.id})


@tenant_actor(queue_name="notifications", max_retries=5, time_limit=300_000)
async def send_notification_mails(job: JobContext) -> None:
    """One branded e-mail per person listing all their un-mailed notifications, except the
    kinds the person switched e-mail off for (read now, at send time): those are settled
    without a mail (`email_skipped`), so switching e-mail back on later mails no backlog.

    Idempotent: each person's rows are locked, the e-mail sent and the rows stamped
    `emailed_at` in one transaction, so a retry (or a concurrent run) never mails them again.
    A person whose last notification is too fresh waits (a bulk import is still writing):
    this run schedules another for when the batch is due."""
    settings = job.services.settings
    async with job.transaction() as db:
        due, wait = await inbox.mail_due(db, settings.notification_mail_delay_seconds)
    if wait is not None:
        await schedule_mails(job.tenant, wait)
    if not due:
        return
    async with shared_session(job.services.engine) as shared:
        people = {
            p.id: p
            for p in (await shared.execute(select(Person).where(Person.id.in_(due)))).scalars()
        }
    failed: list[int] = []
    for person_id in due:
        try:
            async with job.transaction() as db:
                rows = await inbox.claim_unmailed(db, person_id)
                if not rows:
                    continue
                # The person's choice as it is now, not when the notification was written.
                muted = await email_muted_kinds(db, person_id)
                wanted = [r for r in rows if r.kind not in muted]
                person = people.get(person_id)
                if wanted and person is not None and person.email:
                    message = report_mail(job, person.email, person.locale, wanted)
                    await mail.send(settings, message)
                await db.execute(
                    update(Notification)
                    .where(Notification.id.in_([r.id for r in rows]))
                    .values(emailed_at=func.now(), email_skipped=Notification.kind.in_(muted))
                )
        except Exception:
            log.exception("notification e-mail failed", extra={"person_id": person_id})
            failed.append(person_id)
    if failed:
        raise RuntimeError(f"notification e-mails failed for {len(failed)} people; retrying")


# A sweep that sends what waits even if the job its notification's write enqueued was lost.
periodic(send_notification_mails, every=lambda s: s.schedule.notification_mail_seconds)


def report_mail(job: JobContext, to: str, locale: str | None, rows: list[Notification]) -> Any:
    """The branded e-mail (firm's name, sender name and color) listing `rows`."""
    lang = mail.language(locale)
    brand = brand_of(job.tenant)
    host = job.services.registry.host_of(job.tenant)
    items = [
        (
            inbox.title_of(r.kind, r.payload, lang),
            inbox.body_of_notification(r.payload, lang),
            job.services.settings.public_url(host, inbox.link_of(r)),
        )
        for r in rows
    ]
    text_items = "\n\n".join(f"- {title}\n  {body}\n  {link}" for title, body, link in items)
    html_items = "".join(
        '<li style="margin:0 0 12px">'
        f'<a href="{html.escape(link)}" style="color:{brand.theme.link};font-weight:bold">'
        f"{html.escape(title)}</a><br>"
        f'<span style="color:#5f6368">{html.escape(body)}</span></li>'
        for title, body, link in items
    )
    return mail.branded(
        "report_notifications",
        to=to,
        tenant=job.tenant,
        lang=lang,
        values={
            "count": str(len(rows)),
            "items": text_items,
            "cabinet_link": job.services.settings.public_url(host, "/"),
            "color": brand.theme.primary,
            "on_color": brand.theme.on_primary,
        },
        html_values={"items_html": html_items},
    )
