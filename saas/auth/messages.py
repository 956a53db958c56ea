"""What identity refusals say, in Russian (the default) and English.

Services return stable codes; GraphQL types carry the code and the message in the caller's
language (from Accept-Language, Russian unless English is preferred).
"""

from __future__ import annotations

from saas.auth.passwords import MIN_LENGTH

MESSAGES: dict[str, tuple[str, str]] = {
    "INVALID_CREDENTIALS": ("Неверный e-mail или пароль.", "Wrong e-mail or password."),
    "INVALID_OTP": (
        "Неверный или устаревший одноразовый код.",
        "The one-time code is wrong or has expired.",
    ),
    "OTP_ALREADY_USED": (
        "Этот код уже использован. Дождитесь следующего кода в приложении.",
        "This code has already been used. Wait for the next code in your app.",
    ),
    "RECOVERY_CODE_USED": (
        "Этот резервный код уже использован: каждый действует один раз. Возьмите другой.",
        "This recovery code has already been used: each works once. Use another one.",
    ),
    "OTP_REQUIRED": (
        "Введите код из приложения-аутентификатора.",
        "Enter the code from your authenticator app.",
    ),
    "ACCOUNT_LOCKED": (
        "Слишком много неудачных попыток входа. Попробуйте снова через {minutes} мин.",
        "Too many failed login attempts. Try again in {minutes} min.",
    ),
    "RATE_LIMITED": (
        "Слишком много попыток входа с вашего адреса. Попробуйте снова через {minutes} мин.",
        "Too many login attempts from your address. Try again in {minutes} min.",
    ),
    "TOTP_SETUP_REQUIRED": (
        "Ваша фирма требует вход с одноразовым кодом: подключите приложение-аутентификатор.",
        "Your firm requires a one-time code at login: set up an authenticator app to continue.",
    ),
    "NOT_A_MEMBER": (
        "По этому адресу у вас нет кабинета. "
        "Войдите на главной странице, чтобы увидеть свои кабинеты.",
        "You have no cabinet at this address. Log in on the main page to see your cabinets.",
    ),
    "CABINET_CLOSED": (
        "Кабинет клиента сейчас отключён. Обратитесь в вашу бухгалтерскую фирму.",
        "The client cabinet is switched off for now. Please contact your accounting firm.",
    ),
    "INVALID_RESET_TOKEN": (
        "Ссылка для смены пароля недействительна или устарела. Запросите новую.",
        "The password reset link is invalid or has expired. Request a new one.",
    ),
    "PASSWORD_TOO_SHORT": (
        f"Пароль должен быть не короче {MIN_LENGTH} символов.",
        f"The password must be at least {MIN_LENGTH} characters long.",
    ),
    "PASSWORD_TOO_EASY": ("Пароль слишком простой.", "The password is too easy to guess."),
    "TOTP_ALREADY_ENABLED": (
        "Вход с одноразовым кодом уже подключён.",
        "Two-factor login is already enabled.",
    ),
    "TOTP_NOT_STARTED": (
        "Сначала начните подключение приложения-аутентификатора.",
        "Start the authenticator set-up first.",
    ),
    "TOTP_NOT_ENABLED": (
        "Вход с одноразовым кодом не подключён.",
        "Two-factor login is not enabled.",
    ),
    "TOTP_ENROLL_FIRST": (
        "Сначала подключите вход с одноразовым кодом себе: иначе требование закроет и ваш доступ.",
        "Enable two-factor login for yourself first, or the requirement would lock you out too.",
    ),
    "TOTP_REQUIRED_BY_FIRM": (
        "Ваша фирма требует вход с одноразовым кодом; отключить его нельзя.",
        "Your firm requires two-factor login; it cannot be switched off.",
    ),
    "TOTP_RESET_NOT_STAFF": (
        "Сбросить второй фактор здесь можно только сотруднику фирмы.",
        "Only a staff member's second factor can be reset here.",
    ),
    "TOTP_RESET_SELF": (
        "Свой второй фактор меняйте на странице «Безопасность» своей учётной записи.",
        "Change your own second factor on your account's security page.",
    ),
    "TOTP_RESET_FIRM_ADMIN": (
        "Второй фактор администратора фирмы сбрасывает только администратор фирмы.",
        "Only a firm admin can reset a firm admin's second factor.",
    ),
    "NOT_FOUND": ("Не найдено.", "Not found."),
    "CABINET_NOT_FOUND": ("Такого кабинета у вас нет.", "You have no such cabinet."),
    "INVALID_EMAIL": ("Проверьте адрес e-mail.", "Check the e-mail address."),
    "INVALID_ROLE": ("Такую роль выдать нельзя.", "This role cannot be given here."),
    "INVALID_ROLES": ("Выберите хотя бы одну роль.", "Choose at least one role."),
    "INVALID_KIND": ("Неизвестный вид участия.", "Unknown kind of membership."),
    "INVALID_ORGANIZATION": (
        "Для клиента нужна организация.",
        "A client invitation needs an organization.",
    ),
    "ALREADY_MEMBER": (
        "Этот человек уже работает в этом кабинете.",
        "This person is already a member of this cabinet.",
    ),
    "INVALID_NAME": ("Укажите имя (до 200 символов).", "Enter a name (up to 200 characters)."),
    "INVALID_EXPIRY": (
        "Срок действия: от 1 до 1825 дней.",
        "The lifetime must be 1 to 1825 days.",
    ),
    "INVITATION_UNKNOWN": (
        "Приглашение не найдено. Проверьте ссылку.",
        "The invitation was not found. Check the link.",
    ),
    "INVITATION_EXPIRED": (
        "Срок приглашения истёк. Попросите прислать новое.",
        "The invitation has expired. Ask for a new one.",
    ),
    "INVITATION_USED": (
        "Это приглашение уже принято. Войдите со своим паролем.",
        "This invitation has already been accepted. Log in with your password.",
    ),
    "INVITATION_REVOKED": (
        "Приглашение отозвано. Обратитесь к тому, кто вас пригласил.",
        "The invitation was revoked. Contact the person who invited you.",
    ),
    "EXISTING_ACCOUNT_PASSWORD": (
        "У этого e-mail уже есть учётная запись: введите её текущий пароль.",
        "This e-mail already has an account: enter its current password.",
    ),
    "NOT_A_SESSION": (
        "Сеансы есть только у входа по паролю; API-токен их не видит и не завершает.",
        "Only a password login has sessions; an API token neither sees nor ends them.",
    ),
    "IDLE_TIMEOUT_OUT_OF_RANGE": (
        "Укажите от {low} до {high} минут.",
        "Choose between {low} and {high} minutes.",
    ),
}


def language_of(accept_language: str | None) -> str:
    """'en' when the caller prefers English over Russian, else 'ru'."""
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in ("ru", "en"):
            return code
    return "ru"


def message(code: str, lang: str = "ru", **params: object) -> str:
    ru, en = MESSAGES.get(code, (code, code))
    return (en if lang == "en" else ru).format(**params)
