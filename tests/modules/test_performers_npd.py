"""The НПД gateway: the simulator's statuses, outages and rate limits; the status adapter
against a local HTTP server that imitates statusnpd.nalog.ru; the day cache per firm + INN;
retries with back-off; the receipts skeleton refusing until configured."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from saas.modules.performers.service.npd import (
    LIMITED,
    UNAVAILABLE,
    VALIDATION,
    NpdError,
    NpdNotConfigured,
    NpdSettings,
    NpdSimulator,
    NpdStatusAdapter,
    gateway_from,
)
from saas.modules.performers.service.status_cache import StatusChecker

INN = "500100732259"
DAY = date(2026, 12, 4)


async def test_simulator_statuses_per_inn() -> None:
    sim = NpdSimulator(statuses={"500100732259": False}, default_status=True)
    assert (await sim.taxpayer_status(INN, DAY)).self_employed is False
    other = await sim.taxpayer_status("771234567890", DAY)
    assert other.self_employed is True and "является" in other.message
    with pytest.raises(NpdError) as bad:
        await sim.taxpayer_status("12345", DAY)
    assert bad.value.code == VALIDATION and not bad.value.retryable


async def test_simulator_outage_and_rate_limit() -> None:
    sim = NpdSimulator(outage_calls=1, rate_limit=2)
    with pytest.raises(NpdError) as down:
        await sim.taxpayer_status(INN, DAY)
    assert down.value.code == UNAVAILABLE and down.value.retryable
    assert (await sim.taxpayer_status(INN, DAY)).self_employed
    with pytest.raises(NpdError) as limited:
        await sim.taxpayer_status(INN, DAY)
    assert limited.value.code == LIMITED


async def test_simulator_receipts_register_and_cancel() -> None:
    sim = NpdSimulator()
    receipt = await sim.register_receipt(INN, Decimal("1500.00"), "7707083893", "ООО Ромашка")
    assert receipt.amount == Decimal("1500.00") and receipt.customer_inn == "7707083893"
    cancelled = await sim.cancel_receipt(INN, receipt.receipt_id, "Возврат средств")
    assert cancelled.cancelled_reason == "Возврат средств"
    with pytest.raises(NpdError):
        await sim.cancel_receipt("771234567890", receipt.receipt_id, "чужой чек")


class _Tracker(BaseHTTPRequestHandler):
    answers: list[tuple[int, dict[str, object]]] = []
    seen: list[dict[str, object]] = []

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length", "0"))
        _Tracker.seen.append(json.loads(self.rfile.read(length)))
        code, body = _Tracker.answers.pop(0)
        payload = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def tracker() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Tracker)
    _Tracker.answers, _Tracker.seen = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/api/v1/tracker/taxpayer_status"
    server.shutdown()


async def test_adapter_reads_status_and_sends_inn_and_date(tracker: str) -> None:
    _Tracker.answers = [(200, {"status": True, "message": f"{INN} является плательщиком НПД"})]
    status = await NpdStatusAdapter(url=tracker).taxpayer_status(INN, DAY)
    assert status.self_employed is True
    assert _Tracker.seen == [{"inn": INN, "requestDate": "2026-12-04"}]


async def test_adapter_maps_errors(tracker: str) -> None:
    _Tracker.answers = [
        (422, {"code": VALIDATION, "message": "Указан некорректный ИНН"}),
        (422, {"code": LIMITED, "message": "Превышено количество запросов"}),
        (503, {}),
    ]
    adapter = NpdStatusAdapter(url=tracker)
    with pytest.raises(NpdError) as bad:
        await adapter.taxpayer_status(INN, DAY)
    assert bad.value.code == VALIDATION and not bad.value.retryable
    with pytest.raises(NpdError) as limited:
        await adapter.taxpayer_status(INN, DAY)
    assert limited.value.code == LIMITED and limited.value.retryable
    with pytest.raises(NpdError) as down:
        await adapter.taxpayer_status(INN, DAY)
    assert down.value.code == "http.503" and down.value.retryable


async def test_adapter_unreachable_is_retryable() -> None:
    adapter = NpdStatusAdapter(url="http://127.0.0.1:9/none", timeout=2)
    with pytest.raises(NpdError) as down:
        await adapter.taxpayer_status(INN, DAY)
    assert down.value.code == UNAVAILABLE and down.value.retryable


async def test_receipts_skeleton_refuses_until_configured() -> None:
    gateway = gateway_from(NpdSettings(gateway="nalog"))
    with pytest.raises(NpdNotConfigured) as refused:
        await gateway.register_receipt(INN, Decimal("10"), "7707083893", "ООО Ромашка")
    assert "SAAS_NPD_PARTNER_ID" in refused.value.message
    assert isinstance(gateway_from(NpdSettings()), NpdSimulator)
    with pytest.raises(ValueError):
        gateway_from(NpdSettings(gateway="other"))


async def test_settings_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAAS_NPD_GATEWAY", "nalog")
    monkeypatch.setenv("SAAS_NPD_RETRIES", "5")
    settings = NpdSettings.from_env()
    assert settings.gateway == "nalog" and settings.retries == 5
    assert isinstance(gateway_from(settings), NpdStatusAdapter)


async def test_cache_per_firm_and_day_and_backoff() -> None:
    sim = NpdSimulator(outage_calls=2)
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    checker = StatusChecker(sim, retries=3, backoff_seconds=0.5, sleep=sleep)
    assert (await checker.status("firm_a", INN, DAY)).self_employed
    assert pauses == [0.5, 1.0] and sim.calls == 3
    await checker.status("firm_a", INN, DAY)
    assert sim.calls == 3  # cached for the day
    sim.statuses[INN] = False
    assert (await checker.status("firm_b", INN, DAY)).self_employed is False  # tenant in the key
    assert (await checker.status("firm_a", INN, date(2026, 12, 5))).self_employed is False


async def test_backoff_gives_up_after_retries() -> None:
    async def sleep(seconds: float) -> None:
        pass

    checker = StatusChecker(NpdSimulator(outage_calls=10), retries=2, sleep=sleep)
    with pytest.raises(NpdError) as down:
        await checker.status("firm_a", INN, DAY)
    assert down.value.code == UNAVAILABLE
