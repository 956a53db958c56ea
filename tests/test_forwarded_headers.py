"""X-Forwarded-For/-Proto count only from the proxies named in SAAS_TRUSTED_PROXIES (none by
default): a client reaching `saas serve` over loopback cannot pick its address for the login
limits, its session or its token's last use; a listed proxy's forwarded address is used."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from saas.settings import Settings, addresses
from tests.support.auth import FirmPeople, login_result
from tests.support.client import GraphQLClient
from tests.support.firms import Firm
from tests.support.people import api_token
from tests.support.server import LiveServer, start_api_process

SPOOFED = "203.0.113.77"
VIEWER = "{ viewer { id } }"


@pytest.fixture(scope="module")
def default_serve(settings: Settings, database_url: str) -> Iterator[str]:
    """`saas serve` as an operator starts it, SAAS_TRUSTED_PROXIES unset."""
    process, port = start_api_process(settings, database_url, env={"SAAS_TRUSTED_PROXIES": ""})
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def attempt_ips(db_engine: sa.Engine, email: str) -> list[str]:
    with db_engine.begin() as conn:
        return list(
            conn.execute(
                sa.text("SELECT ip FROM shared.login_attempts WHERE email = :e ORDER BY id"),
                {"e": email},
            ).scalars()
        )


def token_ip(db_engine: sa.Engine, token: str) -> str | None:
    from saas.auth.tokens import digest

    with db_engine.begin() as conn:
        return conn.execute(
            sa.text("SELECT last_used_ip FROM shared.api_tokens WHERE token_hash = :h"),
            {"h": digest(token)},
        ).scalar_one()


def try_everything(
    url: str, firm: Firm, people: FirmPeople, db_engine: sa.Engine
) -> tuple[list[str], str | None, str | None]:
    """A failed login of a fresh e-mail, a real login and a token's first use, each with a
    spoofed X-Forwarded-For: the addresses the attempt log, the session and the token got."""
    spoof = {"x-forwarded-for": SPOOFED, "x-forwarded-proto": "https"}
    email = f"nobody-{uuid.uuid4().hex[:10]}@example.test"
    c = GraphQLClient(url, firm.host)
    token = api_token(db_engine, firm.id, "integrator")
    api = GraphQLClient(url, firm.host, token=token)
    try:
        assert login_result(c, email, "wrong", headers=spoof)["__typename"] == "InvalidCredentials"
        person = people.manager
        outcome = login_result(c, person.email, person.password, headers=spoof)
        assert outcome["__typename"] == "LoginSuccess", outcome
        api.execute("{ currentFirm { id } }", headers=spoof)
    finally:
        c.close()
        api.close()
    with db_engine.begin() as conn:
        session_ip = conn.execute(
            sa.text("SELECT ip FROM shared.sessions WHERE person_id = :p ORDER BY id DESC LIMIT 1"),
            {"p": person.id},
        ).scalar_one()
    return attempt_ips(db_engine, email), session_ip, token_ip(db_engine, token)


def test_forwarded_headers_from_loopback_are_ignored_by_default(  # type: ignore[no-untyped-def]
    default_serve: str, firms: dict[str, Firm], people, db_engine
) -> None:
    attempts, session_ip, used_from = try_everything(
        default_serve, firms["a"], people["a"], db_engine
    )
    assert attempts == ["127.0.0.1"]
    assert session_ip == "127.0.0.1" and used_from == "127.0.0.1"


def test_a_trusted_proxys_forwarded_address_is_used(  # type: ignore[no-untyped-def]
    live_server: LiveServer, settings: Settings, firms: dict[str, Firm], people, db_engine
) -> None:
    """The tests' own server names 127.0.0.1 in `trusted_proxies` (tests/conftest.py)."""
    assert settings.trusted_proxies == ("127.0.0.1",)
    attempts, session_ip, used_from = try_everything(
        live_server.url, firms["a"], people["a"], db_engine
    )
    assert attempts == [SPOOFED]
    assert session_ip == SPOOFED and used_from == SPOOFED


def test_the_setting_takes_addresses_and_networks_only(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert addresses(" 10.0.0.1, 10.1.0.0/16 ,::1") == ("10.0.0.1", "10.1.0.0/16", "::1")
    assert addresses("") == ()
    monkeypatch.delenv("SAAS_TRUSTED_PROXIES", raising=False)
    assert Settings.from_env().trusted_proxies == ()
    for bad in ("*", "localhost", "10.0.0.1/40"):
        with pytest.raises(ValueError, match="SAAS_TRUSTED_PROXIES"):
            addresses(bad)
