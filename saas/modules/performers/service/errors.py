"""Refusals of the performers module."""

from __future__ import annotations

from saas.modules.clients.service import ClientsError


class PerformersError(ClientsError):
    """An expected refusal of the performers module, in Russian and English (kind:
    validation | not_found | conflict | forbidden). A subclass of the clients module's, as
    the chat's and the requests' are: a resolver catching `ClientsError` also catches the
    drive's refusals of an attachment."""


NOT_FOUND_WORDS = {
    "order": ("Заказ не найден или недоступен.", "Order not found or not visible."),
    "response": ("Отклик не найден или недоступен.", "Response not found or not visible."),
    "contract": ("Договор не найден или недоступен.", "Contract not found or not visible."),
    "act": ("Акт не найден или недоступен.", "Act not found or not visible."),
    "registry": ("Реестр не найден или недоступен.", "Registry not found or not visible."),
    "payment": ("Выплата не найдена или недоступна.", "Payment not found or not visible."),
    "receipt": ("Чек не найден или недоступен.", "Receipt not found or not visible."),
    "performer": ("Исполнитель не найден.", "Performer not found."),
    "portfolio": ("Работа портфолио не найдена.", "Portfolio item not found."),
}


def not_found(what: str) -> PerformersError:
    ru, en = NOT_FOUND_WORDS[what]
    return PerformersError("not_found", "NOT_FOUND", ru, en)


def invalid(code: str, ru: str, en: str, field: str) -> PerformersError:
    return PerformersError("validation", code, ru, en, field)


def conflict(code: str, ru: str, en: str) -> PerformersError:
    return PerformersError("conflict", code, ru, en)


def forbidden(code: str, ru: str, en: str) -> PerformersError:
    return PerformersError("forbidden", code, ru, en)


def not_self_employed(name: str, message: str | None) -> PerformersError:
    """A performer who is not (or no longer) self-employed: blocks giving them an order."""
    detail = f" ({message})" if message else ""
    return PerformersError(
        "conflict",
        "NOT_SELF_EMPLOYED",
        f"{name} не является плательщиком налога на профессиональный доход{detail}: "
        "заказ можно передать только самозанятому.",
        f"{name} is not registered as self-employed (НПД){detail}: an order can only be given "
        "to a self-employed performer.",
    )


def npd_unavailable() -> PerformersError:
    return PerformersError(
        "conflict",
        "NPD_UNAVAILABLE",
        "Сервис ФНС проверки статуса самозанятого сейчас недоступен. Попробуйте позже.",
        "The tax service's self-employed status check is unavailable now. Try again later.",
    )
