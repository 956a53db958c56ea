"""Webhook delivery as a dramatiq job, and the hook that turns outbox events into deliveries.

Where it hooks in: `saas.events.AFTER_PUBLISH`, called by `notify_published` after an outbox
row is committed and announced. Every publish path goes through it (the API's `publish` after
the unit of work commits, the report import job per batch), so no module that publishes needs
to know about webhooks. The hook writes pending deliveries (their own small transaction) and
enqueues one `deliver_webhook` message per delivery.

Each run is one attempt. A failure (non-2xx, timeout, refused connection) is recorded and
raised, so dramatiq's Retries retries it with exponential backoff (min_backoff doubling up to
max_backoff, with jitter); after MAX_RETRIES the delivery is marked failed. Redelivery is a new
delivery of the same event.
"""

from __future__ import annotations

import logging

from saas.db.session import tenant_transaction
from saas.events import AFTER_PUBLISH
from saas.jobs import JobContext, current_runtime_or_none, enqueue, tenant_actor
from saas.modules.notifications import service
from saas.modules.notifications.models import WebhookDelivery, WebhookEndpoint
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
    outcome = await service.post(endpoint, delivery)
    final = delivery.attempts + 1 > MAX_RETRIES
    async with job.transaction() as db:
        fresh = await db.get(WebhookDelivery, delivery_id)
        if fresh is None:
            return
        await service.record_attempt(db, fresh, outcome, final)
    if not outcome.ok:
        raise DeliveryFailed(f"webhook delivery {delivery_id}: {outcome.error}")


async def send_deliveries(tenant: TenantRef | int, delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        await enqueue(tenant, deliver_webhook, delivery_id=delivery_id)


async def on_published(services: Services, tenant: TenantRef, ids: list[int]) -> None:
    """AFTER_PUBLISH hook: deliveries for the new outbox events, then their jobs."""
    if current_runtime_or_none() is None:
        return  # a process without a job broker (some CLI paths) delivers nothing
    async with tenant_transaction(services.engine, tenant) as db:
        created = await service.deliveries_for_events(db, ids)
    if created:
        await send_deliveries(tenant, created)


if on_published not in AFTER_PUBLISH:
    AFTER_PUBLISH.append(on_published)
