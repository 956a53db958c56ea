"""The payment registry file (1CClientBankExchange 1.03): generated files validated field by
field, a hand-written known-good sample parsed back, broken files rejected, and requisites'
check digits (INN, BIK, account key against the BIK) on real banks' numbers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from saas.core.requisites import account_key_ok, corr_account_key_ok, inn_check_digits_ok
from saas.modules.performers.service.bank_file import (
    BankFileError,
    Party,
    Payment,
    generate,
    parse,
    validate,
)

PAYER = Party(
    "ООО Ромашка",
    "7707083893",
    "40702810938000000001",
    "ПАО Сбербанк",
    "044525225",
    "30101810400000000225",
)
PERFORMER = Party(
    "Иванов Иван Иванович",
    "500100732259",
    "40817810800000000777",
    "АО Т-Банк",
    "044525974",
    "30101810145250000974",
)
CREATED = datetime(2026, 12, 4, 10, 30, 0)


def _payments() -> list[Payment]:
    return [
        Payment(1, PERFORMER, Decimal("15000.00"), "№ 12 от 01.12.2026", "№ 3 от 03.12.2026"),
        Payment(2, PERFORMER, Decimal("0.50"), "№ 13 от 01.12.2026", "№ 4 от 03.12.2026"),
    ]


def test_real_requisites_pass_and_broken_fail() -> None:
    assert corr_account_key_ok("30101810400000000225", "044525225")
    assert corr_account_key_ok("30101810145250000974", "044525974")
    assert account_key_ok(PERFORMER.account, PERFORMER.bik)
    assert not account_key_ok("40817810300000000777", PERFORMER.bik)
    assert not account_key_ok(PERFORMER.account, "044525225")
    assert inn_check_digits_ok("7707083893") and not inn_check_digits_ok("7707083894")


def test_generated_file_field_by_field() -> None:
    data = generate(PAYER, _payments(), CREATED)
    assert data.endswith(b"\r\n\xca\xee\xed\xe5\xf6\xd4\xe0\xe9\xeb\xe0\r\n")  # КонецФайла, cp1251
    assert b"\n" not in data.replace(b"\r\n", b"")
    parsed = validate(data, expected_total=Decimal("15000.50"))
    assert parsed.header["ВерсияФормата"] == "1.03" and parsed.header["Кодировка"] == "Windows"
    assert parsed.header["ДатаСоздания"] == "04.12.2026"
    first = parsed.documents[0]
    assert first["СекцияДокумент"] == "Платежное поручение"
    assert first["Сумма"] == "15000.00" and parsed.documents[1]["Сумма"] == "0.50"
    assert first["ПолучательИНН"] == "500100732259" and first["ПолучательСчет"] == PERFORMER.account
    assert first["Получатель"] == "ИНН 500100732259 Иванов Иван Иванович"
    assert first["ПлательщикБИК"] == "044525225" and first["Очередность"] == "5"
    assert "НПД" in first["НазначениеПлатежа"] and "НДС не облагается" in first["НазначениеПлатежа"]
    assert "№ 12 от 01.12.2026" in first["НазначениеПлатежа"]


@pytest.mark.parametrize(
    ("performer", "amount", "problem"),
    [
        (
            Party(
                "И", "500100732258", PERFORMER.account, "Б", PERFORMER.bik, PERFORMER.corr_account
            ),
            "1.00",
            "ПолучательИНН",
        ),
        (
            Party("И", PERFORMER.inn, PERFORMER.account, "Б", "04452597", PERFORMER.corr_account),
            "1.00",
            "ПолучательБИК",
        ),
        (
            Party(
                "И",
                PERFORMER.inn,
                "40817810300000000777",
                "Б",
                PERFORMER.bik,
                PERFORMER.corr_account,
            ),
            "1.00",
            "ПолучательСчет",
        ),
        (
            Party("И", "7707083893", PERFORMER.account, "Б", PERFORMER.bik, PERFORMER.corr_account),
            "1.00",
            "12-digit",
        ),
        (PERFORMER, "0.00", "Сумма"),
        (
            Party(
                "Ivan \u2603",
                PERFORMER.inn,
                PERFORMER.account,
                "Б",
                PERFORMER.bik,
                PERFORMER.corr_account,
            ),
            "1.00",
            "Windows-1251",
        ),
    ],
)
def test_generator_refuses_what_the_validator_rejects(
    performer: Party, amount: str, problem: str
) -> None:
    with pytest.raises(BankFileError) as refused:
        generate(PAYER, [Payment(1, performer, Decimal(amount), "№ 1", "№ 1")], CREATED)
    assert problem in str(refused.value)


SAMPLE = "\r\n".join(
    [
        "1CClientBankExchange",
        "ВерсияФормата=1.03",
        "Кодировка=Windows",
        "Отправитель=Бухгалтерия",
        "Получатель=",
        "ДатаСоздания=04.12.2026",
        "ВремяСоздания=09:15:00",
        "ДатаНачала=04.12.2026",
        "ДатаКонца=04.12.2026",
        "РасчСчет=40702810938000000001",
        "Документ=Платежное поручение",
        "СекцияДокумент=Платежное поручение",
        "Номер=77",
        "Дата=04.12.2026",
        "Сумма=2500.75",
        "ПлательщикСчет=40702810938000000001",
        "Плательщик=ИНН 7707083893 ООО Ромашка",
        "ПлательщикИНН=7707083893",
        "ПлательщикБанк1=ПАО Сбербанк",
        "ПлательщикБИК=044525225",
        "ПлательщикКорсчет=30101810400000000225",
        "ПолучательСчет=40817810800000000777",
        "Получатель=ИНН 500100732259 Иванов Иван Иванович",
        "ПолучательИНН=500100732259",
        "ПолучательБанк1=АО Т-Банк",
        "ПолучательБИК=044525974",
        "ПолучательКорсчет=30101810145250000974",
        "ВидОплаты=01",
        "Очередность=5",
        "НазначениеПлатежа=Оплата по договору № 5 от 01.11.2026 за услуги самозанятого (НПД). "
        "НДС не облагается",
        "КонецДокумента",
        "КонецФайла",
        "",
    ]
).encode("cp1251")


def test_known_good_sample_parses_back() -> None:
    parsed = validate(SAMPLE, expected_total=Decimal("2500.75"))
    assert len(parsed.documents) == 1 and parsed.documents[0]["Номер"] == "77"
    with pytest.raises(BankFileError, match="sums"):
        validate(SAMPLE, expected_total=Decimal("2500.76"))


def test_broken_files_rejected() -> None:
    with pytest.raises(BankFileError, match="CRLF"):
        parse(SAMPLE.replace(b"\r\n", b"\n"))
    with pytest.raises(BankFileError, match="КонецФайла"):
        parse(SAMPLE.replace("КонецФайла".encode("cp1251"), b""))
    with pytest.raises(BankFileError, match="ВерсияФормата"):
        validate(SAMPLE.replace(b"=1.03", b"=1.02"))
    with pytest.raises(BankFileError, match="Корсчет"):
        validate(SAMPLE.replace(b"30101810145250000974", b"30101810145250000975"))
    with pytest.raises(BankFileError, match="НазначениеПлатежа"):
        validate(SAMPLE.replace("НазначениеПлатежа=Оплата".encode("cp1251"), b"X=1"))
