"""Typed results of identity refusals that are not login-like, through the one mapping
(`saas.schema.errors.typed_error`): a service's DomainError becomes a `Refused` worded from
saas.auth.messages."""

from __future__ import annotations

from typing import Any

from saas.auth.service.errors import Refused
from saas.schema.errors import DomainError, typed_error


def not_found(lang: str) -> Any:
    return typed_error(Refused("NOT_FOUND"), lang)


def domain_error(exc: DomainError, lang: str) -> Any:
    return typed_error(Refused.of(exc), lang)
