"""Refusals of the chat."""

from __future__ import annotations

from saas.modules.clients.service import ClientsError


class ChatError(ClientsError):
    """An expected refusal of the chat, in Russian and English (kind: validation | not_found |
    conflict | forbidden). A subclass of the clients module's, as the drive's is: a resolver
    catching `ClientsError` also catches the drive's refusals of an attachment."""


def conversation_not_found() -> ChatError:
    return ChatError(
        "not_found",
        "NOT_FOUND",
        "Переписка не найдена или недоступна.",
        "Conversation not found or not visible to you.",
    )


def message_not_found() -> ChatError:
    return ChatError(
        "not_found",
        "NOT_FOUND",
        "Сообщение не найдено или недоступно.",
        "Message not found or not visible to you.",
    )


def invalid(code: str, ru: str, en: str, field: str) -> ChatError:
    return ChatError("validation", code, ru, en, field)


def forbidden(code: str, ru: str, en: str) -> ChatError:
    return ChatError("forbidden", code, ru, en)


def no_write() -> ChatError:
    return forbidden(
        "FORBIDDEN",
        "Нет права писать в чат.",
        "You need 'chat:write' in this firm to write in the chat.",
    )
