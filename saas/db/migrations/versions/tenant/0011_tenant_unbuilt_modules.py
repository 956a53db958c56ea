"""tenant schema: no grants of modules that are not built (chat, order_services, approve)

Those modules were enabled for every organization and could be granted to contacts although
they do nothing. Only built modules are offered now (saas.core.modules): their grants go, they
leave every organization's `enabled_modules`, and an organization inserted without the column
gets the built modules (the API always names them: the modules on by default).

Revision ID: t_clients_3
Revises: t_clients_2
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t_clients_3"
down_revision = "t_clients_2"
branch_labels = None
depends_on = None

NOT_BUILT = ["chat", "order_services", "approve"]
BUILT_DEFAULT = "'{reports,documents,upload}'::text[]"
ALL_BEFORE = "'{reports,documents,upload,chat,order_services,approve}'::text[]"


def upgrade() -> None:
    op.execute(
        sa.text("DELETE FROM client_grants WHERE module = ANY(:gone)").bindparams(gone=NOT_BUILT)
    )
    op.execute(
        sa.text(
            "UPDATE client_organizations SET enabled_modules = ARRAY("
            "  SELECT m FROM unnest(enabled_modules) WITH ORDINALITY AS e(m, n)"
            "  WHERE m <> ALL(:gone) ORDER BY n) "
            "WHERE enabled_modules && CAST(:gone AS text[])"
        ).bindparams(gone=NOT_BUILT)
    )
    op.alter_column(
        "client_organizations", "enabled_modules", server_default=sa.text(BUILT_DEFAULT)
    )


def downgrade() -> None:
    # The grants removed are not given back: nobody could use them.
    op.alter_column("client_organizations", "enabled_modules", server_default=sa.text(ALL_BEFORE))
