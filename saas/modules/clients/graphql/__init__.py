"""GraphQL of client organizations and their contact persons: thin, the rules are in the
service package. `types` (organizations, contacts, people cards, enums, results), `inputs`,
`queries`, `mutations`."""

from saas.modules.clients.graphql.mutations import Mutation
from saas.modules.clients.graphql.queries import Query
from saas.modules.clients.graphql.types import (
    ClientContactType,
    ClientOrganizationType,
    PersonCardType,
)

TYPES = (ClientOrganizationType, ClientContactType)

__all__ = [
    "TYPES",
    "ClientContactType",
    "ClientOrganizationType",
    "Mutation",
    "PersonCardType",
    "Query",
]
