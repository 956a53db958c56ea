"""Refusals of the clients module."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from saas.modules.clients.validation import (
    InvalidField,
)
from saas.schema.errors import LocalizedError, PublicError

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)


EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# ---------------------------------------------------------------------------------- errors


class ClientsError(LocalizedError):
    """An expected refusal of the clients module (and of modules built on it)."""

    @classmethod
    def invalid(cls, exc: InvalidField) -> ClientsError:
        return cls("validation", exc.code, exc.text.ru, exc.text.en, exc.field)


def not_found(
    ru: str = "Организация не найдена или недоступна.",
    en: str = "Organization not found or not visible to you.",
) -> ClientsError:
    return ClientsError("not_found", "NOT_FOUND", ru, en)


def forbidden(en: str) -> PublicError:
    return PublicError(en, code="FORBIDDEN")
