"""GraphQL of the service requests (issue 14). Rules and SQL live in
saas.modules.requests.service; resolvers translate arguments and results.

Queries (queries.py): `requestDepartments`, `serviceCatalogTemplates`, `serviceCatalog
(organizationId)`, `serviceRequests`, `serviceRequest(id)`, `serviceRequestBoard`.
Mutations (mutations.py): `saveDepartment`, `createServiceCatalogTemplate`,
`addCatalogService`, `updateCatalogService`, `removeCatalogService`,
`applyServiceCatalogTemplate`, `launchServiceRequest`, `editServiceRequest`,
`reviewServiceRequest`, `acceptServiceRequest`, `rejectServiceRequest`,
`tickServiceRequestChecklist`, `completeServiceRequest`, `commentServiceRequest`,
`attachServiceRequestFiles`.
"""

from saas.modules.requests.graphql.mutations import Mutation
from saas.modules.requests.graphql.queries import Query

__all__ = ["Mutation", "Query"]
