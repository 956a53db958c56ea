"""The НПД gateway: one interface for the tax service (taxpayer status by INN and date; receipts
register/cancel), a simulator (default in development and tests) and the status-check adapter
for https://statusnpd.nalog.ru/api/v1/tracker/taxpayer_status.

The public status check answers 200 {"status": bool, "message": str}; errors come as JSON
{"code": str, "message": str}: 422 "validation.failed" (bad INN or date), 422/429
"taxpayer.status.service.limited.error" (too many requests: 2 per minute per address),
5xx / "taxpayer.status.service.unavailable" when the service is down."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol

import httpx

STATUS_URL = "https://statusnpd.nalog.ru/api/v1/tracker/taxpayer_status"
LIMITED = "taxpayer.status.service.limited.error"
UNAVAILABLE = "taxpayer.status.service.unavailable"
VALIDATION = "validation.failed"


class NpdError(Exception):
    """The service refused or failed; `code` is the service's own error code."""

    def __init__(self, code: str, message: str, *, retryable: bool = False) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retryable = retryable


class NpdNotConfigured(NpdError):
    def __init__(self, what: str) -> None:
        super().__init__("npd.not_configured", what)


@dataclass(frozen=True)
class TaxpayerStatus:
    inn: str
    on: date
    self_employed: bool
    message: str


@dataclass(frozen=True)
class Receipt:
    receipt_id: str
    inn: str
    amount: Decimal
    customer_inn: str
    customer_name: str
    cancelled_reason: str | None = None


class NpdGateway(Protocol):
    async def taxpayer_status(self, inn: str, on: date) -> TaxpayerStatus: ...

    async def register_receipt(
        self, inn: str, amount: Decimal, customer_inn: str, customer_name: str
    ) -> Receipt: ...

    async def cancel_receipt(self, inn: str, receipt_id: str, reason: str) -> Receipt: ...


def _check_inn_shape(inn: str) -> None:
    if not (inn.isdigit() and len(inn) == 12):
        raise NpdError(VALIDATION, "ИНН физического лица — 12 цифр")


@dataclass
class NpdSimulator:
    """Configurable stand-in: statuses per INN (unknown INNs are self-employed unless
    `default_status` says otherwise), a delay, an outage (every call fails as the service
    being down), and a rate limit of `rate_limit` status calls (then LIMITED errors)."""

    statuses: dict[str, bool] = field(default_factory=dict)
    default_status: bool = True
    delay_seconds: float = 0.0
    outage_calls: int = 0
    rate_limit: int | None = None
    calls: int = 0
    receipts: dict[str, Receipt] = field(default_factory=dict)

    async def _enter(self) -> None:
        self.calls += 1
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if self.outage_calls > 0:
            self.outage_calls -= 1
            raise NpdError(UNAVAILABLE, "Сервис временно недоступен", retryable=True)
        if self.rate_limit is not None and self.calls > self.rate_limit:
            raise NpdError(LIMITED, "Превышено количество запросов", retryable=True)

    async def taxpayer_status(self, inn: str, on: date) -> TaxpayerStatus:
        await self._enter()
        _check_inn_shape(inn)
        ok = self.statuses.get(inn, self.default_status)
        text = "является" if ok else "не является"
        return TaxpayerStatus(
            inn, on, ok, f"{inn} {text} плательщиком налога на профессиональный доход"
        )

    async def register_receipt(
        self, inn: str, amount: Decimal, customer_inn: str, customer_name: str
    ) -> Receipt:
        _check_inn_shape(inn)
        if amount <= 0:
            raise NpdError(VALIDATION, "Сумма чека должна быть больше нуля")
        receipt = Receipt(f"sim-{len(self.receipts) + 1}", inn, amount, customer_inn, customer_name)
        self.receipts[receipt.receipt_id] = receipt
        return receipt

    async def cancel_receipt(self, inn: str, receipt_id: str, reason: str) -> Receipt:
        receipt = self.receipts.get(receipt_id)
        if receipt is None or receipt.inn != inn:
            raise NpdError("receipt.not_found", "Чек не найден")
        cancelled = Receipt(**{**receipt.__dict__, "cancelled_reason": reason})
        self.receipts[receipt_id] = cancelled
        return cancelled


@dataclass
class NpdStatusAdapter:
    """The tax service's public status check over httpx; receipts go through the partner API,
    which this adapter does not speak (see `NpdPartnerReceipts`)."""

    url: str = STATUS_URL
    timeout: float = 10.0
    receipts: NpdPartnerReceipts | None = None

    async def taxpayer_status(self, inn: str, on: date) -> TaxpayerStatus:
        _check_inn_shape(inn)
        body = {"inn": inn, "requestDate": on.isoformat()}
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(self.url, json=body)
        except httpx.HTTPError as exc:
            raise NpdError(UNAVAILABLE, str(exc) or type(exc).__name__, retryable=True) from exc
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code == 200 and isinstance(data.get("status"), bool):
            return TaxpayerStatus(inn, on, data["status"], str(data.get("message", "")))
        code = str(data.get("code") or f"http.{response.status_code}")
        message = str(data.get("message") or response.reason_phrase)
        retryable = response.status_code >= 500 or response.status_code == 429 or code == LIMITED
        raise NpdError(code, message, retryable=retryable)

    async def register_receipt(
        self, inn: str, amount: Decimal, customer_inn: str, customer_name: str
    ) -> Receipt:
        return await (self.receipts or NpdPartnerReceipts()).register_receipt(
            inn, amount, customer_inn, customer_name
        )

    async def cancel_receipt(self, inn: str, receipt_id: str, reason: str) -> Receipt:
        return await (self.receipts or NpdPartnerReceipts()).cancel_receipt(inn, receipt_id, reason)


@dataclass
class NpdPartnerReceipts:
    """Skeleton of the ФНС partner API (SmzPartnersIntegrationService over СМЭВ: PostIncomeRequest
    / PostCancelReceiptRequest, with a partner id and token issued by the tax service). Until a
    partner id and token are configured every call refuses with `npd.not_configured`."""

    partner_id: str | None = None
    token: str | None = None

    async def register_receipt(
        self, inn: str, amount: Decimal, customer_inn: str, customer_name: str
    ) -> Receipt:
        raise NpdNotConfigured(self._why())

    async def cancel_receipt(self, inn: str, receipt_id: str, reason: str) -> Receipt:
        raise NpdNotConfigured(self._why())

    def _why(self) -> str:
        if not (self.partner_id and self.token):
            return "receipts need SAAS_NPD_PARTNER_ID and SAAS_NPD_PARTNER_TOKEN (partner API)"
        return "the partner API client is not implemented yet (issue 17)"


@dataclass(frozen=True)
class NpdSettings:
    """SAAS_NPD_GATEWAY=simulator|nalog (default simulator), SAAS_NPD_STATUS_URL,
    SAAS_NPD_RETRIES (default 3), SAAS_NPD_BACKOFF_SECONDS (default 1.0),
    SAAS_NPD_PARTNER_ID / SAAS_NPD_PARTNER_TOKEN for receipts."""

    gateway: str = "simulator"
    status_url: str = STATUS_URL
    retries: int = 3
    backoff_seconds: float = 1.0
    partner_id: str | None = None
    partner_token: str | None = None

    @classmethod
    def from_env(cls) -> NpdSettings:
        env = os.environ
        return cls(
            gateway=env.get("SAAS_NPD_GATEWAY") or "simulator",
            status_url=env.get("SAAS_NPD_STATUS_URL") or STATUS_URL,
            retries=int(env.get("SAAS_NPD_RETRIES") or 3),
            backoff_seconds=float(env.get("SAAS_NPD_BACKOFF_SECONDS") or 1.0),
            partner_id=env.get("SAAS_NPD_PARTNER_ID") or None,
            partner_token=env.get("SAAS_NPD_PARTNER_TOKEN") or None,
        )


def gateway_from(settings: NpdSettings) -> NpdGateway:
    if settings.gateway == "nalog":
        receipts = NpdPartnerReceipts(settings.partner_id, settings.partner_token)
        return NpdStatusAdapter(url=settings.status_url, receipts=receipts)
    if settings.gateway == "simulator":
        return NpdSimulator()
    raise ValueError(f"SAAS_NPD_GATEWAY: unknown gateway {settings.gateway!r}")
