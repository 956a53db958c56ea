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
SLA (sla.py): `askServiceRequestClient`. Time and amounts (time.py):
`startServiceRequestTimer`, `stopServiceRequestTimer`, `recordServiceRequestTime`,
`setServiceRequestQuantity`. Onboarding (onboarding.py): `onboardingTasks`,
`onboardClientOrganization`, `completeOnboardingTask`.
"""

from strawberry.tools import merge_types

from saas.modules.requests.graphql import mutations, onboarding, queries, sla, time

# In this order: Query's and Mutation's fields keep their order in schema.graphql.
Query = merge_types("Query", (queries.Query, onboarding.Query))
Mutation = merge_types(
    "Mutation", (mutations.Mutation, sla.Mutation, time.Mutation, onboarding.Mutation)
)

__all__ = ["Mutation", "Query"]
