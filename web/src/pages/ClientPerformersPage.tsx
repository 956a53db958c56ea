// The customer's side of the performers module in the client cabinet (contacts of an
// organization granting 'performers'): publish an order, the organization's orders with their
// responses, choose a performer (refused when they are not self-employed), make the contract,
// sign it by a code from the e-mail, accept work into an act and sign the act.
import { useState } from "react";
import type { FormEvent } from "react";
import { Link, Navigate, useParams } from "react-router";
import { useMutation, useQuery } from "urql";
import {
  AcceptPerformerWorkDocument,
  ChoosePerformerResponseDocument,
  ClientOrganizationDocument,
  CreatePerformerContractDocument,
  PerformerContractsDocument,
  PerformerOrdersDocument,
  PublishPerformerOrderDocument,
} from "../graphql/generated";
import type { PerformerContractFieldsFragment, PerformerOrderFieldsFragment } from "../graphql/generated";
import { Shell } from "../components/Shell";
import { ErrorAlert, OkAlert } from "../components/Alert";
import { ArrowLeftIcon } from "../components/Icon";
import { ContractCard, rublesToKopecks, splitSkills } from "../components/PerformerParts";
import { useSession } from "../app/session";
import { ToLogin } from "../app/sessionWatch";
import { usePageTitle } from "../app/page";
import { useCabinetNav } from "../app/cabinetNav";
import { useT } from "../i18n";
import type { MessageKey } from "../i18n";
import { useFormat } from "../i18n/format";
import { OrderConversation } from "../components/OrderConversation";

function PublishForm({ orgId, onPublished }: { orgId: string; onPublished: () => void }) {
  const t = useT();
  const [v, setV] = useState({ title: "", description: "", budget: "", deadline: "", skills: "" });
  const [{ data, fetching }, publish] = useMutation(PublishPerformerOrderDocument);
  const [done, setDone] = useState(false);
  const [invalid, setInvalid] = useState(false);
  const outcome = data?.publishPerformerOrder;
  const set = (key: keyof typeof v) => (e: { target: { value: string } }) => setV({ ...v, [key]: e.target.value });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(false);
    const budgetKopecks = rublesToKopecks(v.budget);
    setInvalid(budgetKopecks === null);
    if (budgetKopecks === null) return;
    const input = {
      organizationId: orgId,
      title: v.title.trim(),
      description: v.description,
      budgetKopecks,
      deadline: v.deadline || null,
      skills: splitSkills(v.skills),
    };
    const result = await publish({ input });
    if (result.data?.publishPerformerOrder.__typename === "PerformerOrder") {
      setV({ title: "", description: "", budget: "", deadline: "", skills: "" });
      setDone(true);
      onPublished();
    }
  };
  const field = (key: keyof typeof v, label: string, type = "text", required = false) => (
    <div className="field">
      <label htmlFor={`order-${key}`}>{label}</label>
      <input id={`order-${key}`} type={type} required={required} value={v[key]} onChange={set(key)} data-testid={`order-${key}`} />
    </div>
  );
  return (
    <form className="card request-form" onSubmit={(e) => void submit(e)} data-testid="publish-form">
      <h2>{t("performers.publishTitle")}</h2>
      {field("title", t("performers.title"), "text", true)}
      <div className="field">
        <label htmlFor="order-description">{t("performers.description")}</label>
        <textarea id="order-description" value={v.description} onChange={set("description")} data-testid="order-description" />
      </div>
      {field("budget", t("performers.budgetRub"), "text", true)}
      {field("deadline", t("performers.deadlineField"), "date")}
      {field("skills", t("performers.skills"))}
      {invalid && <ErrorAlert>{t("performers.budgetRub")}</ErrorAlert>}
      {outcome && outcome.__typename !== "PerformerOrder" && <ErrorAlert>{outcome.message}</ErrorAlert>}
      {done && <OkAlert>{t("performers.published")}</OkAlert>}
      <button type="submit" className="btn btn-primary" disabled={fetching} data-testid="publish-submit">
        {t("performers.publish")}
      </button>
    </form>
  );
}

function AcceptWork({ contract, onAccepted }: { contract: PerformerContractFieldsFragment; onAccepted: () => void }) {
  const t = useT();
  const [amount, setAmount] = useState("");
  const [{ data, fetching }, accept] = useMutation(AcceptPerformerWorkDocument);
  const outcome = data?.acceptPerformerWork;
  if (contract.status !== "SIGNED") return null;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const amountKopecks = rublesToKopecks(amount);
    if (amountKopecks === null) return;
    const result = await accept({ contractId: contract.id, amountKopecks });
    if (result.data?.acceptPerformerWork.__typename === "PerformerAct") {
      setAmount("");
      onAccepted();
    }
  };
  return (
    <form className="inline-form" onSubmit={(e) => void submit(e)} data-testid="accept-form">
      <label htmlFor={`accept-${contract.id}`}>{t("performers.acceptAmount")}</label>
      <input id={`accept-${contract.id}`} inputMode="decimal" required value={amount} onChange={(e) => setAmount(e.target.value)} data-testid="accept-amount" />
      <button type="submit" className="btn btn-primary" disabled={fetching} data-testid="accept-submit">
        {t("performers.accept")}
      </button>
      {outcome && outcome.__typename !== "PerformerAct" && <ErrorAlert>{outcome.message}</ErrorAlert>}
    </form>
  );
}

function CustomerOrder({ order, contract, onChange }: {
  order: PerformerOrderFieldsFragment;
  contract: PerformerContractFieldsFragment | undefined;
  onChange: () => void;
}) {
  const t = useT();
  const f = useFormat();
  const [{ data: chosen, fetching: choosing }, choose] = useMutation(ChoosePerformerResponseDocument);
  const [{ data: made, fetching: making }, make] = useMutation(CreatePerformerContractDocument);
  const chooseOutcome = chosen?.choosePerformerResponse;
  const makeOutcome = made?.createPerformerContract;
  const done = (ok: boolean) => ok && onChange();
  return (
    <li className="card performer-order" data-testid="customer-order" data-order-id={order.id} data-status={order.status}>
      <h3>{order.title}</h3>
      <p>
        {t("performers.budget", { amount: f.money(order.budgetKopecks) })}
        {order.deadline && ` · ${t("performers.deadline", { date: f.date(order.deadline) })}`} ·{" "}
        <span data-testid="order-status">{t(`performers.orderStatus.${order.status}` as MessageKey)}</span>
      </p>
      {order.performer && <p data-testid="order-performer">{t("performers.performer", { name: order.performer.fullName })}</p>}
      {order.status === "OPEN" && (
        <>
          <h4>{t("performers.responses")}</h4>
          {order.responses.length === 0 && <p>{t("performers.noResponses")}</p>}
          <ul className="performer-responses">
            {order.responses.map((r) => (
              <li key={r.id} data-testid="order-response" data-response-id={r.id}>
                <strong>{r.performer?.fullName}</strong>
                {r.performer && (
                  <>
                    {" "}
                    · {r.performer.skills.join(", ")} · {t("performers.npd", { status: t(`performers.npd.${r.performer.npdStatus}` as MessageKey) })} ·{" "}
                    {t("performers.rating", { count: r.performer.ordersDone })}
                  </>
                )}
                {r.priceKopecks != null && ` · ${t("performers.price", { amount: f.money(r.priceKopecks) })}`} ·{" "}
                {t(`performers.responseStatus.${r.status}` as MessageKey)}
                {r.message && <p>{r.message}</p>}
                {r.performer && <OrderConversation orderId={order.id} organizationId={order.organizationId} performerId={r.performer.id} label="performers.discussWithPerformer" />}
                {r.status === "PENDING" && (
                  <button
                    type="button"
                    className="btn btn-primary"
                    disabled={choosing}
                    data-testid="choose-response"
                    onClick={() => void choose({ responseId: r.id }).then((res) => done(res.data?.choosePerformerResponse.__typename === "PerformerOrder"))}
                  >
                    {t("performers.choose")}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      {chooseOutcome && chooseOutcome.__typename !== "PerformerOrder" && (
        <div className="alert alert-error" role="alert" data-testid="choose-error" data-code={chooseOutcome.code}>
          {chooseOutcome.message}
        </div>
      )}
      {order.status === "ASSIGNED" && !contract && (
        <button
          type="button"
          className="btn btn-primary"
          disabled={making}
          data-testid="make-contract"
          onClick={() => void make({ orderId: order.id }).then((res) => done(res.data?.createPerformerContract.__typename === "PerformerContract"))}
        >
          {t("performers.makeContract")}
        </button>
      )}
      {makeOutcome && makeOutcome.__typename !== "PerformerContract" && <ErrorAlert>{makeOutcome.message}</ErrorAlert>}
      {contract && <ContractCard contract={contract} side="CUSTOMER" onChange={onChange} extra={(changed) => <AcceptWork contract={contract} onAccepted={changed} />} />}
    </li>
  );
}

export function ClientPerformersPage() {
  const t = useT();
  const { orgId = "" } = useParams();
  const { viewer, clientHere } = useSession();
  const nav = useCabinetNav(orgId);
  const cabinet = clientHere.find((c) => String(c.organizationId) === orgId);
  const [{ data }] = useQuery({ query: ClientOrganizationDocument, variables: { id: orgId }, pause: !cabinet });
  const org = data?.clientOrganization.__typename === "ClientOrganization" ? data.clientOrganization : null;
  const granted = org?.viewerGrants.includes("PERFORMERS") ?? false;
  const name = org?.name ?? cabinet?.organizationName ?? "";
  const [{ data: orders, error }, refetchOrders] = useQuery({
    query: PerformerOrdersDocument,
    variables: { organizationId: orgId },
    pause: !granted,
    requestPolicy: "cache-and-network",
  });
  const [{ data: contracts, error: contractsError }, refetchContracts] = useQuery({
    query: PerformerContractsDocument,
    variables: { organizationId: orgId },
    pause: !granted,
    requestPolicy: "cache-and-network",
  });
  usePageTitle(name ? `${t("performers.customerTitle")}: ${name}` : t("performers.customerTitle"));
  if (!viewer) return <ToLogin />;
  if (!cabinet) return <Navigate to="/" replace />;
  const reload = () => {
    refetchOrders({ requestPolicy: "network-only" });
    refetchContracts({ requestPolicy: "network-only" });
  };
  const list = orders?.performerOrders ?? null;
  const byOrder = new Map((contracts?.performerContracts ?? []).map((c) => [c.orderId, c]));
  return (
    <Shell nav={nav}>
      <p>
        <Link to={`/cabinet/${orgId}`}>
          <ArrowLeftIcon /> {name || t("calendar.backToCabinet")}
        </Link>
      </p>
      <div className="page-title">
        <h1>{t("performers.customerTitle")}</h1>
      </div>
      {!org && <p role="status">{t("common.loading")}</p>}
      {org && !granted && <ErrorAlert>{t("performers.noAccess")}</ErrorAlert>}
      {granted && (
        <>
          <PublishForm orgId={orgId} onPublished={reload} />
          <h2>{t("performers.orgOrders")}</h2>
          {(error || contractsError) && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
          {list && list.length === 0 && <p>{t("performers.noOrders")}</p>}
          <ul className="performer-orders">
            {list?.map((order) => (
              <CustomerOrder key={order.id} order={order} contract={byOrder.get(order.id)} onChange={reload} />
            ))}
          </ul>
        </>
      )}
    </Shell>
  );
}
