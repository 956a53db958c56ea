"""Domain rules of roles and role assignments, by sub-domain. No GraphQL here.

- errors: `RolesError`, its messages in both languages and the limits they name;
- checks: a custom role's name, description, permissions and inheritance (no cycle);
- roles: the firm's roles (built-in and custom), creating, changing, deleting them;
- members: the firm's memberships and their roles (`assign_roles`).

Roles of a firm are its built-in roles (saas.rbac.defaults, lines seeded at provisioning,
never edited here) and its custom roles (a `role` row plus `p` and `g` lines in the firm's
domain). A person's roles in a firm are `shared.memberships.roles`; a token's is
`api_tokens.role`.

Every change runs under the tenant's policy lock (a transaction-level advisory lock), so
two admins cannot race each other past a rule (the last firm admin, a role in use, a cycle).
Functions flush, never commit; the caller commits and then calls
`saas.rbac.store.notify_policy_changed` (events go out after commit).
"""

from saas.rbac.service.checks import role_names
from saas.rbac.service.errors import MESSAGES, RolesError
from saas.rbac.service.members import (
    MemberView,
    assign_roles,
    get_members,
    member_of,
    members_statement,
)
from saas.rbac.service.roles import (
    RoleView,
    create_role,
    custom_role_exists,
    delete_role,
    get_role,
    list_roles,
    role_uses,
    token_role_allowed,
    update_role,
)

__all__ = [
    "MESSAGES",
    "MemberView",
    "RoleView",
    "RolesError",
    "assign_roles",
    "create_role",
    "custom_role_exists",
    "delete_role",
    "get_members",
    "get_role",
    "list_roles",
    "member_of",
    "members_statement",
    "role_names",
    "role_uses",
    "token_role_allowed",
    "update_role",
]
