"""The PDFs of performer work: a contract from the firm's template, an acceptance act, and
the signature page added once both sides signed (saas.core.pdf)."""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from datetime import datetime

from saas.core.pdf import heading, new_pdf, paragraphs, to_bytes
from saas.modules.performers.service.errors import invalid

PLACEHOLDERS = {
    "number": "номер договора",
    "date": "дата договора",
    "firm_name": "название фирмы (агента)",
    "customer_name": "заказчик: название организации",
    "customer_inn": "заказчик: ИНН",
    "customer_kpp": "заказчик: КПП",
    "performer_name": "исполнитель: ФИО",
    "performer_inn": "исполнитель: ИНН",
    "performer_bank": "исполнитель: банк",
    "performer_bik": "исполнитель: БИК",
    "performer_account": "исполнитель: счёт",
    "order_title": "заказ: название",
    "order_description": "заказ: описание",
    "amount": "сумма, ₽",
    "deadline": "срок выполнения",
}

DEFAULT_CONTRACT = "\n".join(
    (
        "# ДОГОВОР ВОЗМЕЗДНОГО ОКАЗАНИЯ УСЛУГ № {number}",
        "Дата: {date}",
        (
            "{customer_name} (ИНН {customer_inn}, КПП {customer_kpp}), именуемое «Заказчик», "
            "и {performer_name} (ИНН {performer_inn}), применяющий специальный налоговый "
            "режим «Налог на профессиональный доход» (Федеральный закон от 27.11.2018 № "
            "422-ФЗ), именуемый «Исполнитель», при посредничестве агента {firm_name} "
            "заключили настоящий договор."
        ),
        "# 1. Предмет договора",
        "1.1. Исполнитель оказывает услуги: {order_title}. {order_description}",
        "1.2. Срок оказания услуг: {deadline}.",
        "# 2. Цена и порядок расчётов",
        "2.1. Стоимость услуг: {amount} ₽. НДС не облагается: Исполнитель — плательщик НПД.",
        (
            "2.2. Оплата по акту приёмки на счёт Исполнителя: {performer_bank}, БИК "
            "{performer_bik}, счёт {performer_account}."
        ),
        (
            "2.3. Исполнитель формирует чек в приложении «Мой налог» на каждую полученную "
            "оплату и передаёт его Заказчику."
        ),
        "# 3. Статус Исполнителя",
        (
            "3.1. Исполнитель подтверждает, что на дату договора зарегистрирован как "
            "плательщик НПД, и обязуется в течение одного дня уведомить Заказчика об утрате "
            "этого статуса."
        ),
        (
            "3.2. Исполнитель не является и в течение последних двух лет не являлся "
            "работником Заказчика."
        ),
        "# 4. Приёмка",
        "4.1. Результат принимается по акту; допускается приёмка части услуг.",
        "# 5. Подписание",
        (
            "5.1. Договор подписывается простой электронной подписью: одноразовым кодом, "
            "направленным каждой стороне на адрес электронной почты. Стороны признают такой "
            "документ равнозначным документу на бумаге, подписанному собственноручно (ст. 6 "
            "Федерального закона № 63-ФЗ)."
        ),
    )
)

DEFAULT_ACT = "\n".join(
    (
        "# АКТ № {number} приёмки оказанных услуг",
        "Дата: {date}",
        "По договору № {contract_number}.",
        "Заказчик: {customer_name} (ИНН {customer_inn}).",
        "Исполнитель: {performer_name} (ИНН {performer_inn}), плательщик НПД.",
        "Услуги: {order_title}.",
        "Период оказания услуг: {period}.",
        "Принято услуг на сумму: {amount} ₽ (НДС не облагается).",
        "Стороны претензий по объёму, качеству и срокам не имеют.",
    )
)


def template_fields(body: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(body) if name is not None}
    except ValueError as exc:
        raise invalid(
            "TEMPLATE_SYNTAX",
            f"Ошибка в шаблоне: {exc}. Фигурные скобки — только вокруг полей.",
            f"The template has an error: {exc}. Braces only around fields.",
            "body",
        ) from None


def check_template(body: str) -> str:
    body = body.strip()
    if not body or len(body) > 50_000:
        raise invalid(
            "TEMPLATE_LENGTH",
            "Шаблон пуст или длиннее 50 000 символов.",
            "The template is empty or longer than 50,000 characters.",
            "body",
        )
    unknown = sorted(template_fields(body) - set(PLACEHOLDERS))
    if unknown:
        names = ", ".join("{" + u + "}" for u in unknown)
        raise invalid(
            "TEMPLATE_FIELDS",
            f"Неизвестные поля шаблона: {names}. Доступны: "
            + ", ".join("{" + p + "}" for p in PLACEHOLDERS),
            f"Unknown template fields: {names}.",
            "body",
        )
    return body


def rubles(kopecks: int) -> str:
    whole, cents = divmod(kopecks, 100)
    return f"{whole:,}".replace(",", " ") + f",{cents:02d}"


def render(title: str, body: str, values: dict[str, str]) -> bytes:
    pdf = new_pdf(title)
    pdf.add_page()
    paragraphs(pdf, body.format_map(values))
    return to_bytes(pdf)


@dataclass(frozen=True)
class SignatureLine:
    side: str  # customer | performer
    name: str
    email: str
    signed_at: datetime
    ip: str
    user_agent: str


SIDES = {"customer": "Заказчик", "performer": "Исполнитель"}


def with_signature_page(
    title: str, body: str, values: dict[str, str], sha256: str, lines: list[SignatureLine]
) -> bytes:
    """The document again with a last page: who signed, when, from where, and the SHA-256 of
    the document as it was signed (the file without this page)."""
    pdf = new_pdf(title)
    pdf.add_page()
    paragraphs(pdf, body.format_map(values))
    pdf.add_page()
    heading(pdf, "Лист подписания (простая электронная подпись)")
    paragraphs(
        pdf,
        f"Документ: {title}\nSHA-256 подписанного документа (без этого листа): {sha256}\n"
        "Способ: одноразовый код, направленный на адрес электронной почты подписанта; "
        "код введён подписантом в кабинете.",
    )
    for line in lines:
        paragraphs(
            pdf,
            f"# {SIDES.get(line.side, line.side)}: {line.name}\n"
            f"Адрес электронной почты: {line.email}\n"
            f"Подписано: {line.signed_at.strftime('%d.%m.%Y %H:%M:%S')} UTC\n"
            f"IP-адрес: {line.ip or '—'}\nБраузер: {line.user_agent or '—'}",
        )
    return to_bytes(pdf)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
