"""Parsed documents and their validation verdict, cached by query text (per schema).

Clients send the same few documents over and over (the cabinet's feed, an integrator's
polling query), and parsing plus graphql-core's standard validation rules cost more than
executing a small page. What is cached, and why it is safe:

- the parsed `DocumentNode` of a query text (under the same parse options, i.e. the same
  token limit): parsing depends on nothing else. Texts that fail to parse are not cached.
- the fact that the document passed the standard validation rules (and our extra rules,
  e.g. no introspection) of this schema. Validation depends on the document, the schema and
  the rules only, never on the caller, the firm or the variables, so a verdict reached once
  holds for every caller. Only "valid" is cached; an invalid document is validated (and
  refused) again each time, with fresh error objects.

What is NOT cached, and still runs on every request: the depth/alias/cost limits
(`RequestLimits`: the cost depends on `first`/`last` given as variables), variable coercion,
the operation type check, and everything at execution time (tenant binding, permission
extensions on fields, grants, row scopes, masking of errors).

The cache is bounded (entries and query length), so unique texts cannot grow memory; an
attacker sending fresh texts only pays the normal price for each.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode
from strawberry.extensions import SchemaExtension

MAX_ENTRIES = 256
MAX_QUERY_CHARS = 20_000


@dataclass
class _Entry:
    document: DocumentNode
    # The validation rules the document passed, or None while it has not been validated.
    valid_under: tuple[Any, ...] | None = None


class DocumentCache:
    """An LRU of query text (and parse options) -> parsed document and validation verdict."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_query_chars: int = MAX_QUERY_CHARS):
        self.max_entries = max_entries
        self.max_query_chars = max_query_chars
        self._entries: OrderedDict[tuple[str, tuple[Any, ...]], _Entry] = OrderedDict()

    @staticmethod
    def key(query: str, parse_options: Mapping[str, Any]) -> tuple[str, tuple[Any, ...]]:
        return query, tuple(sorted(parse_options.items()))

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple[str, tuple[Any, ...]]) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is not None:
            try:
                self._entries.move_to_end(key)
            except KeyError:  # evicted meanwhile
                pass
        return entry

    def put(self, key: tuple[str, tuple[Any, ...]], document: DocumentNode) -> None:
        if len(key[0]) > self.max_query_chars:
            return
        self._entries[key] = _Entry(document)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


class CachedDocuments(SchemaExtension):
    """Reuses the parsed document and the "valid" verdict of a query text seen before.

    Must come after `MaxTokensLimiter` (which sets the parse options it keys on) and after
    `RequestLimits` (whose refusals, computed per request with the request's variables, take
    precedence: a refused document skips validation as before).
    """

    def __init__(self, cache: DocumentCache):
        self.cache = cache
        self._key: tuple[str, tuple[Any, ...]] | None = None
        self._entry: _Entry | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and isinstance(context.query, str):
            self._key = self.cache.key(context.query, context.parse_options)
            self._entry = self.cache.get(self._key)
            if self._entry is not None:
                context.graphql_document = self._entry.document  # strawberry skips parsing
        yield
        if (
            self._entry is None
            and self._key is not None
            and context.graphql_document is not None
            and not context.pre_execution_errors
        ):
            self.cache.put(self._key, context.graphql_document)
            self._entry = self.cache.get(self._key)

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        entry = self._entry
        rules = tuple(context.validation_rules)
        usable = (
            entry is not None
            and entry.document is context.graphql_document
            and context.pre_execution_errors is None  # no limit refusal for this request
        )
        if usable and entry is not None and entry.valid_under == rules:
            # Passed these rules before: strawberry skips validation when errors are set.
            context.pre_execution_errors = []
        yield
        if usable and entry is not None and context.pre_execution_errors == []:
            entry.valid_under = rules
