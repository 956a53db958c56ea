"""GraphQL of reports: the status feed, a report's timeline, counts, writes for staff and
integrators, and the live `reportStatusChanged` subscription. Rules and SQL live in
saas.modules.reports.service; resolvers translate arguments and results.

Queries (queries.py): `reports` (Relay connection: filters, ordering; its nodes: feed.py),
`report(id)`, `reportStatusCounts`, `reportForms`, `reportImport(id)`. Mutations
(mutations.py): `createReport`, `recordReportEvent` (typed results, optional documents),
`reportDocumentLink` (a short-lived download link; clients only of complete flows),
`importReportEvents`. Subscription (subscriptions.py): `reportStatusChanged(organizationId)`,
fed by saas.events after commit. Types: types.py (nodes), results.py, inputs.py, enums.py.
"""

from saas.modules.reports.graphql.mutations import Mutation
from saas.modules.reports.graphql.queries import Query
from saas.modules.reports.graphql.subscriptions import Subscription
from saas.modules.reports.graphql.types import ReportDocumentType, ReportType

TYPES = (ReportType, ReportDocumentType)

__all__ = ["TYPES", "Mutation", "Query", "Subscription"]
