"""No secret, hash or personal data in logs: the engines hide SQL parameters (the API's and
the worker's `create_engine`, the migrations' and CLI's `sync_engine`), and the log formatters
of `saas.logs` redact what an exception's text or a message still carries."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from saas.auth.authenticate import TOKEN_LOOKUP
from saas.auth.tokens import API_TOKEN_PREFIX, digest, new_secret
from saas.db.engine import create_engine
from saas.db.migrate import sync_engine
from saas.logs import configure_logging, redact
from saas.rbac.policy import PolicyRule, new_enforcer
from saas.settings import Settings
from saas.tenants.registry import TenantRegistry
from tests.support.firms import Firm


@pytest.fixture
def captured_log() -> Iterator[io.StringIO]:
    """A buffer that `configure` points the process's log handler at."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield io.StringIO()
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def configure(buffer: io.StringIO, *, json_output: bool) -> None:
    """The process's log configuration (`configure_logging`), writing to `buffer`."""
    configure_logging(json_output=json_output)
    [handler] = logging.getLogger().handlers
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)


def secrets_in_flight() -> tuple[str, str, str]:
    secret = API_TOKEN_PREFIX + new_secret()
    return secret, digest(secret), f"leak-{uuid.uuid4().hex[:8]}@example.test"


async def test_a_failed_token_lookup_names_no_hash_in_its_error(
    settings: Settings, firms: dict[str, Firm], captured_log: io.StringIO
) -> None:
    """The API's (and the worker's) engine: a token lookup failing in the database (here: run
    as a firm's role, which may not read the shared tokens) is logged as the API logs an
    unexpected error; neither the exception nor the log line hold the hash or the e-mail."""
    secret, token_hash, email = secrets_in_flight()
    engine = create_engine(settings.database_url or "", pool_size=1)
    registry = TenantRegistry(engine, settings.base_domain, dev_hosts=False)
    tenant = await registry.by_id(firms["a"].id)
    assert tenant is not None
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.text(f'SET ROLE "{tenant.db_role}"'))
            with pytest.raises(DBAPIError) as caught:
                await conn.execute(TOKEN_LOOKUP, {"token_hash": token_hash})
    finally:
        await engine.dispose()
    assert token_hash not in str(caught.value)

    configure(captured_log, json_output=True)
    logging.getLogger("saas.graphql").error(
        "unexpected error [request %s] at %s: %s (token %s of %s)",
        uuid.uuid4().hex,
        "currentFirm",
        caught.value,
        secret,
        email,
        exc_info=(type(caught.value), caught.value, caught.value.__traceback__),
    )
    text = captured_log.getvalue()
    # This one: the session's live server shares the process and may log meanwhile.
    [record] = [json.loads(line) for line in text.splitlines() if "currentFirm" in line]
    assert record["level"] == "ERROR" and "permission denied" in text
    for leaked in (secret, token_hash, email):
        assert leaked not in text, text


def test_migrations_and_cli_engine_hide_parameters(settings: Settings) -> None:
    """`sync_engine` (migrations, the CLI, the demo): a statement refused by the database
    with a hash and an e-mail as parameters."""
    _, token_hash, email = secrets_in_flight()
    engine = sync_engine(settings.database_url or "", pool_size=1)
    try:
        with engine.connect() as conn, pytest.raises(DBAPIError) as caught:
            conn.execute(
                sa.text("SELECT * FROM shared.no_such_table WHERE h = :h OR e = :e"),
                {"h": token_hash, "e": email},
            )
    finally:
        engine.dispose()
    assert "hidden due to hide_parameters" in str(caught.value)
    assert token_hash not in str(caught.value) and email not in str(caught.value)


async def test_a_database_message_quoting_a_value_is_redacted_in_the_log(
    settings: Settings, captured_log: io.StringIO
) -> None:
    """PostgreSQL's own message may quote a value (`invalid input syntax ...: "<hash>"`):
    hidden parameters do not help there, the log formatter does (plain text output too)."""
    _, token_hash, email = secrets_in_flight()
    engine = create_engine(settings.database_url or "", pool_size=1)
    try:
        async with engine.connect() as conn:
            with pytest.raises(DBAPIError) as caught:
                await conn.execute(sa.text(f"SELECT CAST('{token_hash}' AS integer), '{email}'"))
    finally:
        await engine.dispose()
    assert token_hash in str(caught.value)  # the database said it itself

    configure(captured_log, json_output=False)
    logging.getLogger("saas.jobs").exception("job failed", exc_info=caught.value)
    text = captured_log.getvalue()
    assert "invalid input syntax" in text and "job failed" in text
    assert token_hash not in text and email not in text, text


@pytest.mark.parametrize("json_output", [True, False])
def test_the_log_redacts_tokens_cookies_passwords_hashes_and_emails(
    captured_log: io.StringIO, json_output: bool
) -> None:
    secret, token_hash, email = secrets_in_flight()
    session, csrf = new_secret(), new_secret(24)
    argon = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
    request_id = uuid.uuid4().hex
    configure(captured_log, json_output=json_output)
    log = logging.getLogger("saas.test")
    log.warning("authorization: Bearer %s from %s", secret, email, extra={"request_id": "x"})
    log.warning("cookie: kabinet_session=%s; kabinet_csrf=%s", session, csrf)
    log.warning("body {'email': '%s', 'password': 'Spring2026!', 'hash': '%s'}", email, argon)
    log.warning("[SQL: SELECT 1]\n[parameters: {'token_hash': '%s'}]", token_hash)
    log.warning("GET /invite?token=%s request %s", session, request_id)
    log.info("GET /files/%s 200", csrf, extra={"path": f"/files/{csrf}"})
    text = captured_log.getvalue()
    for leaked in (secret, token_hash, email, session, csrf, "Spring2026!", argon):
        assert leaked not in text, text
    # What an operator needs stays: the request id (32 hex digits), the path, the words.
    assert request_id in text and "GET /invite" in text and "Bearer [redacted]" in text
    assert "GET /files/[redacted] 200" in text


def test_redact_keeps_ordinary_text() -> None:
    line = "job import_report_events of firm-a: 120 rows, tokens:manage refused for person 42"
    assert redact(line) == line


def test_a_policy_load_dumps_nothing_at_info_but_does_at_debug(
    captured_log: io.StringIO,
) -> None:
    """casbin prints the model and every rule at INFO on each load ("Policy:", "Model:"): at
    the process's INFO level the console shows none of it; at DEBUG it is there to read.
    (pycasbin disables its loggers after its first enforcer, so each load here is a first.)"""
    casbin_loggers = [logging.getLogger(f"casbin.{name}") for name in ("policy", "role")]

    def first_load() -> None:
        for logger in casbin_loggers:
            logger.disabled = False
        new_enforcer(rules)

    rules = [PolicyRule("p", ("role-marker", "t1", "reports", "read"))]
    configure(captured_log, json_output=False)
    first_load()
    assert "casbin" not in captured_log.getvalue()
    assert "Model:" not in captured_log.getvalue()

    configure_logging(json_output=False, level=logging.DEBUG)
    [handler] = logging.getLogger().handlers
    assert isinstance(handler, logging.StreamHandler)
    debug_log = io.StringIO()
    handler.setStream(debug_log)
    first_load()
    assert "casbin.policy" in debug_log.getvalue()
    assert "Model:" in debug_log.getvalue()


def test_a_job_returning_its_summary_is_no_warning(captured_log: io.StringIO) -> None:
    """dramatiq warns for every actor returning a value when no result backend is set; ours
    return their summary on purpose: that line never shows, other worker warnings still do."""
    configure(captured_log, json_output=False)
    worker = logging.getLogger("dramatiq.worker.WorkerThread")
    worker.warning(
        "Actor 'sweep_unpublished_events' returned a value that is not None, and you haven't "
        "added the Results middleware to the broker, so the value has been discarded."
    )
    worker.warning("Failed to process message sweep_unpublished_events() with unhandled exception.")
    text = captured_log.getvalue()
    assert "Results middleware" not in text
    assert "Failed to process message sweep_unpublished_events()" in text
