"""Refusals of the calendars."""

from __future__ import annotations

from saas.modules.clients.service import ClientsError


class CalendarError(ClientsError):
    """An expected refusal of the calendars, in Russian and English (kind: validation |
    not_found | forbidden)."""


def organization_not_found() -> CalendarError:
    return CalendarError(
        "not_found",
        "NOT_FOUND",
        "Организация не найдена или её календарь вам недоступен.",
        "Organization not found, or its calendar is not visible to you.",
        "organizationId",
    )


def exchange_date_not_found() -> CalendarError:
    return CalendarError(
        "not_found",
        "NOT_FOUND",
        "Дата обмена данными не найдена или недоступна.",
        "Data-exchange date not found or not visible to you.",
        "id",
    )


def no_write() -> CalendarError:
    return CalendarError(
        "forbidden",
        "FORBIDDEN",
        "Даты обмена данными задаёт сотрудник фирмы с правом менять организации клиентов.",
        "Data-exchange dates are set by firm staff with 'clients:write'.",
    )


def invalid(code: str, ru: str, en: str, field: str) -> CalendarError:
    return CalendarError("validation", code, ru, en, field)
