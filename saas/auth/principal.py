"""Who is asking: nobody, a person (by session cookie), or an integrator (by API token)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

PrincipalKind = Literal["anonymous", "person", "token"]


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind = "anonymous"
    person_id: int | None = None
    token_id: int | None = None
    session_id: int | None = None
    # Tenant the credential is bound to (None: the platform host's session).
    tenant_id: int | None = None
    # Casbin roles in the current tenant, and the client organizations (for client users).
    roles: tuple[str, ...] = ()
    client_org_ids: tuple[int, ...] = ()
    is_platform_admin: bool = False
    csrf_token: str | None = None
    # A session still owing the second factor its firm requires: no roles until TOTP is set up.
    mfa_pending: bool = False
    extra: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def authenticated(self) -> bool:
        return self.kind != "anonymous"

    @property
    def subject(self) -> str:
        """The Casbin subject of this principal."""
        if self.kind == "token":
            return f"token:{self.token_id}"
        if self.kind == "person":
            return f"person:{self.person_id}"
        return "anonymous"


ANONYMOUS = Principal()
