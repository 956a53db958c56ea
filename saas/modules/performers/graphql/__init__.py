"""GraphQL of the self-employed performers (issue 17, seed 000). Rules and SQL live in
saas.modules.performers.service; resolvers translate arguments and results.

Parts, each with the types, `Query` and `Mutation` of one sub-domain, merged in this order
(fields keep their order in schema.graphql):
- profiles.py: the performer's profile, portfolio, bank details, НПД status; customers'
  settings (responsible person, payer's account);
- orders.py: orders, responses, choosing a performer;
- contracts.py: contracts, acceptance acts and their signatures by one-time codes;
- payments.py: payment registries (1CClientBankExchange), payments, receipts;
- stats.py: income and tax, the firm's statistics, risk signals, agency documents.
A part that does not exist yet is skipped.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from strawberry.tools import merge_types

PART_NAMES = ("profiles", "orders", "contracts", "payments", "stats")


def _parts() -> list[ModuleType]:
    found = []
    for name in PART_NAMES:
        full = f"{__name__}.{name}"
        if importlib.util.find_spec(full) is not None:
            found.append(importlib.import_module(full))
    return found


def _merged(kind: str) -> type | None:
    types = tuple(getattr(p, kind) for p in _parts() if hasattr(p, kind))
    return merge_types(kind, types) if types else None


_query = _merged("Query")
_mutation = _merged("Mutation")
if _query is not None:
    Query = _query
if _mutation is not None:
    Mutation = _mutation
