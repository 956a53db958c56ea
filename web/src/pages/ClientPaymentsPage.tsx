// The customer's payments to performers (client cabinet, an organization granting
// 'performers'): form a payment registry of the signed acts, download its 1CClientBankExchange
// file for the bank, mark it paid (after a confirmation), the НПД receipts the payment gave;
// the risk signals of disguised employment concerning the organization (informational, never
// blocking); the settings: the responsible person and the payer's account.
import { useEffect, useState } from "react";
import type { FormEvent } from "react";
import { Link, Navigate, useParams } from "react-router";
import { useMutation, useQuery } from "urql";
import {
  ClientOrganizationDocument,
  CustomerAgencyDocumentsDocument,
  CustomerPaymentRegistriesDocument,
  CustomerPerformerReceiptsDocument,
  CustomerPerformerSettingsDocument,
  CustomerRiskSignalsDocument,
  FormCustomerPaymentRegistryDocument,
  MarkCustomerRegistryPaidDocument,
  SaveCustomerPerformerSettingsDocument,
} from "../graphql/generated";
import type { CustomerRegistryFieldsFragment, CustomerSettingsFieldsFragment } from "../graphql/generated";
import { Shell } from "../components/Shell";
import { ErrorAlert, OkAlert } from "../components/Alert";
import { ArrowLeftIcon } from "../components/Icon";
import { fieldErrorOf } from "../components/fieldError";
import type { FieldError } from "../components/fieldError";
import { AgencyDocumentList, RiskSignalList } from "../components/PerformerAdminParts";
import { useSession } from "../app/session";
import { ToLogin } from "../app/sessionWatch";
import { usePageTitle } from "../app/page";
import { useCabinetNav } from "../app/cabinetNav";
import { useT } from "../i18n";
import type { MessageKey } from "../i18n";
import { useFormat } from "../i18n/format";
import "../performerAdmin.css";

/** The API's refusals of forming a registry, in the cabinet's words (its own text otherwise). */
const FORM_ERRORS: Record<string, MessageKey> = {
  PAYER_ACCOUNT_MISSING: "perfPay.error.PAYER_ACCOUNT_MISSING",
  NOTHING_TO_PAY: "perfPay.error.NOTHING_TO_PAY",
  ALL_HELD: "perfPay.error.ALL_HELD",
};

function Registry({ registry, onChange }: { registry: CustomerRegistryFieldsFragment; onChange: () => void }) {
  const t = useT();
  const f = useFormat();
  const [confirming, setConfirming] = useState(false);
  const [{ data, fetching }, markPaid] = useMutation(MarkCustomerRegistryPaidDocument);
  const outcome = data?.markPaymentRegistryPaid;
  const confirm = async () => {
    const result = await markPaid({ registryId: registry.id });
    setConfirming(false);
    if (result.data?.markPaymentRegistryPaid.__typename === "PaymentRegistry") onChange();
  };
  return (
    <li className="card perf-card" data-testid="payment-registry" data-registry-id={registry.id} data-status={registry.status}>
      <h3>{t("perfPay.registry", { number: String(registry.number) })}</h3>
      <p>
        <span data-testid="registry-status">{t(`perfPay.registryStatus.${registry.status}` as MessageKey)}</span> ·{" "}
        <span data-testid="registry-total">{t("perfPay.total", { amount: f.money(registry.totalKopecks) })}</span> ·{" "}
        {t("perfPay.formedAt", { date: f.dateTime(registry.createdAt) })}
        {registry.paidAt && ` · ${t("perfPay.paidAt", { date: f.dateTime(registry.paidAt) })}`}
      </p>
      <ul className="perf-rows">
        {registry.payments.map((p) => (
          <li key={p.id} data-testid="registry-payment" data-status={p.status}>
            <strong>{p.performer?.fullName ?? "—"}</strong> · {f.money(p.amountKopecks)} ·{" "}
            <span data-testid="payment-status">{t(`perfPay.paymentStatus.${p.status}` as MessageKey)}</span>
            {p.status === "HELD" && p.heldReason && (
              <p className="perf-held" data-testid="held-reason">
                {t("perfPay.heldReason", { reason: p.heldReason })}
              </p>
            )}
            {p.receipt && ` · ${t("perfPay.receiptNo", { number: p.receipt.receiptUid })}`}
          </li>
        ))}
      </ul>
      <div className="perf-actions">
        {registry.downloadUrl && (
          <a className="btn" href={registry.downloadUrl} download data-testid="registry-download">
            {t("perfPay.download1c")}
          </a>
        )}
        {registry.status === "FORMED" && !confirming && (
          <button type="button" className="btn btn-primary" onClick={() => setConfirming(true)} data-testid="mark-paid">
            {t("perfPay.markPaid")}
          </button>
        )}
      </div>
      {registry.sha256 && <p className="perf-hash">SHA-256: {registry.sha256}</p>}
      {confirming && (
        <div className="perf-confirm" role="group" aria-label={t("perfPay.markPaid")} data-testid="mark-paid-confirm">
          <p>{t("perfPay.confirmPaid", { number: String(registry.number), amount: f.money(registry.totalKopecks) })}</p>
          <button type="button" className="btn btn-primary" disabled={fetching} onClick={() => void confirm()} data-testid="mark-paid-yes">
            {t("perfPay.confirmYes")}
          </button>{" "}
          <button type="button" className="btn" onClick={() => setConfirming(false)} data-testid="mark-paid-no">
            {t("common.cancel")}
          </button>
        </div>
      )}
      {outcome && outcome.__typename !== "PaymentRegistry" && <ErrorAlert>{outcome.message}</ErrorAlert>}
    </li>
  );
}

function FormRegistry({ orgId, onFormed }: { orgId: string; onFormed: () => void }) {
  const t = useT();
  const [{ data, fetching }, form] = useMutation(FormCustomerPaymentRegistryDocument);
  const [formed, setFormed] = useState(false);
  const outcome = data?.formPaymentRegistry;
  const submit = async () => {
    setFormed(false);
    const result = await form({ organizationId: orgId });
    if (result.data?.formPaymentRegistry.__typename === "PaymentRegistry") {
      setFormed(true);
      onFormed();
    }
  };
  const refusal = outcome && outcome.__typename !== "PaymentRegistry" ? outcome : null;
  const refusalKey = refusal ? FORM_ERRORS[refusal.code] : undefined;
  return (
    <div className="card perf-card" data-testid="form-registry">
      <h2>{t("perfPay.formTitle")}</h2>
      <p>{t("perfPay.formHint")}</p>
      <button type="button" className="btn btn-primary" disabled={fetching} onClick={() => void submit()} data-testid="form-registry-submit">
        {t("perfPay.form")}
      </button>
      {refusal && (
        <div className="alert alert-error" role="alert" data-testid="registry-error" data-code={refusal.code}>
          {refusalKey ? t(refusalKey) : refusal.message}
        </div>
      )}
      {formed && <OkAlert>{t("perfPay.formed")}</OkAlert>}
    </div>
  );
}

function Receipts({ orgId, version }: { orgId: string; version: number }) {
  const t = useT();
  const f = useFormat();
  const [{ data, error }, refetch] = useQuery({
    query: CustomerPerformerReceiptsDocument,
    variables: { organizationId: orgId },
    requestPolicy: "cache-and-network",
  });
  useEffect(() => {
    if (version) refetch({ requestPolicy: "network-only" });
  }, [version, refetch]);
  const list = data?.performerReceipts ?? null;
  return (
    <section aria-labelledby="receipts-title">
      <h2 id="receipts-title">{t("perfPay.receipts")}</h2>
      {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      {list && list.length === 0 && <p>{t("perfPay.noReceipts")}</p>}
      <ul className="perf-list">
        {list?.map((r) => (
          <li key={r.id} className="card perf-card" data-testid="performer-receipt" data-status={r.status}>
            <strong>{t("perfPay.receiptNo", { number: r.receiptUid })}</strong> · {r.performer?.fullName ?? "—"} ·{" "}
            <span data-testid="receipt-amount">{f.money(r.amountKopecks)}</span>
            <p>
              {t("perfPay.receiptCustomer", { name: r.customerName, inn: r.customerInn })} · {f.dateTime(r.issuedAt)} ·{" "}
              {t(r.status === "CANCELLED" ? "perfPay.receiptCancelled" : "perfPay.receiptIssued")}
            </p>
            <a href={r.downloadUrl} download data-testid="receipt-download">
              {t("perfPay.downloadReceipt")}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

type Contacts = { id: string; displayName: string; email: string }[];

function Settings({ orgId, current, contacts, onSaved }: {
  orgId: string;
  current: CustomerSettingsFieldsFragment;
  contacts: Contacts;
  onSaved: () => void;
}) {
  const t = useT();
  const [responsible, setResponsible] = useState(current.responsible?.id ?? "");
  const [bank, setBank] = useState({
    bankName: current.bank?.bankName ?? "",
    bik: current.bank?.bik ?? "",
    corrAccount: current.bank?.corrAccount ?? "",
    account: current.bank?.account ?? "",
  });
  const [{ fetching }, save] = useMutation(SaveCustomerPerformerSettingsDocument);
  const [error, setError] = useState<FieldError>(null);
  const [saved, setSaved] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const any = Object.values(bank).some((v) => v.trim());
    const result = await save({
      organizationId: orgId,
      input: { responsiblePersonId: responsible || null, bank: any ? bank : null },
    });
    const outcome = result.data?.savePerformerCustomer;
    if (outcome?.__typename === "PerformerCustomer") {
      setError(null);
      setSaved(true);
      onSaved();
    } else {
      setError(fieldErrorOf(outcome, t("error.generic")));
    }
  };
  // A person who is not among the contacts listed (firm staff named by the firm) stays chosen.
  const people = current.responsible && !contacts.some((c) => c.id === current.responsible?.id)
    ? [...contacts, current.responsible]
    : contacts;
  const errorFor = (field: string) => (error && error.field === field ? error : null);
  const bankField = (key: keyof typeof bank, label: MessageKey) => {
    const own = errorFor(`bank.${key}`) ?? (key === "bankName" ? errorFor("bank") : null);
    return (
      <div className="field">
        <label htmlFor={`payer-${key}`}>{t(label)}</label>
        <input
          id={`payer-${key}`}
          value={bank[key]}
          inputMode={key === "bankName" ? undefined : "numeric"}
          aria-invalid={own ? true : undefined}
          aria-describedby={own ? `payer-${key}-error` : undefined}
          onChange={(e) => setBank({ ...bank, [key]: e.target.value })}
          data-testid={`payer-${key}`}
        />
        {own && (
          <p className="field-error" id={`payer-${key}-error`} data-testid="settings-field-error" data-field={own.field ?? ""}>
            {own.message}
          </p>
        )}
      </div>
    );
  };
  const responsibleError = errorFor("responsiblePersonId");
  const general = error && !error.field?.startsWith("bank") && error.field !== "responsiblePersonId" ? error : null;
  return (
    <form className="card perf-card" onSubmit={(e) => void submit(e)} data-testid="customer-settings">
      <h2>{t("perfPay.settings")}</h2>
      <div className="field">
        <label htmlFor="payer-responsible">{t("perfPay.responsible")}</label>
        <select
          id="payer-responsible"
          value={responsible}
          onChange={(e) => setResponsible(e.target.value)}
          aria-invalid={responsibleError ? true : undefined}
          data-testid="payer-responsible"
        >
          <option value="">{t("perfPay.nobody")}</option>
          {people.map((p) => (
            <option key={p.id} value={p.id}>
              {p.displayName || p.email}
            </option>
          ))}
        </select>
        {responsibleError && <p className="field-error">{responsibleError.message}</p>}
      </div>
      <h3>{t("perfPay.payerAccount")}</h3>
      {bankField("bankName", "performers.bankName")}
      {bankField("bik", "performers.bik")}
      {bankField("corrAccount", "performers.corrAccount")}
      {bankField("account", "performers.account")}
      {general && <ErrorAlert>{general.message}</ErrorAlert>}
      {saved && <OkAlert>{t("perfPay.settingsSaved")}</OkAlert>}
      <button type="submit" className="btn btn-primary" disabled={fetching} data-testid="settings-save">
        {t("common.save")}
      </button>
    </form>
  );
}

const REGISTRY_PAGE = 15; // the query's `first`

/** Older registries, a page at a time after the last one shown («Показать ещё»). */
function OlderRegistries({ orgId, after, onChange }: { orgId: string; after: string; onChange: () => void }) {
  const t = useT();
  const [shown, setShown] = useState(false);
  const [{ data, error }] = useQuery({
    query: CustomerPaymentRegistriesDocument,
    variables: { organizationId: orgId, after },
    pause: !shown,
    requestPolicy: "network-only",
  });
  const list = data?.paymentRegistries ?? null;
  if (!shown) {
    return (
      <button type="button" className="btn btn-secondary" onClick={() => setShown(true)} data-testid="registries-more">
        {t("perfPay.more")}
      </button>
    );
  }
  if (error) return <ErrorAlert>{t("error.generic")}</ErrorAlert>;
  if (!list) return <p role="status">{t("common.loading")}</p>;
  return (
    <>
      <ul className="perf-list">
        {list.map((r) => (
          <Registry key={r.id} registry={r} onChange={onChange} />
        ))}
      </ul>
      {list.length === REGISTRY_PAGE && <OlderRegistries orgId={orgId} after={list[list.length - 1].id} onChange={onChange} />}
    </>
  );
}

export function ClientPaymentsPage() {
  const t = useT();
  const { orgId = "" } = useParams();
  const { viewer, clientHere } = useSession();
  const nav = useCabinetNav(orgId);
  const cabinet = clientHere.find((c) => String(c.organizationId) === orgId);
  const [{ data }] = useQuery({ query: ClientOrganizationDocument, variables: { id: orgId }, pause: !cabinet });
  const org = data?.clientOrganization.__typename === "ClientOrganization" ? data.clientOrganization : null;
  const granted = org?.viewerGrants.includes("PERFORMERS") ?? false;
  const name = org?.name ?? cabinet?.organizationName ?? "";
  const [{ data: registries, error }, refetchRegistries] = useQuery({
    query: CustomerPaymentRegistriesDocument,
    variables: { organizationId: orgId },
    pause: !granted,
    requestPolicy: "cache-and-network",
  });
  const [{ data: risks }] = useQuery({
    query: CustomerRiskSignalsDocument,
    variables: { organizationId: orgId },
    pause: !granted,
    requestPolicy: "cache-and-network",
  });
  const [{ data: settings }, refetchSettings] = useQuery({
    query: CustomerPerformerSettingsDocument,
    variables: { organizationId: orgId },
    pause: !granted,
    requestPolicy: "cache-and-network",
  });
  const [{ data: agency, error: agencyError }] = useQuery({
    query: CustomerAgencyDocumentsDocument,
    variables: { organizationId: orgId },
    pause: !granted,
    requestPolicy: "cache-and-network",
  });
  const [version, setVersion] = useState(0);
  usePageTitle(name ? `${t("perfPay.title")}: ${name}` : t("perfPay.title"));
  if (!viewer) return <ToLogin />;
  if (!cabinet) return <Navigate to="/" replace />;
  const reload = () => {
    refetchRegistries({ requestPolicy: "network-only" });
    setVersion((v) => v + 1);
  };
  const list = registries?.paymentRegistries ?? null;
  const current = settings?.performerCustomer.__typename === "PerformerCustomer" ? settings.performerCustomer : null;
  const contactsOrg = settings?.clientOrganization.__typename === "ClientOrganization" ? settings.clientOrganization : null;
  const contacts: Contacts = (contactsOrg?.contacts ?? []).flatMap((c) => (c.person ? [c.person] : []));
  return (
    <Shell nav={nav}>
      <p>
        <Link to={`/cabinet/${orgId}/performers`}>
          <ArrowLeftIcon /> {t("performers.customerTitle")}
        </Link>
      </p>
      <div className="page-title">
        <h1>{t("perfPay.title")}</h1>
      </div>
      {!org && <p role="status">{t("common.loading")}</p>}
      {org && !granted && <ErrorAlert>{t("performers.noAccess")}</ErrorAlert>}
      {granted && (
        <div className="perf-page">
          <section aria-labelledby="risks-title" data-testid="customer-risks">
            <h2 id="risks-title">{t("perfRisk.title")}</h2>
            <p>{t("perfRisk.hint")}</p>
            <RiskSignalList signals={risks?.performerRiskSignals ?? null} />
          </section>
          <FormRegistry orgId={orgId} onFormed={reload} />
          <section aria-labelledby="registries-title">
            <h2 id="registries-title">{t("perfPay.registries")}</h2>
            {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
            {list && list.length === 0 && <p>{t("perfPay.noRegistries")}</p>}
            <ul className="perf-list">
              {list?.map((r) => (
                <Registry key={r.id} registry={r} onChange={reload} />
              ))}
            </ul>
            {list && list.length === REGISTRY_PAGE && <OlderRegistries orgId={orgId} after={list[list.length - 1].id} onChange={reload} />}
          </section>
          <Receipts orgId={orgId} version={version} />
          <section aria-labelledby="agency-title" data-testid="customer-agency-documents">
            <h2 id="agency-title">{t("perfAdmin.agencyDocuments")}</h2>
            <p>{t("perfPay.agencyHint")}</p>
            <AgencyDocumentList documents={agencyError ? [] : (agency?.performerAgencyDocuments ?? null)} />
          </section>
          {current && (
            <Settings
              orgId={orgId}
              current={current}
              contacts={contacts}
              onSaved={() => refetchSettings({ requestPolicy: "network-only" })}
            />
          )}
        </div>
      )}
    </Shell>
  );
}
