"""Enums shared by the inbox and the preferences (registered before any type uses them)."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="What a notification is about (more kinds may come).")
class NotificationKind(Enum):
    REPORT_REJECTED = "report_rejected"
    CLARIFICATION_REQUESTED = "clarification_requested"
    CHAT_MESSAGE = strawberry.enum_value(
        "chat_message", description="A new message in a chat the person takes part in."
    )
    CHAT_NOTICE = strawberry.enum_value(
        "chat_notice", description="A new notice in a chat the person takes part in."
    )
    CHAT_NOTICE_REMINDER = strawberry.enum_value(
        "chat_notice_reminder",
        description="A notice still waits for the person's answer (one reminder).",
    )
    REQUEST_DEADLINE_WARNING = strawberry.enum_value(
        "request_deadline_warning",
        description="A service request the person performs or manages reaches its hard "
        "deadline within one business day (one warning).",
    )
