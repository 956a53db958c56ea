"""The report page (`report(id)`) compiled to one SQL statement that builds its JSON.

What the resolver (`graphql.queries.Query.report`) and the executor answer for a report the
viewer may see, built by PostgreSQL: the id read by the core (`pk_of`), the report by the
feed's scope (`service.scope.scope_reports`: staff's organizations, a client user's granted
ones; `access_report` applies the same), its organization by the feed's scoped join, and
whatever `compiled_fields.ReportJson` builds below it (columns, `organization`, `documents`,
`timeline` with each event's documents, `form`). The selection is on the union
`ReportLookup`: fragments on `Report` and on the union are read, those on its errors left
out (the value is a report). A report the viewer does not see, an id refused, a field the
compiler does not know (`responsibleManager`, `followUps`, people), a directive it does not
read: `Unsupported`, and the executor answers (its NotFoundError included), as for the feed.
tests/modules/test_reports_compiled.py compares both paths.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from saas.core.actor import actor_of
from saas.core.ids import IdRefused, pk_of
from saas.modules.reports.graphql.compiled_fields import ReportJson, may_read_reports
from saas.modules.reports.models import Report as ReportRow
from saas.modules.reports.service.feed import join_organizations
from saas.modules.reports.service.flow import today_of
from saas.modules.reports.service.scope import scope_reports
from saas.schema.compiled import (
    RootField,
    TextCache,
    Unsupported,
    compiled_root,
    lookup_of,
    statement_text,
)

# The statement's text by the selection (the document's node, its boolean variables), the
# viewer (its scope is inside the statement) and the firm's day (`overdue`); the report's
# number is bound per request. Tenant-free, as the feed's (`compiled._TEXTS`).
_TEXTS = TextCache(512)


@compiled_root("report")
async def compiled_report(ctx: Any, root: RootField) -> str:
    """The report as JSON text (see the module's doc)."""
    if not await may_read_reports(ctx, root):
        raise Unsupported("refused: the executor says why")
    try:
        pk = await pk_of(ctx, "Report", root.arguments["id"], field="id")
    except IdRefused as exc:
        raise Unsupported("an id refused: the executor's NotFoundError") from exc
    actor = actor_of(ctx)
    today = today_of(ctx.tenant)
    key = (id(root.node), actor, today, root.flags())
    text = _TEXTS.get(key, root.node)
    if text is None:
        statement = _report_statement(root, actor, today, pk)
        text = statement_text(statement, ctx.services.engine.dialect, root.node)
        _TEXTS.put(key, text)
    found = await ctx.scalar_text(text.text, text.params(kabinet_report=pk))
    if found is None:
        raise Unsupported("not visible: the executor's NotFoundError")
    return str(found)


def _report_statement(root: RootField, actor: Any, today: Any, pk: int) -> Any:
    """The report `pk` as the viewer sees it, its JSON as text; no row when it sees none."""
    compiler = ReportJson(root, actor.staff, today)
    built = compiler.report(root.node, lookup_of(root.schema, "ReportLookup", "Report"))
    statement = (
        sa.select(sa.cast(built, sa.Text))
        .select_from(ReportRow)
        .where(ReportRow.id == sa.bindparam("kabinet_report", pk, type_=sa.BigInteger))
    )
    statement = scope_reports(statement, actor)
    if compiler.joins_organization:
        statement = join_organizations(statement, actor)
    return statement
