"""The permission catalog and the schema's guards say the same thing (issue 11, "roles that
mean what they say"): every guard of the schema names a catalog permission, every catalog
permission guards at least one field or is one of the few service checks listed below (each
located in the source by this test), and checks written in the source by hand
(`is_allowed(ctx, "x", "y")`, `actor.may("x", "y")`) name catalog permissions too.

The catalog is read from `saas.rbac.catalog`, the guards from the built schema (the
permission classes of each field's PermissionExtension declare the (object, action) pairs
they check as `guards`), and the hand-written checks from the files themselves.
"""

from __future__ import annotations

import re
from pathlib import Path

from strawberry.permission import PermissionExtension

from saas.rbac.catalog import CATALOG_INDEX, PERMISSION_CATALOG
from saas.schema.root import build_schema

ROOT = Path(__file__).resolve().parents[1]

# Catalog permissions a service decides by instead of a field guard: (file, the check's text).
SERVICE_CHECKS: dict[str, tuple[str, str]] = {
    # A drive is one query for staff and clients; the service asks which of the two applies.
    "documents:read": ("saas/modules/documents/service/folders.py", 'may("documents", "read")'),
    # The organization scope of staff: firm-wide with it, the assigned organizations without.
    "clients:read_all": ("saas/core/actor.py", 'FIRM_WIDE = ("clients", "read_all")'),
}

# Permission classes that ask no role permission (logged in, a person of the firm).
NOT_POLICY = {"LoggedIn", "PersonOfFirm"}

HAND_CHECKS = (
    re.compile(r'is_allowed\(\s*[\w.]+,\s*"(\w+)",\s*"(\w+)"\s*\)'),
    re.compile(r'\.may\(\s*"(\w+)",\s*"(\w+)"\s*\)'),
)


def schema_guards() -> dict[str, list[str]]:
    """`object:action` -> the fields (`Type.field`) whose guard lets it in."""
    found: dict[str, list[str]] = {}
    unknown_classes: list[str] = []
    schema = build_schema()
    for type_name, graphql_type in schema._schema.type_map.items():
        for field_name, field in (getattr(graphql_type, "fields", None) or {}).items():
            definition = (field.extensions or {}).get("strawberry-definition")
            for extension in getattr(definition, "extensions", None) or ():
                if not isinstance(extension, PermissionExtension):
                    continue
                for permission in extension.permissions:
                    guards = getattr(permission, "guards", None)
                    if guards is None:
                        if type(permission).__name__ not in NOT_POLICY:
                            unknown_classes.append(f"{type_name}.{field_name}")
                        continue
                    for obj, act in guards:
                        found.setdefault(f"{obj}:{act}", []).append(f"{type_name}.{field_name}")
    assert not unknown_classes, (
        "these fields' permission classes ask the policy without declaring `guards`: "
        f"{unknown_classes}"
    )
    return found


def test_every_guard_uses_a_catalog_permission() -> None:
    guards = schema_guards()
    # The test reads what it claims to: known guards are there.
    assert "Mutation.archiveClientOrganization" in guards["clients:manage"]
    assert "Query.driveAccessLog" in guards["documents:manage"]
    assert "Query.driveAccessLog" in guards["audit:read"]
    unknown = {
        key: fields for key, fields in guards.items() if tuple(key.split(":")) not in CATALOG_INDEX
    }
    assert not unknown, f"guards naming no catalog permission: {unknown}"


def test_every_catalog_permission_guards_something() -> None:
    guards = schema_guards()
    unused = []
    for permission in PERMISSION_CATALOG:
        if permission.key in guards:
            continue
        check = SERVICE_CHECKS.get(permission.key)
        if check is None:
            unused.append(permission.key)
            continue
        path, text = check
        assert text in (ROOT / path).read_text(encoding="utf-8"), (
            f"{permission.key}: the service check `{text}` is no longer in {path}"
        )
    assert not unused, f"catalog permissions guarding nothing: {unused}"
    # A listed service check is not an excuse for a permission that also has a guard.
    assert not set(SERVICE_CHECKS) & set(guards), set(SERVICE_CHECKS) & set(guards)


def test_the_guards_that_issue_11_changed() -> None:
    guards = schema_guards()
    for field in (
        "Mutation.archiveClientOrganization",
        "Mutation.restoreClientOrganization",
        "Mutation.setClientOrganizationManagers",
    ):
        assert field in guards["clients:manage"] and field not in guards["clients:write"]
    assert "Mutation.setReportManager" in guards["reports:manage"]
    for field in (
        "Query.driveAccessLog",
        "Query.driveAccessExport",
        "Mutation.exportDriveAccessLog",
    ):
        assert field in guards["documents:manage"] and field in guards["audit:read"]
    assert "notifications:manage" not in {p.key for p in PERMISSION_CATALOG}


def test_hand_written_checks_name_catalog_permissions() -> None:
    found: list[tuple[str, str, str]] = []
    for path in sorted((ROOT / "saas").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for pattern in HAND_CHECKS:
            for obj, act in pattern.findall(text):
                found.append((str(path.relative_to(ROOT)), obj, act))
    assert ("saas/modules/documents/service/trash.py", "documents", "manage") in found
    unknown = [f for f in found if (f[1], f[2]) not in CATALOG_INDEX]
    assert not unknown, f"checks naming no catalog permission: {unknown}"
