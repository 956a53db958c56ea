"""Enums of the clients module's schema. The domain enums are registered here, before any
type or input names them (strawberry would otherwise make a second, bare definition)."""

from __future__ import annotations

from enum import Enum

import strawberry

from saas.modules.clients.policy import ClientModule
from saas.modules.clients.validation import LegalForm, TaxRegime

# strawberry.enum registers the domain enums in place (the same classes are returned).
strawberry.enum(
    LegalForm,
    name="LegalForm",
    description="Legal form: OOO (ООО), AO (АО), PAO (ПАО) are legal entities with a 10-digit "
    "INN, KPP and OGRN; IP (ИП) and KFH (глава КФХ) are individuals with a 12-digit INN and "
    "OGRNIP, without KPP.",
)
strawberry.enum(
    TaxRegime,
    name="TaxRegime",
    description="Tax regime: OSNO (ОСНО), USN_INCOME (УСН «доходы»), USN_INCOME_EXPENSE "
    "(УСН «доходы минус расходы»), PATENT (ПСН), NPD (НПД), ESHN (ЕСХН).",
)
strawberry.enum(
    ClientModule,
    name="ClientModule",
    description="A part of the client cabinet a contact person can be granted, per organization. "
    "Only the modules `availableModules` lists are built; the other values stay for "
    "compatibility and are refused with MODULE_NOT_AVAILABLE until their module is built.",
)


@strawberry.enum(name="ClientOrganizationStatus", description="Served now, or archived.")
class OrganizationStatus(Enum):
    ACTIVE = "active"
    ARCHIVED = "archived"


@strawberry.enum(name="ClientContactStatus", description="Whether the contact may use the cabinet.")
class ContactStatus(Enum):
    ACTIVE = "active"
    DEACTIVATED = "deactivated"
