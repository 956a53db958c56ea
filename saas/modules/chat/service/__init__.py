"""Domain rules of the chat, by sub-domain. No GraphQL here.

- errors: `ChatError` and the module's refusals;
- conversations: one per organization (`ensure_conversation`, opened with the organization
  through `saas.core.lifecycle`), the scope (`conversations_scope`, `access_conversation`),
  the inbox and assigning a conversation;
- messages: posting (text, files through the documents service, system entries of integrators
  and report statuses), withdrawing, the page of a conversation (one statement);
- reads: read state and unread counts;
- search: full-text search (`russian` configuration) and file names;
- live: the outbox topics and what a subscriber may receive;
- notify: the `chat_message` notifications.

Functions take (session, actor, ...) and flush, never commit: the caller owns the unit of
work. Inside the module, code names the sub-module.
"""
