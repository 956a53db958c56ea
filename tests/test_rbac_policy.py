"""The default roles' policy, as a specification: one (role, object, action, allowed) per line.

Built in memory from saas.rbac.defaults.DEFAULT_POLICY with the real model file
(saas/rbac/model.conf), the way a firm's enforcer is built after provisioning.
"""

from __future__ import annotations

import pytest

from saas.rbac.catalog import CATALOG_INDEX, CATALOG_OBJECTS, PERMISSION_CATALOG, grantable_in_firm
from saas.rbac.defaults import BUILTIN_ROLES, DEFAULT_POLICY, PLATFORM_POLICY, ROLE_DESCRIPTIONS
from saas.rbac.domains import org_domain, tenant_domain, tenant_of_domain
from saas.rbac.permissions import RequiresPermission
from saas.rbac.policy import PolicyRule, TenantPolicy, new_enforcer

FIRM = 7
DOMAIN = tenant_domain(FIRM)


def firm_rules(tenant_id: int = FIRM) -> list[PolicyRule]:
    return [
        PolicyRule("p", (role, tenant_domain(tenant_id), obj, act))
        for role, obj, act in DEFAULT_POLICY
    ]


@pytest.fixture(scope="module")
def policy() -> TenantPolicy:
    return TenantPolicy(FIRM, firm_rules())


# role, object, action, allowed
SPECIFICATION = [
    ("firm_admin", "roles", "manage", True),
    ("firm_admin", "members", "manage", True),
    ("firm_admin", "tokens", "manage", True),
    ("firm_admin", "firm", "manage", True),
    ("firm_admin", "reports", "manage", True),
    ("firm_admin", "audit", "read", True),
    # Who sees the whole firm (issue 11): the rest see their assigned organizations.
    ("firm_admin", "clients", "read_all", True),
    ("department_head", "clients", "read_all", True),  # clients:*, until departments exist
    ("auditor", "clients", "read_all", True),
    ("integrator", "clients", "read_all", True),
    ("manager", "clients", "read_all", False),
    ("moderator", "clients", "read_all", False),
    ("staff", "clients", "read_all", False),
    ("client_admin", "clients", "read_all", False),
    ("client_member", "clients", "read_all", False),
    ("performer", "clients", "read_all", False),
    ("department_head", "clients", "write", True),
    ("department_head", "clients", "manage", True),
    ("department_head", "reports", "manage", True),
    ("department_head", "documents", "manage", True),
    ("department_head", "client_contacts", "manage", True),
    ("department_head", "members", "read", True),
    ("department_head", "members", "manage", False),
    ("department_head", "roles", "manage", False),
    ("department_head", "tokens", "manage", False),
    ("manager", "clients", "read", True),
    ("manager", "clients", "write", True),
    ("manager", "clients", "manage", False),
    ("manager", "reports", "write", True),
    ("manager", "documents", "write", True),
    ("manager", "client_contacts", "manage", True),
    ("manager", "members", "read", True),
    ("manager", "members", "manage", False),
    ("manager", "roles", "read", False),
    ("manager", "audit", "read", False),
    ("moderator", "reports", "write", True),
    ("moderator", "documents", "write", True),
    ("moderator", "reports", "manage", False),
    ("moderator", "clients", "write", False),
    ("moderator", "members", "read", False),
    ("staff", "clients", "read", True),
    ("staff", "reports", "read", True),
    ("staff", "documents", "read", True),
    ("staff", "reports", "write", False),
    ("staff", "documents", "write", False),
    ("staff", "members", "read", False),
    ("auditor", "audit", "read", True),
    ("auditor", "members", "read", True),
    ("auditor", "roles", "read", True),
    ("auditor", "reports", "read", True),
    ("auditor", "reports", "write", False),
    ("auditor", "documents", "write", False),
    ("auditor", "roles", "manage", False),
    ("client_admin", "client_cabinet", "read", True),
    ("client_admin", "client_contacts", "manage", True),
    ("client_admin", "clients", "read", True),
    ("client_admin", "clients", "write", False),
    ("client_admin", "reports", "write", False),
    ("client_admin", "reports", "manage", False),
    ("client_admin", "documents", "manage", False),
    ("client_admin", "members", "read", False),
    ("client_admin", "audit", "read", False),
    ("client_member", "client_cabinet", "read", True),
    ("client_member", "clients", "read", True),
    ("client_member", "client_contacts", "manage", False),
    ("client_member", "reports", "write", False),
    ("client_member", "documents", "manage", False),
    ("client_member", "members", "read", False),
    ("integrator", "clients", "read", True),
    ("integrator", "reports", "write", True),
    ("integrator", "documents", "read", True),
    ("integrator", "documents", "write", False),
    ("integrator", "members", "read", False),
    ("integrator", "tokens", "manage", False),
    ("performer", "clients", "read", False),
    ("performer", "reports", "read", False),
    ("platform_admin", "platform", "manage", False),  # not a firm role
    ("nobody", "reports", "read", False),
]


@pytest.mark.parametrize(("role", "obj", "act", "allowed"), SPECIFICATION)
def test_default_roles(policy: TenantPolicy, role: str, obj: str, act: str, allowed: bool) -> None:
    assert policy.allows((role,), obj, act) is allowed


@pytest.mark.parametrize(("role", "obj", "act", "allowed"), SPECIFICATION)
def test_raw_enforcer_agrees(
    policy: TenantPolicy, role: str, obj: str, act: str, allowed: bool
) -> None:
    """The specification holds for the bare Casbin enforce() too (no memo, no role closure)."""
    assert policy.enforcer.enforce(role, DOMAIN, obj, act) is allowed


def test_client_roles_never_reach_staff_objects(policy: TenantPolicy) -> None:
    staff_only = [
        (p.object, p.action)
        for p in PERMISSION_CATALOG
        if p.object not in ("clients", "client_contacts", "client_cabinet") or p.action != "read"
    ]
    for role in ("client_admin", "client_member"):
        allowed = {(o, a) for o, a in staff_only if policy.allows((role,), o, a)}
        assert allowed <= {("client_contacts", "manage")}, (role, allowed)


def test_another_firms_domain_grants_nothing(policy: TenantPolicy) -> None:
    other = tenant_domain(FIRM + 1)
    assert policy.allows(("firm_admin",), "reports", "read")
    assert not policy.allows(("firm_admin",), "reports", "read", domain=other)
    assert not policy.enforcer.enforce("firm_admin", other, "reports", "read")


def test_several_roles_add_up(policy: TenantPolicy) -> None:
    assert not policy.allows(("staff",), "audit", "read")
    assert policy.allows(("staff", "auditor"), "audit", "read")
    assert policy.allows(("auditor", "staff"), "audit", "read")
    assert not policy.allows((), "clients", "read")


def test_custom_role_inherits_through_g_lines() -> None:
    rules = [
        *firm_rules(),
        PolicyRule("p", ("reviewer", DOMAIN, "chat", "read")),
        PolicyRule("g", ("reviewer", "auditor", DOMAIN)),
        PolicyRule("p", ("senior_reviewer", DOMAIN, "chat", "write")),
        PolicyRule("g", ("senior_reviewer", "reviewer", DOMAIN)),
        # An inheritance line of another domain must not leak into this one.
        PolicyRule("g", ("reviewer", "firm_admin", tenant_domain(FIRM + 1))),
    ]
    policy = TenantPolicy(FIRM, rules)
    # role, object, action, allowed
    for role, obj, act, allowed in [
        ("reviewer", "chat", "read", True),
        ("reviewer", "audit", "read", True),  # from auditor
        ("reviewer", "chat", "write", False),
        ("reviewer", "roles", "manage", False),  # the other domain's line is ignored
        ("senior_reviewer", "chat", "write", True),
        ("senior_reviewer", "chat", "read", True),  # from reviewer
        ("senior_reviewer", "audit", "read", True),  # from auditor, two levels up
        ("senior_reviewer", "members", "manage", False),
    ]:
        assert policy.allows((role,), obj, act) is allowed, (role, obj, act)
    assert policy.role_closure("senior_reviewer") == ("senior_reviewer", "reviewer", "auditor")


def test_inheritance_cycle_in_storage_does_not_hang() -> None:
    rules = [
        PolicyRule("p", ("a_role", DOMAIN, "chat", "read")),
        PolicyRule("g", ("a_role", "b_role", DOMAIN)),
        PolicyRule("g", ("b_role", "a_role", DOMAIN)),
    ]
    policy = TenantPolicy(FIRM, rules)
    assert policy.allows(("b_role",), "chat", "read")
    assert not policy.allows(("b_role",), "chat", "write")


def test_org_domains_are_distinct_from_the_firm() -> None:
    org = org_domain(FIRM, 12)
    assert org == "tenant:7/org:12"
    assert tenant_of_domain(org) == FIRM
    assert tenant_of_domain(DOMAIN) == FIRM
    assert tenant_of_domain("platform") is None
    policy = TenantPolicy(
        FIRM, [*firm_rules(), PolicyRule("p", ("client_member", org, "documents", "read"))]
    )
    assert policy.allows(("client_member",), "documents", "read", domain=org)
    assert not policy.allows(("client_member",), "documents", "read")
    assert not policy.allows(("client_member",), "documents", "read", domain=org_domain(FIRM, 13))


def test_platform_policy_is_only_for_platform_admins() -> None:
    from saas.rbac.enforcer import PLATFORM

    assert PLATFORM_POLICY
    assert PLATFORM.allows(("platform_admin",), "platform", "manage")
    assert not PLATFORM.allows(("firm_admin",), "platform", "manage")
    assert not PLATFORM.allows(("platform_admin",), "reports", "read")


def test_memo_is_bounded_and_consistent(monkeypatch: pytest.MonkeyPatch) -> None:
    from saas.rbac import policy as policy_module

    monkeypatch.setattr(policy_module, "MEMO_LIMIT", 50)
    fresh = TenantPolicy(FIRM, firm_rules())
    assert fresh.allows(("manager",), "reports", "read")
    for i in range(120):
        assert not fresh.allows((f"role_{i}",), "reports", "read")
        assert len(fresh._decisions) <= 50
    assert fresh.allows(("manager",), "reports", "read")
    assert not fresh.allows(("manager",), "roles", "manage")
    # Unknown names never reach pycasbin's role manager (it would keep them and scan them all
    # on every later lookup).
    assert fresh._closures == {}


def test_enforcer_is_indexed_by_domain_then_role() -> None:
    enforcer = new_enforcer(firm_rules())
    assert enforcer._cache_key_order == [1, 0]


# ------------------------------------------------------------------------------ catalog


def test_default_policy_uses_only_catalog_permissions() -> None:
    for role, obj, act in DEFAULT_POLICY:
        assert role in BUILTIN_ROLES, role
        if obj == "*":
            continue
        assert obj in CATALOG_OBJECTS, (role, obj)
        if act != "*":
            assert (obj, act) in CATALOG_INDEX, (role, obj, act)


def test_every_builtin_role_is_described_in_both_languages() -> None:
    for role in BUILTIN_ROLES:
        ru, en = ROLE_DESCRIPTIONS[role]
        assert ru and en and ru != en, role


def test_catalog_entries_are_unique_and_described() -> None:
    keys = [p.key for p in PERMISSION_CATALOG]
    assert len(keys) == len(set(keys))
    for p in PERMISSION_CATALOG:
        assert p.ru and p.en and p.ru != p.en, p.key
    assert not grantable_in_firm("platform", "manage")
    assert not grantable_in_firm("reports", "*")
    assert grantable_in_firm("reports", "read")


def test_permissions_show_in_the_printed_schema() -> None:
    from saas.schema.root import build_schema

    sdl = build_schema().as_str()
    build_schema()  # building twice must not repeat the note
    sdl_again = build_schema().as_str()
    assert sdl == sdl_again
    create_role = sdl[: sdl.index("  createRole(")]
    assert create_role.rstrip().endswith('Requires permission `roles:manage`.\n  """'.strip())
    assert '@requiresPermission(object: "roles", action: "manage")' in sdl
    assert "Requires permission `members:read`." in sdl
    assert RequiresPermission(object="roles", action="read") == RequiresPermission(
        object="roles", action="read"
    )
