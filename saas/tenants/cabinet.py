"""Whether a firm's client cabinet is open: the switch the firm admin sets on the branding page
(saas.modules.branding.service.settings writes it), read by the login for client contacts.

It lives with the firm's settings, below auth and the modules: the login reads it without
depending on the branding module.
"""

from __future__ import annotations

from typing import Any

from saas.tenants.registry import TenantRef


def consent_given(settings: dict[str, Any]) -> bool:
    """The consent to store documents in readable form, as the firm's settings record it.

    Firms accept storing documents in readable form with the terms at sign-up, so a firm that
    never touched the switch has the cabinet on; switching it back on after turning it off
    asks for the consent again, explicitly."""
    return bool(settings.get("decrypted_storage_consent", True))


def cabinet_enabled(tenant: TenantRef | None) -> bool:
    """Whether the firm's client contacts may log in to its cabinet (staff always may).

    The login calls this for people whose only memberships at the firm are client contacts.
    """
    if tenant is None:
        return True
    settings = tenant.settings or {}
    return bool(settings.get("cabinet_enabled", True)) and consent_given(settings)
