// The parts the performer's and the customer's pages share: the signing by a code from the
// e-mail, a contract with its acts, the labels of the statuses, rubles typed into kopecks.
import { useState } from "react";
import type { FormEvent, ReactNode } from "react";
import { useMutation, useQuery } from "urql";
import { PerformerActsDocument, RequestPerformerSignatureCodeDocument, SignPerformerDocumentDocument } from "../graphql/generated";
import type { PerformerActFieldsFragment, PerformerContractFieldsFragment, PerformerSignatureFieldsFragment } from "../graphql/generated";
import { ErrorAlert, OkAlert } from "./Alert";
import { CheckIcon } from "./Icon";
import { useT } from "../i18n";
import type { MessageKey } from "../i18n";
import { useFormat } from "../i18n/format";

/** Rubles as typed ("1 500,50") into kopecks; null when not a positive amount. */
export function rublesToKopecks(text: string): number | null {
  const clean = text.replace(/[\s\u00a0]/g, "").replace(",", ".");
  if (!/^\d+(\.\d{1,2})?$/.test(clean)) return null;
  const kopecks = Math.round(Number(clean) * 100);
  return kopecks > 0 ? kopecks : null;
}

export function splitSkills(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** One signing side: request the code, type it, sign. Hidden once this side has signed. */
export function SignBox({ contractId, actId, signatures, side, onSigned }: {
  contractId?: string;
  actId?: string;
  signatures: readonly PerformerSignatureFieldsFragment[];
  side: "CUSTOMER" | "PERFORMER";
  onSigned: () => void;
}) {
  const t = useT();
  const [code, setCode] = useState("");
  const [{ data: sent, fetching: sending }, request] = useMutation(RequestPerformerSignatureCodeDocument);
  const [{ data: signed, fetching: signing }, sign] = useMutation(SignPerformerDocumentDocument);
  if (signatures.some((s) => s.side === side && s.signedAt)) return null;
  const ids = { contractId: contractId ?? null, actId: actId ?? null };
  const sentOutcome = sent?.requestPerformerSignatureCode;
  const signOutcome = signed?.signPerformerDocument;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await sign({ ...ids, code: code.trim() });
    const made = result.data?.signPerformerDocument.__typename;
    if (made === "PerformerContract" || made === "PerformerAct") onSigned();
  };
  const key = actId ? `act-${actId}` : `contract-${contractId}`;
  return (
    <div className="performer-sign" data-testid={`sign-${key}`}>
      <button type="button" className="btn" disabled={sending} onClick={() => void request(ids)} data-testid="request-code">
        {t("performers.requestCode")}
      </button>
      {sentOutcome?.__typename === "SignatureCodeSent" && <OkAlert>{t("performers.codeSent", { email: sentOutcome.sentTo })}</OkAlert>}
      {sentOutcome && sentOutcome.__typename !== "SignatureCodeSent" && <ErrorAlert>{sentOutcome.message}</ErrorAlert>}
      <form className="inline-form" onSubmit={(e) => void submit(e)}>
        <label htmlFor={`code-${key}`}>{t("performers.code")}</label>
        <input id={`code-${key}`} inputMode="numeric" autoComplete="one-time-code" required value={code} onChange={(e) => setCode(e.target.value)} data-testid="sign-code" />
        <button type="submit" className="btn btn-primary" disabled={signing} data-testid="sign-submit">
          {t("performers.sign")}
        </button>
      </form>
      {signOutcome && signOutcome.__typename !== "PerformerContract" && signOutcome.__typename !== "PerformerAct" && (
        <ErrorAlert>{signOutcome.message}</ErrorAlert>
      )}
    </div>
  );
}

function Signed({ signatures }: { signatures: readonly PerformerSignatureFieldsFragment[] }) {
  const t = useT();
  const sides = signatures.filter((s) => s.signedAt).map((s) => t(`performers.side.${s.side}` as MessageKey));
  if (sides.length === 0) return null;
  return (
    <span data-testid="signed-by">
      <CheckIcon /> {t("performers.signedBy", { sides: sides.join(", ") })}
    </span>
  );
}

function ActItem({ act, side, onChange }: { act: PerformerActFieldsFragment; side: "CUSTOMER" | "PERFORMER"; onChange: () => void }) {
  const t = useT();
  const f = useFormat();
  return (
    <li data-testid="performer-act" data-act-id={act.id} data-status={act.status}>
      <strong>{t("performers.act", { number: act.number })}</strong> · {t("performers.amount", { amount: f.money(act.amountKopecks) })} ·{" "}
      {t(`performers.docStatus.${act.status}` as MessageKey)} · <a href={act.downloadUrl}>{t("performers.download")}</a> <Signed signatures={act.signatures} />
      {act.status === "SIGNING" && <SignBox actId={act.id} signatures={act.signatures} side={side} onSigned={onChange} />}
    </li>
  );
}

/** A contract: number, amount, status, the PDF, its signatures, its acts; `extra` below
 *  (given the function that reloads the contract and its acts). */
export function ContractCard({ contract, side, onChange, extra }: {
  contract: PerformerContractFieldsFragment;
  side: "CUSTOMER" | "PERFORMER";
  onChange: () => void;
  extra?: (changed: () => void) => ReactNode;
}) {
  const t = useT();
  const f = useFormat();
  const [{ data }, refetchActs] = useQuery({ query: PerformerActsDocument, variables: { contractId: contract.id }, requestPolicy: "cache-and-network" });
  const acts = data?.performerActs ?? [];
  const changed = () => {
    onChange();
    refetchActs({ requestPolicy: "network-only" });
  };
  return (
    <section className="card performer-contract" data-testid="performer-contract" data-contract-id={contract.id} data-status={contract.status}>
      <h3>
        {t("performers.contract", { number: contract.number })}
        {contract.order && ` · ${contract.order.title}`}
      </h3>
      <p>
        {t("performers.amount", { amount: f.money(contract.amountKopecks) })} · <span data-testid="contract-status">{t(`performers.docStatus.${contract.status}` as MessageKey)}</span> ·{" "}
        <a href={contract.downloadUrl} data-testid="contract-download">
          {t("performers.download")}
        </a>{" "}
        <Signed signatures={contract.signatures} />
      </p>
      {contract.status === "SIGNING" && <SignBox contractId={contract.id} signatures={contract.signatures} side={side} onSigned={changed} />}
      {acts.length > 0 && (
        <ul className="performer-acts">
          {acts.map((act) => (
            <ActItem key={act.id} act={act} side={side} onChange={changed} />
          ))}
        </ul>
      )}
      {extra?.(changed)}
    </section>
  );
}
