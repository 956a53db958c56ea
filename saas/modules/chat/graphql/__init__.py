"""GraphQL of the chat: one conversation per client organization with the firm, append-only
messages with files, read state, search, the firm's inbox, live delivery. Rules and SQL live
in saas.modules.chat.service; resolvers translate arguments and results.

Queries (queries.py): `chatConversations` (the inbox, a Relay connection), `chatConversation
(organizationId)`, `chatMessages(conversationId)` (newest first, one statement a page),
`chatUnreadCount`, `chatSearch(text)`. Mutations (mutations.py): `postChatMessage`,
`withdrawChatMessage`, `markChatRead`, `assignChatConversation`. Subscriptions
(subscriptions.py): `chatMessageAdded`, `chatReadChanged`, fed by saas.events after commit.
Types: types.py (nodes), results.py, inputs.py, enums.py.
"""

from saas.modules.chat.graphql.mutations import Mutation
from saas.modules.chat.graphql.queries import Query
from saas.modules.chat.graphql.subscriptions import Subscription
from saas.modules.chat.graphql.types import ChatConversationType, ChatMessageType

TYPES = (ChatConversationType, ChatMessageType)

__all__ = ["TYPES", "Mutation", "Query", "Subscription"]
