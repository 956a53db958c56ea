"""Identity over GraphQL, thin: the rules live in saas.auth.service. By sub-domain: `login`
(login, logout), `cabinets` (the viewer and its cabinets), `reset` (password reset), `totp`
(the second factor, the firm's rule requiring it), `invitations`, `api_tokens`, `sessions`
(the viewer's sessions, the firm's security settings), `profile` (the viewer's own name);
`request`, `errors` and `audit` serve them all."""

from strawberry.tools import merge_types

from saas.auth.graphql import (
    api_tokens,
    cabinets,
    invitations,
    login,
    profile,
    reset,
    sessions,
    totp,
)

# In this order: Query's and Mutation's fields keep their order in schema.graphql.
PARTS = (login, cabinets, reset, totp, invitations, api_tokens, sessions, profile)

Query = merge_types("Query", tuple(part.Query for part in PARTS if hasattr(part, "Query")))
Mutation = merge_types("Mutation", tuple(part.Mutation for part in PARTS))

TYPES = (cabinets.Viewer, api_tokens.ApiToken, invitations.Invitation, sessions.ActiveSession)
