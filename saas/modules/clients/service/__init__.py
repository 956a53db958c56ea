"""Domain rules of client organizations and their contact persons. No GraphQL here.

By sub-domain:
- errors: `ClientsError` and the module's refusals;
- scope: the one row-scoping hook (`scope_organizations`, `scope_contacts`), `access_*` (the
  only way to load one by id for an actor) and the organizations assigned to staff;
- grants: effective grants (`grants_for`, `grants_statement`), the one clause other modules
  scope organizations by (`granted_scope`: staff's assignment, a client's grant of a module),
  `check_modules`, the modules
  offered (`offered_modules`, `default_modules`: saas.core.modules);
- organizations: create, update, archive/restore, the filtered list;
- managers: the responsible manager and the moderators;
- contacts: invitations, grants, client admins, deactivation (two-schema operations);
- cards: the firm's own contact card for a person (label, phone, note on the membership);
- invitations: the invitation e-mail through auth, organization names for the cabinet picker.

Functions take (session, actor, ...) with the one `saas.core.actor.Actor` and flush, never
commit: the caller owns the unit of work; each writes its own audit entry
(`saas.core.audit.audit`). Other modules import what they need from this package.
"""

from saas.modules.clients.policy import ClientModule
from saas.modules.clients.service.cards import ContactCard, set_contact_card
from saas.modules.clients.service.contacts import (
    Cabinet,
    Invited,
    contact_roles,
    deactivate_contact,
    invite_contact,
    normalize_email,
    revoke_person_in_cabinet,
    set_contact_client_admin,
    set_contact_grants,
)
from saas.modules.clients.service.errors import ClientsError, forbidden, not_found
from saas.modules.clients.service.grants import (
    MODULE_ORDER,
    check_modules,
    default_modules,
    granted_organizations,
    granted_scope,
    grants_for,
    grants_statement,
    offered_modules,
    people_grants_statement,
)
from saas.modules.clients.service.invitations import invitation_sender, organization_names
from saas.modules.clients.service.managers import set_managers
from saas.modules.clients.service.organizations import (
    INDIVIDUAL_FORMS,
    UNSET_EMPLOYER,
    OrganizationChanges,
    OrganizationFilter,
    OrganizationInput,
    active_staff_ids,
    check_staff,
    create_organization,
    filtered_organizations,
    is_employer,
    set_organization_status,
    staff_person_ids,
    update_organization,
)
from saas.modules.clients.service.scope import (
    access_contact,
    access_organization,
    assigned_statement,
    is_client_admin_of,
    organization_scope,
    scope_contacts,
    scope_organizations,
)

__all__ = [
    "INDIVIDUAL_FORMS",
    "MODULE_ORDER",
    "UNSET_EMPLOYER",
    "Cabinet",
    "ClientModule",
    "ContactCard",
    "ClientsError",
    "Invited",
    "OrganizationChanges",
    "OrganizationFilter",
    "OrganizationInput",
    "access_contact",
    "access_organization",
    "active_staff_ids",
    "assigned_statement",
    "check_modules",
    "check_staff",
    "contact_roles",
    "create_organization",
    "deactivate_contact",
    "default_modules",
    "filtered_organizations",
    "is_employer",
    "forbidden",
    "grants_for",
    "granted_organizations",
    "granted_scope",
    "grants_statement",
    "invitation_sender",
    "invite_contact",
    "is_client_admin_of",
    "normalize_email",
    "not_found",
    "offered_modules",
    "organization_names",
    "organization_scope",
    "people_grants_statement",
    "revoke_person_in_cabinet",
    "scope_contacts",
    "scope_organizations",
    "set_contact_card",
    "set_contact_client_admin",
    "set_contact_grants",
    "set_managers",
    "set_organization_status",
    "staff_person_ids",
    "update_organization",
]
