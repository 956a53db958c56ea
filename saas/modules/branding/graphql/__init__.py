"""GraphQL for the firm's brand and the cabinet switch: thin, the rules are in
saas.modules.branding.service.

- `branding` (public, by host): what the login page and the cabinet shell paint.
- `brandingSettings` / `updateBranding` / `uploadLogo` / `removeLogo`: the firm admin's page.
- `updateCabinetAccess`: the cabinet switch with the consent to store decrypted documents.

Queries: queries.py; mutations: mutations.py; types, inputs and results: types.py.
"""

from saas.modules.branding.graphql.mutations import Mutation
from saas.modules.branding.graphql.queries import Query

__all__ = ["Mutation", "Query"]
