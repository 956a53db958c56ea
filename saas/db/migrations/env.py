"""Alembic entry point for developers (`alembic -c saas/db/alembic.ini revision ...`).
Upgrades are run by `saas migrate` through saas.db.migrate, which configures the same
script directory programmatically (shared branch once, tenant branch per tenant schema)."""

from alembic import context

context.configure(url=context.config.get_main_option("sqlalchemy.url"), target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
