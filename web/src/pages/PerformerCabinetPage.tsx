// The performer's cabinet at this firm (performers module): the profile with the НПД status,
// the open orders to respond to, and "my work" — my orders and my contracts with their acts,
// signed by a code from the e-mail. One module and chunk: the three share the frame.
import { useState } from "react";
import type { FormEvent, ReactNode } from "react";
import { useMutation, useQuery } from "urql";
import {
  CheckMyNpdStatusDocument,
  PerformerContractsDocument,
  PerformerOrdersDocument,
  PerformerProfileDocument,
  RespondToPerformerOrderDocument,
  SavePerformerProfileDocument,
} from "../graphql/generated";
import type { PerformerOrderFieldsFragment, PerformerProfileFieldsFragment } from "../graphql/generated";
import { PerformerFrame } from "../components/PerformerFrame";
import { FormerEmployersEditor, PortfolioPanel } from "../components/PerformerProfileParts";
import type { EmployerRow } from "../components/PerformerProfileParts";
import { fieldErrorOf } from "../components/fieldError";
import { ErrorAlert, OkAlert } from "../components/Alert";
import { ContractCard, rublesToKopecks, splitSkills } from "../components/PerformerParts";
import { useT } from "../i18n";
import type { MessageKey } from "../i18n";
import { useFormat } from "../i18n/format";
import { OrderConversation } from "../components/OrderConversation";

function Field({ id, label, error, children }: { id: string; label: string; error?: string | null; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {error && (
        <p className="field-error" id={`${id}-error`} role="alert" data-testid="profile-field-error" data-field={id.replace(/^profile-/, "")}>
          {error}
        </p>
      )}
    </div>
  );
}

function NpdLine({ profile, onChecked }: { profile: PerformerProfileFieldsFragment; onChecked: () => void }) {
  const t = useT();
  const f = useFormat();
  const [{ data, fetching }, check] = useMutation(CheckMyNpdStatusDocument);
  const outcome = data?.checkMyNpdStatus;
  return (
    <div className="card performer-npd" data-testid="npd">
      <p>
        <strong data-testid="npd-status" data-status={profile.npdStatus}>
          {t("performers.npd", { status: t(`performers.npd.${profile.npdStatus}` as MessageKey) })}
        </strong>
        {profile.npdCheckedOn && ` (${t("performers.npdCheckedOn", { date: f.date(profile.npdCheckedOn) })})`}
      </p>
      {profile.npdMessage && <p>{profile.npdMessage}</p>}
      <button
        type="button"
        className="btn"
        disabled={fetching}
        data-testid="npd-check"
        onClick={() => void check({}).then((r) => r.data?.checkMyNpdStatus.__typename === "PerformerProfile" && onChecked())}
      >
        {t("performers.checkNpd")}
      </button>
      {outcome && outcome.__typename !== "PerformerProfile" && <ErrorAlert>{outcome.message}</ErrorAlert>}
    </div>
  );
}

/** The API names the refused field ("inn", "bank.bik", "formerEmployers"); the form's key. */
const FIELD_OF: Record<string, string> = {
  "bank.bik": "bik",
  "bank.corrAccount": "corrAccount",
  "bank.account": "account",
  "bank.bankName": "bankName",
};

function ProfileForm({ profile, onSaved }: { profile: PerformerProfileFieldsFragment | null; onSaved: () => void }) {
  const t = useT();
  const [v, setV] = useState({
    inn: profile?.inn ?? "",
    fullName: profile?.fullName ?? "",
    phone: profile?.phone ?? "",
    skills: profile?.skills.join(", ") ?? "",
    about: profile?.about ?? "",
    bankName: profile?.bank?.bankName ?? "",
    bik: profile?.bank?.bik ?? "",
    corrAccount: profile?.bank?.corrAccount ?? "",
    account: profile?.bank?.account ?? "",
  });
  const [employers, setEmployers] = useState<EmployerRow[]>(() => (profile?.formerEmployers ?? []).map((e) => ({ inn: e.inn, until: e.until })));
  const [{ data, fetching }, save] = useMutation(SavePerformerProfileDocument);
  const [saved, setSaved] = useState(false);
  const outcome = data?.savePerformerProfile;
  const refused = outcome && outcome.__typename !== "PerformerProfile" ? fieldErrorOf(outcome, t("error.generic"), { INN_TAKEN: "inn" }) : null;
  const errorField = refused?.field ? (FIELD_OF[refused.field] ?? refused.field) : null;
  const errorOf = (key: string) => (errorField === key ? refused?.message : null);
  const set = (key: keyof typeof v) => (e: { target: { value: string } }) => setV({ ...v, [key]: e.target.value });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const anyBank = v.bankName || v.bik || v.corrAccount || v.account;
    const input = {
      inn: v.inn.trim(),
      fullName: v.fullName.trim(),
      phone: v.phone.trim() || null,
      skills: splitSkills(v.skills),
      about: v.about,
      bank: anyBank ? { bankName: v.bankName.trim(), bik: v.bik.trim(), corrAccount: v.corrAccount.trim(), account: v.account.trim() } : null,
      formerEmployers: employers.filter((e) => e.inn.trim() || e.until).map((e) => ({ inn: e.inn.trim(), until: e.until })),
    };
    const result = await save({ input });
    if (result.data?.savePerformerProfile.__typename === "PerformerProfile") {
      setSaved(true);
      onSaved();
    }
  };
  const input = (key: keyof typeof v, label: string, extra: { required?: boolean; inputMode?: "numeric" | "tel" } = {}) => {
    const error = errorOf(key);
    return (
      <Field id={`profile-${key}`} label={label} error={error}>
        <input
          id={`profile-${key}`}
          type={extra.inputMode === "tel" ? "tel" : "text"}
          value={v[key]}
          onChange={set(key)}
          data-testid={`profile-${key}`}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `profile-${key}-error` : undefined}
          {...extra}
        />
      </Field>
    );
  };
  const shownAtField = errorField && ["inn", "fullName", "phone", "skills", "about", "bankName", "bik", "corrAccount", "account", "bank", "formerEmployers"].includes(errorField);
  return (
    <form className="card performer-profile" onSubmit={(e) => void submit(e)} data-testid="profile-form">
      {input("inn", t("performers.inn"), { required: true, inputMode: "numeric" })}
      {input("fullName", t("performers.fullName"), { required: true })}
      {input("phone", t("performers.phone"), { inputMode: "tel" })}
      {input("skills", t("performers.skills"))}
      {profile && profile.skills.length > 0 && (
        <ul className="performer-skills" aria-label={t("performerMoney.skillsList")} data-testid="profile-skill-chips">
          {profile.skills.map((skill) => (
            <li key={skill} className="badge">
              {skill}
            </li>
          ))}
        </ul>
      )}
      <Field id="profile-about" label={t("performers.about")} error={errorOf("about")}>
        <textarea id="profile-about" value={v.about} onChange={set("about")} data-testid="profile-about" />
      </Field>
      <fieldset aria-describedby={errorField === "bank" ? "profile-bank-error" : undefined}>
        <legend>{t("performers.bankTitle")}</legend>
        {profile && !profile.hasBankDetails && <p className="hint">{t("performerMoney.noBank")}</p>}
        {input("bankName", t("performers.bankName"))}
        {input("bik", t("performers.bik"), { inputMode: "numeric" })}
        {input("corrAccount", t("performers.corrAccount"), { inputMode: "numeric" })}
        {input("account", t("performers.account"), { inputMode: "numeric" })}
        {errorField === "bank" && (
          <p className="field-error" id="profile-bank-error" role="alert" data-testid="profile-field-error" data-field="bank">
            {refused?.message}
          </p>
        )}
      </fieldset>
      <FormerEmployersEditor rows={employers} onChange={setEmployers} error={errorOf("formerEmployers")} />
      {refused && !shownAtField && <ErrorAlert>{refused.message}</ErrorAlert>}
      {saved && <OkAlert>{t("performers.saved")}</OkAlert>}
      <button type="submit" className="btn btn-primary" disabled={fetching} data-testid="profile-save">
        {t("common.save")}
      </button>
    </form>
  );
}

export function PerformerProfilePage() {
  const t = useT();
  const [{ data, error, fetching }, refetch] = useQuery({ query: PerformerProfileDocument, requestPolicy: "cache-and-network" });
  const profile = data?.performerProfile ?? null;
  const reload = () => refetch({ requestPolicy: "network-only" });
  return (
    <PerformerFrame title={t("performers.profileTitle")}>
      {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      {!data && fetching && <p role="status">{t("common.loading")}</p>}
      {profile && <NpdLine profile={profile} onChecked={reload} />}
      {data && <ProfileForm profile={profile} onSaved={reload} />}
      {profile && <PortfolioPanel items={profile.portfolio} onChange={reload} />}
    </PerformerFrame>
  );
}

function RespondForm({ order }: { order: PerformerOrderFieldsFragment }) {
  const t = useT();
  const [message, setMessage] = useState("");
  const [price, setPrice] = useState("");
  const [{ data, fetching }, respond] = useMutation(RespondToPerformerOrderDocument);
  const outcome = data?.respondToPerformerOrder;
  if (outcome?.__typename === "PerformerResponse") return <OkAlert>{t("performers.responded")}</OkAlert>;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void respond({ orderId: order.id, message, priceKopecks: price.trim() ? rublesToKopecks(price) : null });
  };
  const id = (part: string) => `respond-${part}-${order.id}`;
  return (
    <form className="request-form" onSubmit={submit} data-testid="respond-form">
      <Field id={id("message")} label={t("performers.respondMessage")}>
        <textarea id={id("message")} value={message} onChange={(e) => setMessage(e.target.value)} data-testid="respond-message" />
      </Field>
      <Field id={id("price")} label={t("performers.respondPrice")}>
        <input id={id("price")} inputMode="decimal" value={price} onChange={(e) => setPrice(e.target.value)} data-testid="respond-price" />
      </Field>
      {outcome && <ErrorAlert>{outcome.message}</ErrorAlert>}
      <button type="submit" className="btn btn-primary" disabled={fetching} data-testid="respond-submit">
        {t("performers.respond")}
      </button>
    </form>
  );
}

export function OrderSummary({ order, children }: { order: PerformerOrderFieldsFragment; children?: ReactNode }) {
  const t = useT();
  const f = useFormat();
  return (
    <li className="card performer-order" data-testid="performer-order" data-order-id={order.id} data-status={order.status}>
      <h3>{order.title}</h3>
      {order.description && <p className="request-description">{order.description}</p>}
      <p>
        {t("performers.budget", { amount: f.money(order.budgetKopecks) })}
        {order.deadline && ` · ${t("performers.deadline", { date: f.date(order.deadline) })}`} ·{" "}
        <span data-testid="order-status">{t(`performers.orderStatus.${order.status}` as MessageKey)}</span>
      </p>
      {order.skills.length > 0 && <p className="hint">{order.skills.join(", ")}</p>}
      {children}
    </li>
  );
}

export function PerformerOrdersPage() {
  const t = useT();
  const [skill, setSkill] = useState("");
  const [applied, setApplied] = useState("");
  const [{ data, error }] = useQuery({
    query: PerformerOrdersDocument,
    variables: { skill: applied || null, status: "OPEN" },
    requestPolicy: "cache-and-network",
  });
  const orders = data?.performerOrders ?? null;
  return (
    <PerformerFrame title={t("performers.ordersTitle")}>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(skill.trim());
        }}
      >
        <label htmlFor="order-skill">{t("performers.skillFilter")}</label>
        <input id="order-skill" value={skill} onChange={(e) => setSkill(e.target.value)} data-testid="order-skill" />
        <button type="submit" className="btn">
          {t("performers.filter")}
        </button>
      </form>
      {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      {!orders && !error && <p role="status">{t("common.loading")}</p>}
      {orders && orders.length === 0 && <p>{t("performers.noOrders")}</p>}
      {orders && orders.length > 0 && (
        <ul className="performer-orders">
          {orders.map((order) => (
            <OrderSummary key={order.id} order={order}>
              <RespondForm order={order} />
              <OrderConversation orderId={order.id} organizationId={order.organizationId} label="performers.askCustomer" />
            </OrderSummary>
          ))}
        </ul>
      )}
    </PerformerFrame>
  );
}

export function PerformerWorkPage() {
  const t = useT();
  const [{ data: orders }] = useQuery({ query: PerformerOrdersDocument, variables: { mine: true }, requestPolicy: "cache-and-network" });
  const [{ data: contracts, error }, refetch] = useQuery({ query: PerformerContractsDocument, variables: {}, requestPolicy: "cache-and-network" });
  const reload = () => refetch({ requestPolicy: "network-only" });
  const mine = orders?.performerOrders ?? [];
  const list = contracts?.performerContracts ?? null;
  return (
    <PerformerFrame title={t("performers.workTitle")}>
      <h2>{t("performers.myOrders")}</h2>
      {mine.length === 0 && <p>{t("performers.noOrders")}</p>}
      <ul className="performer-orders">
        {mine.map((order) => (
          <OrderSummary key={order.id} order={order}>
            <OrderConversation orderId={order.id} organizationId={order.organizationId} label="performers.discuss" />
          </OrderSummary>
        ))}
      </ul>
      <h2>{t("performers.contracts")}</h2>
      {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      {list && list.length === 0 && <p>{t("performers.noContracts")}</p>}
      {list?.map((contract) => (
        <ContractCard key={contract.id} contract={contract} side="PERFORMER" onChange={reload} />
      ))}
    </PerformerFrame>
  );
}
