"""GraphQL of reports: the status feed, a report's timeline, counts, writes for staff and
integrators, and the live `reportStatusChanged` subscription. Rules and SQL live in
saas.modules.reports.service; resolvers translate arguments and results.

Queries (queries.py): `reports` (Relay connection: filters, ordering; its nodes: feed.py),
`report(id)`, `reportStatusCounts`, `reportForms`, `reportImport(id)`. Mutations
(mutations.py): `createReport`, `recordReportEvent` (typed results, optional documents),
`reportDocumentLink` (a short-lived download link; clients only of complete flows),
`importReportEvents`, `setReportManager`; follow_ups.py: `closeReportFollowUp`,
`reassignReportFollowUp`. Subscription (subscriptions.py): `reportStatusChanged(organizationId)`,
fed by saas.events after commit. Types: types.py (nodes), results.py, inputs.py, enums.py.
"""

from strawberry.tools import merge_types

# `compiled` and `compiled_report` register the feed's and the report page's compilers
# (saas.schema.compiled) by being imported.
from saas.modules.reports.graphql import compiled, compiled_report, follow_ups, mutations
from saas.modules.reports.graphql.queries import Query
from saas.modules.reports.graphql.subscriptions import Subscription
from saas.modules.reports.graphql.types import ReportDocumentType, ReportType

# In this order: Mutation's fields keep their order in schema.graphql.
Mutation = merge_types("Mutation", (mutations.Mutation, follow_ups.Mutation))

TYPES = (ReportType, ReportDocumentType)

__all__ = ["TYPES", "Mutation", "Query", "Subscription", "compiled", "compiled_report"]
