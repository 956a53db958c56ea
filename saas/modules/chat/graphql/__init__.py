"""GraphQL of the chat: one conversation per client organization with the firm, append-only
messages with files, read state, search, the firm's inbox, live delivery. Rules and SQL live
in saas.modules.chat.service; resolvers translate arguments and results.

Queries (queries.py): `chatConversations` (the inbox, a Relay connection), `chatConversation
(organizationId)`, `chatMessages(conversationId)` (newest first, one statement a page),
`chatUnreadCount`, `chatSearch(text)`. Mutations (mutations.py): `postChatMessage`,
`withdrawChatMessage`, `markChatRead`, `assignChatConversation`. Subscriptions
(subscriptions.py): `chatMessageAdded`, `chatReadChanged`, fed by saas.events after commit.
Types: types.py (nodes), results.py, inputs.py, enums.py.

Marks and notices (notices.py, notice_types.py): `chatMarks`, `chatNotices(organizationId)`,
`chatNotice(id)`; `postChatMark`, `postChatNotice`, `actOnChatNotice`. Their proof
(notice_proof.py): `chatNoticeProof(noticeId)`, `exportChatNoticeProof(noticeId, format)`,
`chatNoticeProofExport(id)`. The firm's setting (notice_settings.py): `chatNoticeSettings`,
`updateChatNoticeSettings`.
"""

from strawberry.tools import merge_types

from saas.modules.chat.graphql import (
    mutations,
    notice_proof,
    notice_settings,
    notices,
    queries,
)
from saas.modules.chat.graphql.notice_types import ChatMarkType, ChatNoticeType
from saas.modules.chat.graphql.subscriptions import Subscription
from saas.modules.chat.graphql.types import ChatConversationType, ChatMessageType

TYPES = (ChatConversationType, ChatMessageType, ChatNoticeType, ChatMarkType)

# In this order: Query's and Mutation's fields keep their order in schema.graphql.
PARTS = (notices, notice_proof, notice_settings)
Query = merge_types("Query", (queries.Query, *(part.Query for part in PARTS)))
Mutation = merge_types("Mutation", (mutations.Mutation, *(part.Mutation for part in PARTS)))

__all__ = ["TYPES", "Mutation", "Query", "Subscription"]
