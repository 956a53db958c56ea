"""Domain rules of notifications, by sub-domain. No GraphQL here.

- webhooks: endpoints, signing, fan-out of outbox events into deliveries, one attempt
  (`post`, to the receiver's pinned address), redelivery;
- inbox: in-app notifications (who is notified of a report event, reading, read state, the
  texts), and which of them the batched e-mail sends;
- preferences: the person's e-mail choice per kind of notification.

Other modules import what they need from this package (`notify_people`); reports runs
`notify_report_event` as its ON_REPORT_EVENT hook (registered by ../policy.py) in the
transaction that records the event. Inside the module, name the sub-module.
"""

from saas.modules.notifications.service.inbox import (
    NotificationError,
    NotificationKind,
    notify_people,
    notify_report_event,
    schedule_mail_after_commit,
)
from saas.modules.notifications.service.preferences import email_choices, email_muted_kinds
from saas.modules.notifications.service.webhooks import (
    Outcome,
    WebhookError,
    create_endpoint,
    post,
    sign,
)

__all__ = [
    "NotificationError",
    "NotificationKind",
    "Outcome",
    "WebhookError",
    "create_endpoint",
    "email_choices",
    "email_muted_kinds",
    "notify_people",
    "notify_report_event",
    "post",
    "schedule_mail_after_commit",
    "sign",
]
