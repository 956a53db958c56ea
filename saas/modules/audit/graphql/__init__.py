"""GraphQL of the audit log: thin, the filter's rules and SQL are in saas.modules.audit.service.

Queries (queries.py): `auditLog` (a connection, or a typed error for a refused filter),
`auditLogExport(id)`, `auditActionGroups`. Mutations (mutations.py): `exportAuditLog`.
Types: types.py.
"""

from saas.modules.audit.graphql.mutations import Mutation
from saas.modules.audit.graphql.queries import Query

__all__ = ["Mutation", "Query"]
