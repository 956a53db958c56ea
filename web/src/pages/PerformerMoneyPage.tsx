// The performer's money, /performer/money («Доходы»): this year's income against the НПД limit
// of 2,400,000 ₽ (a bar, warnings at 80% and 95%), the tax estimate and the deduction, own
// statistics — all as `performerIncome` gives them, nothing recomputed here — then the payments
// (status, amount, customer, why held) and the НПД receipts (download, cancel with a reason).
import { useState } from "react";
import { useMutation, useQuery } from "urql";
import { CancelPerformerReceiptDocument, PerformerIncomeDocument, PerformerMoneyPaymentsDocument, PerformerMoneyReceiptsDocument, PerformerPaymentActsDocument } from "../graphql/generated";
import type { PerformerIncomeQuery, PerformerMoneyPaymentFieldsFragment, PerformerMoneyReceiptFieldsFragment, PerformerPaymentActsQuery, ReceiptCancelReason } from "../graphql/generated";
import { PerformerFrame } from "../components/PerformerFrame";
import { ErrorAlert, OkAlert, WarnAlert } from "../components/Alert";
import { useI18n, useT } from "../i18n";
import type { MessageKey } from "../i18n";
import { formatMonth, useFormat } from "../i18n/format";
import "../performerMoney.css";

type Income = NonNullable<PerformerIncomeQuery["performerIncome"]>;
type Payment = PerformerMoneyPaymentFieldsFragment;

const PAGE = 20; // the list queries' `first`

/** The share of the limit in percent with one decimal, for the bar and its label. */
function share(income: Income): number {
  if (income.limitKopecks <= 0) return 0;
  return Math.floor((income.incomeKopecks * 1000) / income.limitKopecks) / 10;
}

function LimitCard({ income }: { income: Income }) {
  const t = useT();
  const f = useFormat();
  const percent = share(income);
  const level = income.limitLevel;
  const warning =
    level === "EXCEEDED" ? (
      <ErrorAlert>
        <span data-testid="limit-warning" data-level={level}>
          {t("performerMoney.limit.EXCEEDED")}
        </span>
      </ErrorAlert>
    ) : level === "WARN_95" || level === "WARN_80" ? (
      <WarnAlert testId="limit-warning-box">
        <span data-testid="limit-warning" data-level={level}>
          {t(`performerMoney.limit.${level}` as MessageKey, { left: f.money(income.leftKopecks) })}
        </span>
      </WarnAlert>
    ) : null;
  return (
    <section className="card money-limit" data-testid="money-limit" data-level={level} aria-labelledby="money-limit-heading">
      <h2 id="money-limit-heading">{t("performerMoney.incomeTitle", { year: String(income.year) })}</h2>
      <p className="money-big" data-testid="money-income">
        {f.money(income.incomeKopecks)}
      </p>
      <p>
        <span data-testid="money-share">{t("performerMoney.share", { percent: f.number(percent, 1), limit: f.money(income.limitKopecks) })}</span>
      </p>
      <div
        className={`money-bar money-bar-${level.toLowerCase()}`}
        role="progressbar"
        aria-label={t("performerMoney.barLabel")}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.min(percent, 100)}
        aria-valuetext={t("performerMoney.share", { percent: f.number(percent, 1), limit: f.money(income.limitKopecks) })}
        data-testid="money-bar"
      >
        <div className="money-bar-fill" style={{ width: `${Math.min(percent, 100)}%` }} />
        <span className="money-bar-mark money-bar-mark-80" aria-hidden="true" />
        <span className="money-bar-mark money-bar-mark-95" aria-hidden="true" />
      </div>
      <p data-testid="money-left">{t("performerMoney.left", { amount: f.money(income.leftKopecks) })}</p>
      {warning}
      <p className="hint">{t("performerMoney.limitHint")}</p>
    </section>
  );
}

function TaxCard({ income }: { income: Income }) {
  const t = useT();
  const f = useFormat();
  return (
    <section className="card" data-testid="money-tax" aria-labelledby="money-tax-heading">
      <h2 id="money-tax-heading">{t("performerMoney.taxTitle")}</h2>
      <dl className="dl money-dl">
        <dt>{t("performerMoney.tax")}</dt>
        <dd data-testid="money-tax-amount">{f.money(income.taxKopecks)}</dd>
        <dt>{t("performerMoney.deductionUsed")}</dt>
        <dd data-testid="money-deduction-used">{f.money(income.deductionUsedKopecks)}</dd>
        <dt>{t("performerMoney.deductionLeft")}</dt>
        <dd data-testid="money-deduction-left">{f.money(income.deductionLeftKopecks)}</dd>
      </dl>
      <p className="hint">{t("performerMoney.taxHint")}</p>
    </section>
  );
}

function StatsCard({ income }: { income: Income }) {
  const t = useT();
  const f = useFormat();
  const rows: [string, string, string][] = [
    ["responded", t("performerMoney.stat.responded"), f.number(income.responded)],
    ["won", t("performerMoney.stat.won"), f.number(income.won)],
    ["done", t("performerMoney.stat.done"), f.number(income.done)],
    ["contracts", t("performerMoney.stat.contracts"), f.number(income.contractsSigned)],
    ["average", t("performerMoney.stat.average"), f.money(income.averageOrderKopecks)],
  ];
  return (
    <section className="card" data-testid="money-stats" aria-labelledby="money-stats-heading">
      <h2 id="money-stats-heading">{t("performerMoney.statsTitle")}</h2>
      <dl className="dl money-dl">
        {rows.map(([key, label, value]) => (
          <div className="money-dl-row" key={key}>
            <dt>{label}</dt>
            <dd data-testid={`money-stat-${key}`}>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function MonthsCard({ income }: { income: Income }) {
  const t = useT();
  const f = useFormat();
  const { lang } = useI18n();
  const months = income.byMonthKopecks.map((kopecks, n) => ({ month: n + 1, kopecks })).filter((m) => m.kopecks > 0);
  return (
    <section className="card" data-testid="money-months" aria-labelledby="money-months-heading">
      <h2 id="money-months-heading">{t("performerMoney.byMonth")}</h2>
      {months.length === 0 ? (
        <p>{t("performerMoney.noIncome")}</p>
      ) : (
        <dl className="dl money-dl">
          {months.map((m) => (
            <div className="money-dl-row" key={m.month} data-testid="money-month" data-month={m.month}>
              <dt>{formatMonth(income.year, m.month, lang)}</dt>
              <dd>{f.money(m.kopecks)}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}

/** What the payment is for: the contract and act the API's `actId` belongs to. */
function actLabels(data: PerformerPaymentActsQuery | undefined): Map<string, string> {
  const labels = new Map<string, string>();
  for (const contract of data?.performerContracts ?? []) {
    for (const act of contract.acts) labels.set(act.id, contract.order ? `${act.number} · ${contract.order.title}` : act.number);
  }
  return labels;
}

function PaymentItem({ payment, what }: { payment: Payment; what: string | undefined }) {
  const t = useT();
  const f = useFormat();
  return (
    <li className="card money-item" data-testid="money-payment" data-payment-id={payment.id} data-status={payment.status}>
      <p className="money-item-head">
        <strong>{f.money(payment.amountKopecks)}</strong> · <span data-testid="payment-status">{t(`performerMoney.paymentStatus.${payment.status}` as MessageKey)}</span>
        {payment.paidAt && ` · ${f.date(payment.paidAt)}`}
      </p>
      {what && <p>{t("performerMoney.forAct", { act: what })}</p>}
      <p data-testid="payment-customer">
        {payment.receipt
          ? t("performerMoney.customer", { name: payment.receipt.customerName, inn: payment.receipt.customerInn })
          : t("performerMoney.customerPending")}
      </p>
      {payment.heldReason && (
        <p className="money-held" data-testid="payment-held">
          {t("performerMoney.heldReason", { reason: payment.heldReason })}
        </p>
      )}
    </li>
  );
}

function CancelReceipt({ receipt, onDone }: { receipt: PerformerMoneyReceiptFieldsFragment; onDone: () => void }) {
  const t = useT();
  const f = useFormat();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState<ReceiptCancelReason | "">("");
  const [{ data, fetching }, cancel] = useMutation(CancelPerformerReceiptDocument);
  const outcome = data?.cancelPerformerReceipt;
  if (!open)
    return (
      <button type="button" className="btn" onClick={() => setOpen(true)} data-testid="receipt-cancel">
        {t("performerMoney.cancel")}
      </button>
    );
  const confirm = async () => {
    if (!reason) return;
    const result = await cancel({ receiptId: receipt.id, reason });
    if (result.data?.cancelPerformerReceipt.__typename === "PerformerReceipt") {
      setOpen(false);
      onDone();
    }
  };
  const name = `cancel-reason-${receipt.id}`;
  return (
    <div className="money-confirm" role="group" aria-labelledby={`${name}-q`} data-testid="receipt-cancel-confirm">
      <p id={`${name}-q`}>{t("performerMoney.cancelQuestion", { number: receipt.receiptUid, amount: f.money(receipt.amountKopecks) })}</p>
      <fieldset>
        <legend>{t("performerMoney.cancelReason")}</legend>
        {(["REFUND", "MISTAKE"] as const).map((value) => (
          <label key={value} className="money-radio">
            <input type="radio" name={name} value={value} checked={reason === value} onChange={() => setReason(value)} data-testid={`cancel-reason-${value}`} />{" "}
            {t(`performerMoney.reason.${value}` as MessageKey)}
          </label>
        ))}
      </fieldset>
      {outcome && outcome.__typename !== "PerformerReceipt" && <ErrorAlert>{outcome.message}</ErrorAlert>}
      <div className="money-actions">
        <button type="button" className="btn btn-danger" disabled={!reason || fetching} onClick={() => void confirm()} data-testid="receipt-cancel-yes">
          {t("performerMoney.cancelYes")}
        </button>
        <button type="button" className="btn" onClick={() => setOpen(false)} data-testid="receipt-cancel-no">
          {t("performerMoney.cancelNo")}
        </button>
      </div>
    </div>
  );
}

function ReceiptItem({ receipt, onChange }: { receipt: PerformerMoneyReceiptFieldsFragment; onChange: () => void }) {
  const t = useT();
  const f = useFormat();
  const cancelled = receipt.status === "CANCELLED";
  return (
    <li className="card money-item" data-testid="money-receipt" data-receipt-id={receipt.id} data-status={receipt.status}>
      <p className="money-item-head">
        <strong>{t("performerMoney.receiptNo", { number: receipt.receiptUid })}</strong> · {f.date(receipt.issuedAt)}
      </p>
      <p data-testid="receipt-customer">{t("performerMoney.customer", { name: receipt.customerName, inn: receipt.customerInn })}</p>
      <p>
        <strong data-testid="receipt-amount">{f.money(receipt.amountKopecks)}</strong> ·{" "}
        <span data-testid="receipt-status">
          {cancelled
            ? t("performerMoney.receiptCancelled", {
                reason: receipt.cancelReason ? t(`performerMoney.reason.${receipt.cancelReason}` as MessageKey) : "",
                date: receipt.cancelledAt ? f.date(receipt.cancelledAt) : "",
              })
            : t("performerMoney.receiptIssued")}
        </span>
      </p>
      <div className="money-actions">
        <a className="btn" href={receipt.downloadUrl} download data-testid="receipt-download">
          {t("performerMoney.downloadReceipt")}
        </a>
        {!cancelled && <CancelReceipt receipt={receipt} onDone={onChange} />}
      </div>
    </li>
  );
}

/** Older payments, a page at a time after the last one shown («Показать ещё»). */
function OlderPayments({ after, labels }: { after: string; labels: Map<string, string> }) {
  const t = useT();
  const [shown, setShown] = useState(false);
  const [{ data, error }] = useQuery({ query: PerformerMoneyPaymentsDocument, variables: { after }, pause: !shown, requestPolicy: "network-only" });
  const list = data?.performerPayments ?? null;
  if (!shown)
    return (
      <button type="button" className="btn" onClick={() => setShown(true)} data-testid="payments-more">
        {t("performerMoney.more")}
      </button>
    );
  if (error) return <ErrorAlert>{t("error.generic")}</ErrorAlert>;
  if (!list) return <p role="status">{t("common.loading")}</p>;
  return (
    <>
      <ul className="money-list">
        {list.map((payment) => (
          <PaymentItem key={payment.id} payment={payment} what={labels.get(payment.actId)} />
        ))}
      </ul>
      {list.length === PAGE && <OlderPayments after={list[list.length - 1].id} labels={labels} />}
    </>
  );
}

/** Older receipts, a page at a time after the last one shown («Показать ещё»). */
function OlderReceipts({ after, onChange }: { after: string; onChange: () => void }) {
  const t = useT();
  const [shown, setShown] = useState(false);
  const [{ data, error }, refetch] = useQuery({ query: PerformerMoneyReceiptsDocument, variables: { after }, pause: !shown, requestPolicy: "network-only" });
  const list = data?.performerReceipts ?? null;
  if (!shown)
    return (
      <button type="button" className="btn" onClick={() => setShown(true)} data-testid="receipts-more">
        {t("performerMoney.more")}
      </button>
    );
  if (error) return <ErrorAlert>{t("error.generic")}</ErrorAlert>;
  if (!list) return <p role="status">{t("common.loading")}</p>;
  const changed = () => {
    refetch({ requestPolicy: "network-only" });
    onChange();
  };
  return (
    <>
      <ul className="money-list">
        {list.map((receipt) => (
          <ReceiptItem key={receipt.id} receipt={receipt} onChange={changed} />
        ))}
      </ul>
      {list.length === PAGE && <OlderReceipts after={list[list.length - 1].id} onChange={onChange} />}
    </>
  );
}

export function PerformerMoneyPage() {
  const t = useT();
  const thisYear = new Date().getFullYear();
  const [year, setYear] = useState(thisYear);
  const [{ data: incomeData, error: incomeError }, refetchIncome] = useQuery({ query: PerformerIncomeDocument, variables: { year }, requestPolicy: "cache-and-network" });
  const [{ data: paymentsData, error: paymentsError }, refetchPayments] = useQuery({ query: PerformerMoneyPaymentsDocument, variables: {}, requestPolicy: "cache-and-network" });
  const [{ data: receiptsData, error: receiptsError }, refetchReceipts] = useQuery({ query: PerformerMoneyReceiptsDocument, variables: {}, requestPolicy: "cache-and-network" });
  const [{ data: acts }] = useQuery({ query: PerformerPaymentActsDocument, requestPolicy: "cache-and-network" });
  const [cancelled, setCancelled] = useState(false);
  const income = incomeData?.performerIncome ?? null;
  const labels = actLabels(acts);
  const payments = paymentsData?.performerPayments ?? null;
  const receipts = receiptsData?.performerReceipts ?? null;
  const reload = () => {
    setCancelled(true);
    refetchReceipts({ requestPolicy: "network-only" });
    refetchPayments({ requestPolicy: "network-only" });
    refetchIncome({ requestPolicy: "network-only" });
  };
  return (
    <PerformerFrame title={t("performerMoney.title")}>
      <div className="money-year">
        <label htmlFor="money-year">{t("performerMoney.year")}</label>
        <select id="money-year" value={year} onChange={(e) => setYear(Number(e.target.value))} data-testid="money-year">
          {[thisYear, thisYear - 1].map((y) => (
            <option key={y} value={y}>
              {y}
            </option>
          ))}
        </select>
      </div>
      {(incomeError || paymentsError || receiptsError) && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      {!incomeData && !incomeError && <p role="status">{t("common.loading")}</p>}
      {incomeData && !income && <p>{t("performers.fillProfileFirst")}</p>}
      {income && (
        <div className="money-grid">
          <LimitCard income={income} />
          <TaxCard income={income} />
          <MonthsCard income={income} />
          <StatsCard income={income} />
        </div>
      )}
      <h2>{t("performerMoney.payments")}</h2>
      {payments && payments.length === 0 && <p>{t("performerMoney.noPayments")}</p>}
      {payments && payments.length > 0 && (
        <ul className="money-list">
          {payments.map((payment) => (
            <PaymentItem key={payment.id} payment={payment} what={labels.get(payment.actId)} />
          ))}
        </ul>
      )}
      {payments && payments.length === PAGE && <OlderPayments after={payments[payments.length - 1].id} labels={labels} />}
      <h2>{t("performerMoney.receipts")}</h2>
      {cancelled && <OkAlert>{t("performerMoney.cancelled")}</OkAlert>}
      {receipts && receipts.length === 0 && <p>{t("performerMoney.noReceipts")}</p>}
      {receipts && receipts.length > 0 && (
        <ul className="money-list">
          {receipts.map((receipt) => (
            <ReceiptItem key={receipt.id} receipt={receipt} onChange={reload} />
          ))}
        </ul>
      )}
      {receipts && receipts.length === PAGE && <OlderReceipts after={receipts[receipts.length - 1].id} onChange={reload} />}
    </PerformerFrame>
  );
}
