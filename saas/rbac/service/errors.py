"""The refusals of role operations, worded in Russian and English, and the limits they name."""

from __future__ import annotations

from typing import Any

from saas.schema.errors import DomainError

MAX_DESCRIPTION = 500
MAX_PERMISSIONS = 200
MAX_INHERITS = 20


MESSAGES: dict[str, tuple[str, str]] = {
    "INVALID_ROLE_NAME": (
        "Название роли: 3–40 символов, латинские строчные буквы, цифры и _, начиная с буквы.",
        "A role name is 3-40 characters: lowercase latin letters, digits and _, "
        "starting with a letter.",
    ),
    "ROLE_NAME_RESERVED": (
        "Название «{name}» занято встроенной ролью.",
        "The name '{name}' belongs to a built-in role.",
    ),
    "ROLE_EXISTS": ("Роль «{name}» уже есть.", "A role named '{name}' already exists."),
    "DESCRIPTION_TOO_LONG": (
        f"Описание роли — не длиннее {MAX_DESCRIPTION} символов.",
        f"A role description is at most {MAX_DESCRIPTION} characters.",
    ),
    "UNKNOWN_PERMISSION": (
        "Неизвестное право «{permission}».",
        "Unknown permission '{permission}'.",
    ),
    "TOO_MANY_PERMISSIONS": (
        f"У роли может быть не больше {MAX_PERMISSIONS} прав.",
        f"A role holds at most {MAX_PERMISSIONS} permissions.",
    ),
    "UNKNOWN_ROLE": ("Роли «{name}» нет.", "There is no role named '{name}'."),
    "NOT_INHERITABLE": (
        "Роль «{name}» нельзя наследовать.",
        "The role '{name}' cannot be inherited.",
    ),
    "TOO_MANY_INHERITS": (
        f"Роль может наследовать не больше {MAX_INHERITS} ролей.",
        f"A role inherits at most {MAX_INHERITS} roles.",
    ),
    "ROLE_CYCLE": (
        "Роль не может наследовать саму себя, в том числе через другие роли.",
        "A role cannot inherit itself, directly or through other roles.",
    ),
    "ROLE_NOT_FOUND": ("Роль «{name}» не найдена.", "Role '{name}' not found."),
    "BUILTIN_ROLE": (
        "Встроенную роль «{name}» нельзя изменить или удалить.",
        "The built-in role '{name}' cannot be changed or deleted.",
    ),
    "ROLE_IN_USE": (
        "Роль «{name}» используется ({uses}); сначала снимите её.",
        "The role '{name}' is in use ({uses}); take it away first.",
    ),
    "MEMBER_NOT_FOUND": ("Участник не найден.", "Member not found."),
    "ROLE_NOT_ASSIGNABLE": (
        "Роль «{name}» нельзя назначить участнику вида «{kind}».",
        "The role '{name}' cannot be given to a member of kind '{kind}'.",
    ),
    "CLIENT_ROLES_MANAGED_BY_CONTACTS": (
        "Роли контактных лиц клиента задаются в карточке клиента.",
        "A client contact's roles are set on the client's contact card.",
    ),
    "FIRM_ADMIN_ONLY": (
        "Назначать и снимать роль администратора фирмы может только администратор фирмы.",
        "Only a firm admin can give or take away the firm admin role.",
    ),
    "LAST_FIRM_ADMIN": (
        "Это последний администратор фирмы: сначала назначьте другого.",
        "This is the firm's last admin: appoint another one first.",
    ),
}


class RolesError(DomainError):
    """An expected refusal; `kind` picks the GraphQL error type, `message_in` the language."""

    def __init__(self, kind: str, code: str, field: str | None = None, /, **params: Any):
        self.kind = kind  # validation | not_found | conflict
        self.code, self.params = code, params
        super().__init__(code, self.message_in("en"), field)

    def message_in(self, language: str) -> str:
        ru, en = MESSAGES.get(self.code, (self.code, self.code))
        return (en if language == "en" else ru).format(**self.params)


def invalid(code: str, field: str | None = None, /, **params: Any) -> RolesError:
    return RolesError("validation", code, field, **params)


def conflict(code: str, /, **params: Any) -> RolesError:
    return RolesError("conflict", code, **params)


def not_found(code: str, /, **params: Any) -> RolesError:
    return RolesError("not_found", code, **params)
