"""Provisioning a tenant: row, role, schema, migrations, default roles. Idempotent: a failed
or repeated run finishes what is missing and changes nothing else."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

import sqlalchemy as sa

from saas.db.migrate import upgrade_tenant_schema
from saas.db.tenant_script import create_tenant_schema, run_text
from saas.tenants.registry import SLUG_RE, TENANTS_CHANGED

log = logging.getLogger(__name__)

# Called inside the provisioning transaction (as the connecting user) after migrations, e.g.
# to seed the default roles' policies. Modules register here instead of being imported.
ProvisionHook = Callable[[sa.Connection, int, str], None]
PROVISION_HOOKS: list[ProvisionHook] = []


class InvalidSlug(ValueError):
    pass


def schema_for(slug: str) -> str:
    return "tenant_" + slug.replace("-", "_")


def role_for(schema: str, database: str) -> str:
    """Roles are cluster-wide, schemas per database: the role name carries the database."""
    suffix = hashlib.sha1(database.encode()).hexdigest()[:6]
    return f"{schema}_{suffix}"[:63]


def provision_tenant(
    engine: sa.Engine,
    slug: str,
    name: str,
    domains: list[str] | None = None,
    *,
    from_script: bool = True,
) -> int:
    """Create or complete the tenant `slug`; returns its id. A new schema is made from the
    recorded tenant script (`saas.db.tenant_script`); a half-made one (or `from_script=False`)
    is migrated by alembic. About ten round trips in one transaction: the row, one message
    for the role, the schema and its objects, the hooks (default roles), the status."""
    if not SLUG_RE.match(slug):
        raise InvalidSlug(
            "slug must be 3-40 characters: lowercase latin letters, digits and hyphens, "
            "starting with a letter"
        )
    schema = schema_for(slug)
    with engine.begin() as conn:
        database, superuser, made = conn.execute(
            sa.text(
                "SELECT current_database(), "
                "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user), "
                "EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :schema)"
            ),
            {"schema": schema},
        ).one()
        role = role_for(schema, str(database))
        tenant_id: int = conn.execute(
            sa.text(
                "INSERT INTO shared.tenants (slug, name, schema_name, db_role, domains) "
                "VALUES (:slug, :name, :schema, :role, :domains) "
                "ON CONFLICT (slug) DO UPDATE SET slug = excluded.slug RETURNING id"
            ),
            {"slug": slug, "name": name, "schema": schema, "role": role, "domains": domains or []},
        ).scalar_one()
        # The role, the schema and (for a new firm) its every object: one message, one round
        # trip (names from a checked slug: [a-z0-9_]).
        setup = [
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + role + "') "
            'THEN CREATE ROLE "' + role + '" NOLOGIN; END IF; END $$',
            *([] if superuser else [f'GRANT "{role}" TO CURRENT_USER']),
            f'CREATE SCHEMA IF NOT EXISTS "{schema}" AUTHORIZATION "{role}"',
            f'REVOKE ALL ON SCHEMA "{schema}" FROM PUBLIC',
        ]
        if from_script and not made:
            create_tenant_schema(conn, schema, role, setup)
        else:  # a half-made schema (or asked for): alembic finishes what is missing
            run_text(conn, ";\n".join(setup))
            upgrade_tenant_schema(conn, schema, role)
            conn.exec_driver_sql("RESET ROLE")
            conn.exec_driver_sql("SELECT set_config('search_path', 'shared', true)")
        for hook in PROVISION_HOOKS:
            hook(conn, tenant_id, slug)
        conn.execute(
            sa.text(
                "WITH active AS (UPDATE shared.tenants SET status = 'active' "
                "WHERE id = :id AND status = 'provisioning') SELECT pg_notify(:ch, :tenant)"
            ),
            {"id": tenant_id, "ch": TENANTS_CHANGED, "tenant": str(tenant_id)},
        )
    log.info("tenant provisioned", extra={"tenant": slug})
    return int(tenant_id)


def set_tenant_status(engine: sa.Engine, slug: str, status: str) -> bool:
    with engine.begin() as conn:
        updated = conn.execute(
            sa.text(
                "UPDATE shared.tenants SET status = :status, updated_at = now() WHERE slug = :slug"
            ),
            {"slug": slug, "status": status},
        ).rowcount
        conn.execute(sa.text("SELECT pg_notify(:ch, :slug)"), {"ch": TENANTS_CHANGED, "slug": slug})
    return bool(updated)


# Default roles' policies are part of every tenant; the module registers its hook on import.
import saas.rbac.seed  # noqa: E402,F401
