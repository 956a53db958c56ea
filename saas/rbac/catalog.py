"""Every permission (object, action) the application checks, with what it allows.

This is the vocabulary of policies: custom roles may only be granted permissions listed
here, the default roles' lines only use these objects. A test reads the schema's guards and
this catalog (tests/test_rbac_guards.py): every guard uses a catalog permission, and every
catalog permission guards a field or is one of the service checks it lists. A module adding
a guarded field adds its line here; a module not built yet has no line
(agreements and dashboards come with their modules).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Permission:
    object: str
    action: str
    ru: str
    en: str

    @property
    def key(self) -> str:
        return f"{self.object}:{self.action}"

    def description(self, language: str) -> str:
        return self.en if language == "en" else self.ru


P = Permission

PERMISSION_CATALOG: tuple[Permission, ...] = (
    # The firm itself.
    P("firm", "read", "Видеть настройки фирмы", "See the firm's settings"),
    P(
        "firm",
        "manage",
        "Видеть и менять настройки фирмы: безопасность, сессии, кабинет клиентов",
        "See and change the firm's settings: security, sessions, the client cabinet",
    ),
    P(
        "branding",
        "manage",
        "Менять оформление кабинета: название, телефон, цвет, логотип, домен",
        "Change the cabinet's branding: name, phone, color, logo, domain",
    ),
    P("members", "read", "Видеть сотрудников и контактных лиц", "See staff and contact persons"),
    P(
        "members",
        "manage",
        "Приглашать людей, назначать роли, отключать доступ",
        "Invite people, assign roles, revoke access",
    ),
    P("roles", "read", "Видеть роли и их права", "See roles and their permissions"),
    P("roles", "manage", "Создавать, менять и удалять роли", "Create, change and delete roles"),
    P("tokens", "manage", "Выпускать и отзывать API-токены", "Issue and revoke API tokens"),
    P("audit", "read", "Видеть журнал действий и просмотров", "See the audit and access logs"),
    # Client organizations.
    P(
        "clients",
        "read",
        "Видеть организации клиентов, за которые отвечает (ответственный или соисполнитель)",
        "See the client organizations one is assigned to (responsible manager or moderator)",
    ),
    P(
        "clients",
        "read_all",
        "Видеть все организации клиентов фирмы, их отчётность и документы",
        "See every client organization of the firm, with its reports and documents",
    ),
    P(
        "clients",
        "write",
        "Создавать и менять организации клиентов",
        "Create and edit client organizations",
    ),
    P(
        "clients",
        "manage",
        "Архивировать организации, назначать ответственных",
        "Archive organizations, appoint managers",
    ),
    P(
        "client_contacts",
        "manage",
        "Приглашать контактных лиц клиента и задавать их доступ",
        "Invite a client's contact persons and set their access",
    ),
    P("client_cabinet", "read", "Открывать кабинет клиента", "Open the client cabinet"),
    # Work with clients.
    P("reports", "read", "Видеть отчётность и ленту статусов", "See reports and their status feed"),
    P(
        "reports",
        "write",
        "Создавать отчёты и добавлять события",
        "Create reports and add status events",
    ),
    P(
        "reports",
        "manage",
        "Назначать ответственного за отчёт и передавать исправления",
        "Reassign a report's responsible manager and its follow-ups",
    ),
    P("documents", "read", "Видеть и скачивать документы", "See and download documents"),
    P("documents", "write", "Загружать документы", "Upload documents"),
    P(
        "documents",
        "manage",
        "Удалять документы, видеть журнал скачиваний",
        "Delete documents, see the download log",
    ),
    P(
        "chat",
        "read",
        "Читать чаты с клиентами своих организаций",
        "Read the chats with the clients of one's organizations",
    ),
    P(
        "chat",
        "write",
        "Писать в чаты клиентов, отзывать свои сообщения, назначать ответственного за чат",
        "Write in clients' chats, withdraw one's messages, assign a conversation",
    ),
    P(
        "requests",
        "read",
        "Видеть заявки клиентов, отделы и каталоги услуг",
        "See clients' service requests, departments and service catalogs",
    ),
    P(
        "requests",
        "write",
        "Рассматривать, принимать, отклонять и выполнять заявки клиентов",
        "Review, accept, reject and complete clients' service requests",
    ),
    P(
        "requests",
        "manage",
        "Настраивать отделы, шаблоны каталогов и каталоги услуг клиентов",
        "Set up departments, catalog templates and clients' service catalogs",
    ),
    P(
        "performers",
        "read",
        "Видеть самозанятых исполнителей, заказы клиентов, договоры, выплаты и статистику",
        "See self-employed performers, clients' orders, contracts, payments and statistics",
    ),
    P(
        "performers",
        "write",
        "Отмечать реестры выплат оплаченными и вести работу с исполнителями за клиента",
        "Mark payment registries paid and work with performers on a client's behalf",
    ),
    P(
        "performers",
        "manage",
        "Настраивать работу клиентов с исполнителями и агентские документы фирмы",
        "Set up clients' work with performers and the firm's agency documents",
    ),
    P(
        "performer_cabinet",
        "read",
        "Открывать кабинет самозанятого исполнителя",
        "Open the self-employed performer's cabinet",
    ),
    P(
        "webhooks",
        "manage",
        "Настраивать вебхуки и видеть журнал доставки",
        "Set up webhooks and see their delivery log",
    ),
    # The platform's own host (domain "platform"), never a firm's.
    P(
        "platform",
        "read",
        "Видеть фирмы и статистику платформы",
        "See firms and platform statistics",
    ),
    P("platform", "manage", "Создавать и приостанавливать фирмы", "Create and suspend firms"),
)

CATALOG_INDEX: dict[tuple[str, str], Permission] = {
    (p.object, p.action): p for p in PERMISSION_CATALOG
}
CATALOG_OBJECTS: frozenset[str] = frozenset(p.object for p in PERMISSION_CATALOG)
# Objects that exist only in the platform domain: a firm's role can never be granted them.
PLATFORM_OBJECTS: frozenset[str] = frozenset({"platform"})


def is_known(obj: str, act: str) -> bool:
    return (obj, act) in CATALOG_INDEX


def grantable_in_firm(obj: str, act: str) -> bool:
    """Whether a firm's custom role may hold this permission."""
    return is_known(obj, act) and obj not in PLATFORM_OBJECTS
