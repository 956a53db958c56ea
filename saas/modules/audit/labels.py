"""Words for the audit log's actions, in Russian and English.

An action is `<object>.<verb>` (`client_organization.create`); the services that write them
are listed in docs/firm-admin.md. An action without a label here shows as its code: a new
action is listed here when its service starts writing it (tests/test_audit_labels.py reads
the code for the actions it writes and checks that each has its words).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    ru: str
    en: str

    def word(self, language: str) -> str:
        return self.en if language == "en" else self.ru


ACTIONS: dict[str, Label] = {
    "client_organization.create": Label("Создана организация клиента", "Client created"),
    "client_organization.update": Label("Изменена карточка клиента", "Client card changed"),
    "client_organization.archive": Label("Клиент перенесён в архив", "Client archived"),
    "client_organization.restore": Label("Клиент возвращён из архива", "Client restored"),
    "client_organization.managers": Label(
        "Назначены ответственный и модераторы", "Responsible manager and moderators set"
    ),
    "client_contact.invite": Label("Приглашено контактное лицо", "Contact person invited"),
    "client_contact.grants": Label(
        "Изменены права контактного лица", "Contact person's access changed"
    ),
    "client_contact.admin": Label(
        "Изменены права администратора клиента", "Client admin right changed"
    ),
    "client_contact.deactivate": Label("Контактное лицо отключено", "Contact person deactivated"),
    "invitation.create": Label("Приглашён сотрудник", "Staff member invited"),
    "invitation.revoke": Label("Приглашение отозвано", "Invitation revoked"),
    "member.roles": Label("Изменены роли сотрудника", "Member's roles changed"),
    "member.totp_reset": Label(
        "Сброшен второй фактор сотрудника", "Staff member's second factor reset"
    ),
    "member.contact_card": Label("Изменена карточка контакта", "Contact card changed"),
    "role.create": Label("Создана роль", "Role created"),
    "role.update": Label("Изменена роль", "Role changed"),
    "role.delete": Label("Удалена роль", "Role deleted"),
    "api_token.create": Label("Выпущен API-токен", "API token created"),
    "api_token.revoke": Label("API-токен отозван", "API token revoked"),
    "session.end": Label("Сеанс завершён", "Session ended"),
    "security.update": Label("Изменены настройки безопасности", "Security settings changed"),
    "branding.update": Label("Изменён фирменный стиль", "Branding changed"),
    "branding.logo": Label("Изменён логотип", "Logo changed"),
    "branding.favicon": Label("Изменена иконка сайта", "Favicon changed"),
    "cabinet.access": Label("Изменён доступ к кабинету клиентов", "Client cabinet access changed"),
    "calendar.update": Label("Изменён календарь фирмы", "Firm calendar changed"),
    "report.manager": Label("Назначен ответственный за отчёт", "Report's responsible manager set"),
    "report.create": Label("Создан отчёт", "Report created"),
    "report.follow_up_close": Label("Исправление по отчёту закрыто", "Report follow-up closed"),
    "report.follow_up_assign": Label(
        "Исправление по отчёту передано сотруднику", "Report follow-up reassigned"
    ),
    "chat.message_withdrawn": Label(
        "Сообщение в чате отозвано (текст сохранён в журнале)",
        "Chat message withdrawn (its text kept in the log)",
    ),
    "chat.system_entry": Label(
        "Системная запись в чате (интеграция)", "Chat system entry (integration)"
    ),
    "chat.conversation_assigned": Label(
        "Чат назначен сотруднику", "Chat assigned to a staff member"
    ),
    "chat.mark": Label(
        "Отметка в чате (звонок, письмо, визит, услуга)",
        "Chat mark (call, letter, visit, service)",
    ),
    "chat.notice": Label("Уведомление в чате отправлено", "Chat notice posted"),
    "calendar.exchange_date.create": Label(
        "Назначена дата обмена данными", "Data-exchange date set"
    ),
    "calendar.exchange_date.update": Label(
        "Изменена дата обмена данными", "Data-exchange date changed"
    ),
    "calendar.exchange_date.delete": Label(
        "Удалена дата обмена данными", "Data-exchange date removed"
    ),
    "calendar.feed_rotated": Label(
        "Выпущена новая ссылка на календарь", "Calendar feed link renewed"
    ),
    "calendar.feed_revoked": Label("Ссылка на календарь отключена", "Calendar feed link revoked"),
    "chat.settings": Label(
        "Изменён срок напоминания по уведомлениям", "Chat notice reminder delay changed"
    ),
    "chat.notice_action": Label(
        "Ответ клиента на уведомление (прочтение, файл, согласование)",
        "Client's answer to a notice (read, file opened, approval)",
    ),
    "requests.department.create": Label("Создан отдел", "Department created"),
    "requests.department.update": Label("Изменён отдел", "Department changed"),
    "requests.onboarding.create": Label(
        "Создана задача подключения для руководителя отдела", "Onboarding task created"
    ),
    "requests.onboarding.done": Label(
        "Назначен руководитель проекта клиента", "Client project manager appointed"
    ),
    "requests.template.create": Label("Создан шаблон каталога услуг", "Catalog template created"),
    "requests.service.create": Label("Услуга добавлена в каталог", "Service added to a catalog"),
    "requests.service.update": Label("Изменена услуга каталога", "Catalog service changed"),
    "requests.service.remove": Label("Услуга убрана из каталога", "Service removed from a catalog"),
    "requests.catalog.apply": Label(
        "Каталог клиента заполнен из шаблона", "Client's catalog filled from a template"
    ),
    "requests.request.launch": Label("Клиент подал заявку", "Service request launched"),
    "requests.request.edit": Label("Заявка изменена", "Service request changed"),
    "requests.request.review": Label("Заявка на рассмотрении", "Service request under review"),
    "requests.request.accept": Label("Заявка принята в работу", "Service request accepted"),
    "requests.request.reject": Label("Заявка отклонена", "Service request rejected"),
    "requests.request.done": Label("Заявка выполнена", "Service request done"),
    "requests.request.comment": Label("Комментарий к заявке", "Service request comment"),
    "requests.request.files": Label("Файлы приложены к заявке", "Files attached to a request"),
    "requests.request.from_report": Label(
        "Заявка открыта по отклонённому отчёту", "Request opened by a rejected report"
    ),
    "requests.request.time": Label(
        "Время или количество по заявке", "Time or quantity on a service request"
    ),
    "requests.request.ask_client": Label(
        "Исполнитель ждёт ответа клиента по заявке", "Performer waits on the client"
    ),
    # Self-employed performers (issue 17).
    "performer.profile_saved": Label("Профиль исполнителя сохранён", "Performer profile saved"),
    "performer.customer_saved": Label(
        "Настройки работы с исполнителями", "Performer work settings saved"
    ),
    "performer.order_published": Label("Заказ исполнителям опубликован", "Order published"),
    "performer.order_cancelled": Label("Заказ отменён", "Order cancelled"),
    "performer.order_updated": Label("Заказ исполнителям изменён", "Order updated"),
    "performer.order_completed": Label("Заказ завершён", "Order completed"),
    "performer.responded": Label("Отклик на заказ", "Response to an order"),
    "performer.chosen": Label(
        "Исполнитель выбран (статус НПД проверен)", "Performer chosen (НПД status checked)"
    ),
    "performer.template_saved": Label("Шаблон договора изменён", "Contract template changed"),
    "performer.contract_created": Label("Договор с исполнителем составлен", "Contract made"),
    "performer.contract_signed": Label("Договор подписан кодом", "Contract signed with a code"),
    "performer.work_accepted": Label("Работа принята, составлен акт", "Work accepted (act)"),
    "performer.act_signed": Label("Акт подписан кодом", "Act signed with a code"),
    "performer.document_downloaded": Label(
        "Договор или акт исполнителя скачан", "Performer contract or act downloaded"
    ),
    "performer.registry_formed": Label("Реестр выплат сформирован", "Payment registry formed"),
    "performer.registry_paid": Label("Реестр выплат оплачен", "Payment registry paid"),
    "performer.receipt_cancelled": Label("Чек НПД аннулирован", "НПД receipt cancelled"),
    "performer.agency_documents": Label(
        "Агентские документы за месяц", "Agency documents of a month"
    ),
    "performer.agency_document_downloaded": Label(
        "Агентский документ скачан", "Agency document downloaded"
    ),
}

# The first part of an action, for the filter by prefix ("report." finds report.create...).
GROUPS: dict[str, Label] = {
    "client_organization": Label("Клиенты", "Clients"),
    "client_contact": Label("Контактные лица", "Contact persons"),
    "invitation": Label("Приглашения", "Invitations"),
    "member": Label("Сотрудники", "Staff"),
    "role": Label("Роли", "Roles"),
    "api_token": Label("API-токены", "API tokens"),
    "session": Label("Сеансы", "Sessions"),
    "security": Label("Безопасность", "Security"),
    "branding": Label("Фирменный стиль", "Branding"),
    "cabinet": Label("Кабинет клиентов", "Client cabinet"),
    "calendar": Label("Календарь", "Calendar"),
    "report": Label("Отчётность", "Reports"),
    "chat": Label("Чат", "Chat"),
    "requests": Label("Заявки на услуги", "Service requests"),
    "performer": Label("Самозанятые исполнители", "Self-employed performers"),
}


def action_label(action: str, language: str) -> str:
    """The action in `language` ('ru' or 'en'), or its code when it has no words yet."""
    label = ACTIONS.get(action)
    return label.word(language) if label else action


def group_label(group: str, language: str) -> str:
    label = GROUPS.get(group)
    return label.word(language) if label else group


ACTOR_WORDS = {
    "token": Label("API-токен «{name}»", "API token '{name}'"),
    "token_gone": Label("API-токен №{id}", "API token #{id}"),
    "operator": Label("Оператор платформы", "Platform operator"),
    "system": Label("Система", "System"),
    "person_gone": Label("Пользователь №{id}", "Person #{id}"),
}


def actor_words(key: str, language: str, **values: object) -> str:
    return ACTOR_WORDS[key].word(language).format(**values)
