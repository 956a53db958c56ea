"""The default roles every firm gets, as (role, object, action) lines. `*` matches anything.

The objects are the modules and platform areas; actions are read / write / manage.
Firm admins extend these with custom roles through GraphQL.

Which organizations staff see: `clients:read_all` (the firm admin's `*`, the department
head's `clients:*` until departments exist, the auditor, integration tokens) is the whole
firm; manager, moderator and staff see the organizations they are the responsible manager
or a moderator of (saas.core.actor.organization_filter).
"""

from __future__ import annotations

STAFF_ROLES = ("firm_admin", "department_head", "manager", "moderator", "staff", "auditor")
CLIENT_ROLES = ("client_admin", "client_member")
OTHER_ROLES = ("performer", "integrator")

DEFAULT_POLICY: tuple[tuple[str, str, str], ...] = (
    ("firm_admin", "*", "*"),
    ("department_head", "clients", "*"),
    ("department_head", "reports", "*"),
    ("department_head", "documents", "*"),
    ("department_head", "chat", "*"),
    ("department_head", "requests", "*"),
    ("department_head", "performers", "*"),
    ("department_head", "members", "read"),
    ("department_head", "client_contacts", "manage"),
    ("manager", "clients", "read"),
    ("manager", "clients", "write"),
    ("manager", "reports", "*"),
    ("manager", "documents", "*"),
    ("manager", "chat", "*"),
    ("manager", "requests", "*"),
    ("manager", "performers", "*"),
    ("manager", "members", "read"),
    ("manager", "client_contacts", "manage"),
    ("moderator", "clients", "read"),
    ("moderator", "reports", "read"),
    ("moderator", "reports", "write"),
    ("moderator", "documents", "read"),
    ("moderator", "documents", "write"),
    ("moderator", "chat", "read"),
    ("moderator", "chat", "write"),
    ("moderator", "requests", "read"),
    ("moderator", "requests", "write"),
    ("staff", "clients", "read"),
    ("staff", "reports", "read"),
    ("staff", "documents", "read"),
    ("staff", "chat", "read"),
    ("staff", "requests", "read"),
    ("staff", "requests", "write"),
    ("staff", "performers", "read"),
    ("auditor", "clients", "read"),
    ("auditor", "clients", "read_all"),
    ("auditor", "reports", "read"),
    ("auditor", "documents", "read"),
    ("auditor", "chat", "read"),
    ("auditor", "requests", "read"),
    ("auditor", "performers", "read"),
    ("auditor", "audit", "read"),
    ("auditor", "members", "read"),
    ("auditor", "roles", "read"),
    ("client_admin", "client_contacts", "manage"),
    ("client_admin", "client_cabinet", "read"),
    ("client_admin", "clients", "read"),
    ("client_member", "client_cabinet", "read"),
    ("client_member", "clients", "read"),
    ("performer", "performer_cabinet", "read"),
    ("integrator", "clients", "read"),
    ("integrator", "clients", "read_all"),
    ("integrator", "reports", "*"),
    ("integrator", "documents", "read"),
    ("integrator", "chat", "write"),
    ("integrator", "performers", "read"),
    ("integrator", "performers", "write"),
)

BUILTIN_ROLES: tuple[str, ...] = STAFF_ROLES + CLIENT_ROLES + OTHER_ROLES

# Which roles a membership of each kind may hold. Client users only ever get client roles,
# so no custom role (which may grant staff objects) can reach a client; tokens get
# `integrator`, a staff role but firm_admin, or a custom role
# (saas.rbac.service.token_role_allowed).
ASSIGNABLE_BUILTIN: dict[str, tuple[str, ...]] = {
    "staff": STAFF_ROLES,
    "client": CLIENT_ROLES,
    "performer": ("performer",),
}
CUSTOM_ROLES_ALLOWED_FOR = frozenset({"staff"})

# (ru, en) descriptions shown to firm admins.
ROLE_DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "firm_admin": ("Администратор фирмы: все права", "Firm administrator: every permission"),
    "department_head": (
        "Руководитель отдела: клиенты, отчётность и документы отдела",
        "Department head: the department's clients, reports and documents",
    ),
    "manager": (
        "Менеджер проекта, ответственный бухгалтер клиента: работает с назначенными ему "
        "организациями",
        "Project manager, the accountant responsible for a client: works on the organizations "
        "assigned to them",
    ),
    "moderator": (
        "Соисполнитель (модератор) проекта: работает с назначенными ему организациями",
        "Co-manager (moderator) of a project: works on the organizations assigned to them",
    ),
    "staff": (
        "Сотрудник: читает и работает над назначенным",
        "Staff: reads and works on assigned items",
    ),
    "auditor": (
        "Аудитор: только чтение всей фирмы и журнал действий",
        "Auditor: reads the whole firm, sees the audit log",
    ),
    "client_admin": (
        "Администратор клиента: управляет контактными лицами своей организации",
        "Client admin: manages the contact persons of their organization",
    ),
    "client_member": (
        "Контактное лицо клиента: права выдаются по модулям",
        "Client contact person: rights granted per module",
    ),
    "performer": ("Самозанятый исполнитель", "Self-employed performer"),
    "integrator": ("Интеграция (API-токен)", "Integration (API token)"),
}

# The platform's own host: only platform admins, only platform objects.
PLATFORM_POLICY: tuple[tuple[str, str, str], ...] = (("platform_admin", "platform", "*"),)
