"""The schema, assembled from each module's Query / Mutation / Subscription.

Removing a module is deleting its folder and its line in MODULES.
"""

from __future__ import annotations

import importlib
from types import ModuleType

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from saas.schema.extensions import KabinetSchema, schema_extensions
from saas.settings import Settings

MODULES = (
    "saas.schema.ping",
    "saas.tenants.graphql",
    "saas.rbac.graphql",
    "saas.auth.graphql",
    "saas.modules.branding.graphql",
    "saas.modules.clients.graphql",
    "saas.modules.reports.graphql",
    "saas.modules.documents.graphql",
    "saas.modules.chat.graphql",
    "saas.modules.requests.graphql",
    "saas.modules.calendar.graphql",
    "saas.modules.performers.graphql",
    "saas.modules.notifications.graphql",
    "saas.modules.audit.graphql",
    "saas.tenants.calendar_graphql",
)


def _modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in MODULES]


def _merged(name: str) -> type | None:
    parts = tuple(getattr(m, name) for m in _modules() if hasattr(m, name))
    return merge_types(name, parts) if parts else None


def extra_types() -> list[type]:
    types: list[type] = []
    for module in _modules():
        types.extend(getattr(module, "TYPES", ()))
    return types


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or Settings()
    query = _merged("Query")
    assert query is not None
    return KabinetSchema(
        query=query,
        mutation=_merged("Mutation"),
        subscription=_merged("Subscription"),
        types=extra_types(),
        extensions=schema_extensions(settings),
        config=StrawberryConfig(
            batching_config={"max_operations": settings.limits.max_batch},
            # Suggestions ("Did you mean ...?") would reveal the schema when introspection is off.
            disable_field_suggestions=not settings.introspection,
        ),
    )
