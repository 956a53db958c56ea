"""The job brokers a test runs on: PostgreSQL (the embedded default) always; Redis and
RabbitMQ when SAAS_TEST_REDIS_URL / SAAS_TEST_AMQP_URL point at one (as on CI's first
pass). A broker without its URL is not skipped in silence: `NOT_RUN` collects what was left
out and the suite's summary prints it (tests/conftest.py)."""

from __future__ import annotations

import os
from typing import Any

import pytest

NOT_RUN: set[str] = set()

_URLS = (("redis", "SAAS_TEST_REDIS_URL"), ("rabbitmq", "SAAS_TEST_AMQP_URL"))


def brokers(*names: str, why: str) -> list[Any]:
    """pytest params: PostgreSQL (id "postgres", value None), then each of `names` ("redis",
    "rabbitmq") whose URL is set; the others are recorded as not run, with `why`."""
    params = [pytest.param(None, id="postgres")]
    for name, variable in _URLS:
        if name not in names:
            continue
        if url := os.environ.get(variable):
            params.append(pytest.param(url, id=name))
        else:
            NOT_RUN.add(f"{why} on {name} ({variable} is not set)")
    return params
