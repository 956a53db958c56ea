"""The payment registry as a `1CClientBankExchange` file, format version 1.03: Windows-1251,
CRLF, a header, one `СекцияДокумент=Платежное поручение` per performer, `КонецФайла`.
`validate` checks every field by the format's rules; `generate` refuses to produce a file that
`validate` would reject."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from saas.core.requisites import (
    account_key_ok,
    bik_ok,
    corr_account_key_ok,
    inn_check_digits_ok,
)

ENCODING = "cp1251"
HEADER_KEYS = (
    "ВерсияФормата",
    "Кодировка",
    "Отправитель",
    "ДатаСоздания",
    "ВремяСоздания",
    "ДатаНачала",
    "ДатаКонца",
    "РасчСчет",
    "Документ",
)
DOCUMENT_KEYS = (
    "Номер",
    "Дата",
    "Сумма",
    "ПлательщикСчет",
    "Плательщик",
    "ПлательщикИНН",
    "ПлательщикБанк1",
    "ПлательщикБИК",
    "ПлательщикКорсчет",
    "ПолучательСчет",
    "Получатель",
    "ПолучательИНН",
    "ПолучательБанк1",
    "ПолучательБИК",
    "ПолучательКорсчет",
    "ВидОплаты",
    "Очередность",
    "НазначениеПлатежа",
)
AMOUNT = re.compile(r"^[1-9]\d{0,14}\.\d{2}$|^0\.(0[1-9]|[1-9]\d)$")
DATE = re.compile(r"^\d{2}\.\d{2}\.\d{4}$")


class BankFileError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Party:
    name: str
    inn: str
    account: str
    bank: str
    bik: str
    corr_account: str


@dataclass(frozen=True)
class Payment:
    number: int
    performer: Party
    amount: Decimal
    contract: str  # e.g. "№ 12 от 01.12.2026"
    act: str


def purpose(payment: Payment) -> str:
    """НПД payments name the contract and act and say no VAT; the performer is self-employed."""
    return (
        f"Оплата по договору {payment.contract}, акт {payment.act}, за услуги "
        f"самозанятого (НПД). НДС не облагается"
    )


def _d(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _party(prefix: str, party: Party) -> list[tuple[str, str]]:
    return [
        (f"{prefix}Счет", party.account),
        (prefix, f"ИНН {party.inn} {party.name}"),
        (f"{prefix}ИНН", party.inn),
        (f"{prefix}1", party.name),
        (f"{prefix}РасчСчет", party.account),
        (f"{prefix}Банк1", party.bank),
        (f"{prefix}БИК", party.bik),
        (f"{prefix}Корсчет", party.corr_account),
    ]


def generate(payer: Party, payments: list[Payment], created: datetime) -> bytes:
    lines: list[tuple[str, str] | str] = [
        "1CClientBankExchange",
        ("ВерсияФормата", "1.03"),
        ("Кодировка", "Windows"),
        ("Отправитель", "Kabinet"),
        ("Получатель", ""),
        ("ДатаСоздания", _d(created.date())),
        ("ВремяСоздания", created.strftime("%H:%M:%S")),
        ("ДатаНачала", _d(created.date())),
        ("ДатаКонца", _d(created.date())),
        ("РасчСчет", payer.account),
        ("Документ", "Платежное поручение"),
    ]
    for p in payments:
        lines += [
            ("СекцияДокумент", "Платежное поручение"),
            ("Номер", str(p.number)),
            ("Дата", _d(created.date())),
            ("Сумма", f"{p.amount:.2f}"),
        ]
        lines += _party("Плательщик", payer) + _party("Получатель", p.performer)
        lines += [
            ("ВидОплаты", "01"),
            ("Очередность", "5"),
            ("НазначениеПлатежа", purpose(p)),
            "КонецДокумента",
        ]
    lines.append("КонецФайла")
    text = "\r\n".join(ln if isinstance(ln, str) else f"{ln[0]}={ln[1]}" for ln in lines) + "\r\n"
    try:
        data = text.encode(ENCODING)
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start : exc.end]
        raise BankFileError([f"not representable in Windows-1251: {bad!r}"]) from exc
    validate(data, expected_total=sum((p.amount for p in payments), Decimal("0")))
    return data


@dataclass(frozen=True)
class BankFile:
    header: dict[str, str]
    documents: list[dict[str, str]]


def _lines(data: bytes) -> list[str]:
    text = data.decode(ENCODING)
    if "\n" in text.replace("\r\n", ""):
        raise BankFileError(["lines must end with CRLF"])
    lines = text.split("\r\n")
    if lines[-1] == "":
        lines.pop()
    if not lines or lines[0] != "1CClientBankExchange":
        raise BankFileError(["the first line must be 1CClientBankExchange"])
    if lines[-1] != "КонецФайла":
        raise BankFileError(["the last line must be КонецФайла"])
    return lines


def parse(data: bytes) -> BankFile:
    lines = _lines(data)
    header: dict[str, str] = {}
    documents: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in lines[1:-1]:
        if line == "КонецДокумента":
            if current is None:
                raise BankFileError(["КонецДокумента without СекцияДокумент"])
            documents.append(current)
            current = None
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise BankFileError([f"not a key=value line: {line!r}"])
        if key == "СекцияДокумент":
            if current is not None:
                raise BankFileError(["a document is not closed by КонецДокумента"])
            current = {key: value}
        elif current is not None:
            current[key] = value
        else:
            header[key] = value
    if current is not None:
        raise BankFileError(["a document is not closed by КонецДокумента"])
    return BankFile(header, documents)


def _check_party(doc: dict[str, str], prefix: str, n: str, problems: list[str]) -> None:
    inn, bik = doc.get(f"{prefix}ИНН", ""), doc.get(f"{prefix}БИК", "")
    account = doc.get(f"{prefix}Счет", "")
    if not inn_check_digits_ok(inn):
        problems.append(f"{n}: {prefix}ИНН {inn!r} fails the check digits")
    if not bik_ok(bik):
        problems.append(f"{n}: {prefix}БИК {bik!r} is not 9 digits")
    if not account_key_ok(account, bik):
        problems.append(f"{n}: {prefix}Счет {account!r} fails the control key against the BIK")
    corr = doc.get(f"{prefix}Корсчет", "")
    if not corr_account_key_ok(corr, bik):
        problems.append(f"{n}: {prefix}Корсчет {corr!r} fails the control key against the BIK")


def _check_documents(parsed: BankFile, problems: list[str]) -> Decimal:
    h = parsed.header
    total = Decimal("0")
    numbers: set[str] = set()
    for i, doc in enumerate(parsed.documents, 1):
        n = f"document {i}"
        problems += [f"{n}: {k} is missing or empty" for k in DOCUMENT_KEYS if not doc.get(k)]
        if doc.get("СекцияДокумент") != "Платежное поручение":
            problems.append(f"{n}: СекцияДокумент must be Платежное поручение")
        if doc.get("Номер") in numbers:
            problems.append(f"{n}: Номер repeats")
        numbers.add(doc.get("Номер", ""))
        amount = doc.get("Сумма", "")
        if AMOUNT.match(amount):
            total += Decimal(amount)
        else:
            problems.append(f"{n}: Сумма {amount!r} must be rubles with 2 decimals, above zero")
        if not DATE.match(doc.get("Дата", "")):
            problems.append(f"{n}: Дата must be ДД.ММ.ГГГГ")
        if doc.get("ПлательщикСчет") != h.get("РасчСчет"):
            problems.append(f"{n}: ПлательщикСчет differs from the header's РасчСчет")
        _check_party(doc, "Плательщик", n, problems)
        _check_party(doc, "Получатель", n, problems)
        if len(doc.get("ПолучательИНН", "")) != 12:
            problems.append(f"{n}: a self-employed recipient has a 12-digit INN")
        if len(doc.get("НазначениеПлатежа", "")) > 210:
            problems.append(f"{n}: НазначениеПлатежа is longer than 210 characters")
    return total


def validate(data: bytes, expected_total: Decimal | None = None) -> BankFile:
    parsed = parse(data)
    problems: list[str] = []
    h = parsed.header
    problems += [f"header: {k} is missing" for k in HEADER_KEYS if k not in h]
    if h.get("ВерсияФормата") != "1.03":
        problems.append("header: ВерсияФормата must be 1.03")
    if h.get("Кодировка") != "Windows":
        problems.append("header: Кодировка must be Windows")
    for k in ("ДатаСоздания", "ДатаНачала", "ДатаКонца"):
        if k in h and not DATE.match(h[k]):
            problems.append(f"header: {k} must be ДД.ММ.ГГГГ")
    if not parsed.documents:
        problems.append("no payment orders")
    total = _check_documents(parsed, problems)
    if expected_total is not None and total != expected_total:
        problems.append(f"sums: documents add up to {total}, the registry to {expected_total}")
    if problems:
        raise BankFileError(problems)
    return parsed
