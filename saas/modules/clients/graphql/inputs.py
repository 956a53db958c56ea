"""Inputs of the clients module's mutations."""

from __future__ import annotations

from typing import Any

import strawberry

import saas.modules.clients.graphql.enums  # noqa: F401  (registers the domain enums first)
from saas.modules.clients.policy import ClientModule
from saas.modules.clients.validation import LegalForm, TaxRegime

EMPLOYER_NOTE = (
    "The employer status the tax calendar files 6-НДФЛ, РСВ and personalized information by; "
    "null: derived from the legal form (an organization is an employer, an individual "
    "entrepreneur is not)."
)


@strawberry.input(description="A new client organization.")
class CreateClientOrganizationInput:
    name: str
    legal_form: LegalForm
    inn: str
    kpp: str | None = None
    ogrn: str = strawberry.field(description="ОГРН (legal entity) or ОГРНИП (individual).")
    tax_regime: TaxRegime
    responsible_manager_id: strawberry.ID | None = None
    moderator_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    enabled_modules: list[ClientModule] | None = strawberry.field(
        default=None,
        description="Default: the modules `availableModules` marks `enabledByDefault`.",
    )
    has_employees: bool | None = strawberry.field(default=None, description=EMPLOYER_NOTE)


@strawberry.input(description="Changes to a client organization; omitted fields stay as they are.")
class UpdateClientOrganizationInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    legal_form: LegalForm | None = strawberry.UNSET
    inn: str | None = strawberry.UNSET
    kpp: str | None = strawberry.field(
        default=strawberry.UNSET, description='null or "" clears it.'
    )
    ogrn: str | None = strawberry.UNSET
    tax_regime: TaxRegime | None = strawberry.UNSET
    enabled_modules: list[ClientModule] | None = strawberry.UNSET
    has_employees: bool | None = strawberry.field(
        default=strawberry.UNSET, description=f"{EMPLOYER_NOTE} null clears it."
    )


def given(value: Any) -> Any:
    return None if value is strawberry.UNSET else value


# ------------------------------------------------------------------------------- query
