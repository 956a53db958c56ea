"""The registry of built modules and the grants they offer client contacts.

A module whose part of the cabinet a firm grants to client contacts declares that grant in its
`policy.py`, which runs when the module is loaded:

    REPORTS_GRANT = register_grant("reports", ru="Отчётность", en="Reports", default=True)

Only registered grants are offered: a firm enables them for an organization (those with
`default=True` on every new organization), the cabinet pre-ticks the default ones for a new
contact, `availableModules` lists them and the grant-setting mutations accept them. The API's
`ClientModule` enum may name more (values kept for integrators whose modules are not built
yet): giving one of those is refused (MODULE_NOT_AVAILABLE) until its module registers.

Every `saas.modules.<name>.policy` is imported the first time the registry is read, so the
API, jobs, the demo and the CLI all see the same grants whatever they imported before.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import threading
from dataclasses import dataclass

MODULES_PACKAGE = "saas.modules"


@dataclass(frozen=True)
class Grant:
    name: str  # stored in client_grants.module and enabled_modules; the enum value in lower case
    ru: str
    en: str
    default: bool  # enabled for new organizations, pre-ticked for new contacts
    module: str  # the module that declared it

    def label(self, language: str) -> str:
        return self.en if language == "en" else self.ru


_registered: dict[str, Grant] = {}
_discovered = False
_lock = threading.Lock()


def register_grant(name: str, *, ru: str, en: str, default: bool, module: str) -> Grant:
    """Declare a grant (once per name: a second, different declaration is a programming
    error). Returns it, for the module's own references."""
    grant = Grant(name, ru, en, default, module)
    with _lock:
        known = _registered.get(name)
        if known is not None and known != grant:
            raise ValueError(f"grant {name!r} is already declared by {known.module}")
        _registered[name] = grant
    return grant


def unregister_grant(name: str) -> None:
    """Forget a grant (tests that play a module being built)."""
    with _lock:
        _registered.pop(name, None)


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    package = importlib.import_module(MODULES_PACKAGE)
    for info in pkgutil.iter_modules(package.__path__, f"{MODULES_PACKAGE}."):
        if info.ispkg and importlib.util.find_spec(f"{info.name}.policy") is not None:
            importlib.import_module(f"{info.name}.policy")
    _discovered = True


def load_modules() -> None:
    """Import every module's `policy.py` (once per process), where modules register their
    grants and the hooks other modules run (e.g. reports' `ON_REPORT_EVENT`): a registry
    read after this sees every built module's entries, whatever the process imported."""
    _discover()


def registered_grants() -> tuple[Grant, ...]:
    """Every grant of a built module, in the order they were declared."""
    _discover()
    with _lock:
        return tuple(_registered.values())


def offered_grant(name: str) -> Grant | None:
    """The grant called `name` if its module is built, else None."""
    _discover()
    return _registered.get(name)
