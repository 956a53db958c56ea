"""Refusals of the service requests."""

from __future__ import annotations

from datetime import date

from saas.modules.clients.service import ClientsError


class RequestsError(ClientsError):
    """An expected refusal of the requests module, in Russian and English (kind: validation
    | not_found | conflict | forbidden | request_deadline). A subclass of the clients
    module's, as the chat's is: a resolver catching `ClientsError` also catches the drive's
    refusals of an attachment."""


class DeadlineTooShort(RequestsError):
    """The due date is earlier than the regulation allows: carries the earliest date."""

    def __init__(self, ru: str, en: str, minimum: date, days: int):
        super().__init__("request_deadline", "DEADLINE_TOO_SHORT", ru, en, "dueDate")
        self.minimum = minimum
        self.days = days


def not_found(what: str = "request") -> RequestsError:
    words = {
        "request": ("Заявка не найдена или недоступна.", "Request not found or not visible."),
        "service": (
            "Услуга не найдена в каталоге или недоступна.",
            "Service not found in the catalog or not visible.",
        ),
        "template": ("Шаблон каталога не найден.", "Catalog template not found."),
        "department": ("Отдел не найден.", "Department not found."),
    }
    ru, en = words[what]
    return RequestsError("not_found", "NOT_FOUND", ru, en)


def invalid(code: str, ru: str, en: str, field: str) -> RequestsError:
    return RequestsError("validation", code, ru, en, field)


def conflict(code: str, ru: str, en: str) -> RequestsError:
    return RequestsError("conflict", code, ru, en)


def forbidden(code: str, ru: str, en: str) -> RequestsError:
    return RequestsError("forbidden", code, ru, en)
