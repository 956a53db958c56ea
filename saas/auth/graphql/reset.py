"""Password reset: `requestPasswordReset` (the e-mail) and `resetPassword`."""

from __future__ import annotations

from typing import Annotated

import strawberry

from saas import mail
from saas.auth.service import reset as service
from saas.auth.service.errors import Refused
from saas.schema.context import Info
from saas.schema.errors import ValidationError, error_result


@strawberry.type(description="The password was changed; every session of the person was ended.")
class PasswordChanged:
    ok: bool = True


ResetPasswordResult = Annotated[
    PasswordChanged | ValidationError, strawberry.union("ResetPasswordResult")
]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="E-mail a password reset link if the address has an account (at a firm's "
        "address: a member of that firm). Always true, so it reveals no account."
    )
    async def request_password_reset(self, info: Info, email: str) -> bool:
        services = info.context.services
        tenant = info.context.tenant_or_none
        link = await service.request_password_reset(services, tenant, email)
        if link is not None:
            minutes = int(service.RESET_TTL.total_seconds() // 60)
            await mail.send(
                services.settings,
                mail.branded(
                    "password_reset",
                    to=link.person.email,
                    tenant=tenant,
                    lang=link.person.locale,
                    values={
                        "link": link.url,
                        "email": link.person.email,
                        "valid_minutes": str(minutes),
                    },
                ),
            )
        return True

    @strawberry.mutation(
        description="Set a new password with the e-mailed link's token (works once)."
    )
    async def reset_password(
        self, info: Info, token: str, new_password: str
    ) -> ResetPasswordResult:
        refused = await service.reset_password(
            info.context.services, info.context.tenant_or_none, token, new_password
        )
        if refused is None:
            return PasswordChanged()
        field = "newPassword" if refused.field == "password" else refused.field
        return error_result(info, Refused(refused.code, field=field))  # type: ignore[no-any-return]
