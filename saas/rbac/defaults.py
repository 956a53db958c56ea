"""The default roles every firm gets, as (role, object, action) lines. `*` matches anything.

The objects are the modules and platform areas; actions are read / write / manage.
Firm admins extend these with custom roles through GraphQL.
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
    ("department_head", "members", "read"),
    ("department_head", "client_contacts", "manage"),
    ("manager", "clients", "read"),
    ("manager", "clients", "write"),
    ("manager", "reports", "*"),
    ("manager", "documents", "*"),
    ("manager", "members", "read"),
    ("manager", "client_contacts", "manage"),
    ("moderator", "clients", "read"),
    ("moderator", "reports", "read"),
    ("moderator", "reports", "write"),
    ("moderator", "documents", "read"),
    ("moderator", "documents", "write"),
    ("staff", "clients", "read"),
    ("staff", "reports", "read"),
    ("staff", "documents", "read"),
    ("auditor", "clients", "read"),
    ("auditor", "reports", "read"),
    ("auditor", "documents", "read"),
    ("auditor", "audit", "read"),
    ("auditor", "members", "read"),
    ("client_admin", "client_contacts", "manage"),
    ("client_admin", "client_cabinet", "read"),
    ("client_admin", "clients", "read"),
    ("client_member", "client_cabinet", "read"),
    ("client_member", "clients", "read"),
    ("integrator", "clients", "read"),
    ("integrator", "reports", "*"),
    ("integrator", "documents", "read"),
)
