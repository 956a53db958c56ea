// The performer's time on a request (staff only): the timer, time recorded by hand, the pieces
// of a per-piece service, and the amount the API computes from the catalog price.
import { useState } from "react";
import type { FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import {
  RecordServiceRequestTimeDocument,
  ServiceRequestTimeDocument,
  SetServiceRequestQuantityDocument,
  StartServiceRequestTimerDocument,
  StopServiceRequestTimerDocument,
} from "../graphql/generated";
import type { ServiceRequestTimeOutcomeFragment } from "../graphql/generated";
import { useT } from "../i18n";
import { useFormat } from "../i18n/format";
import { ErrorAlert } from "./Alert";

function failureOf(outcome: ServiceRequestTimeOutcomeFragment | null | undefined): string | null {
  return outcome && outcome.__typename !== "ServiceRequest" ? outcome.message : null;
}

export function RequestTime({ requestId, perPiece }: { requestId: string; perPiece: boolean }) {
  const t = useT();
  const f = useFormat();
  const [{ data }, refetch] = useQuery({ query: ServiceRequestTimeDocument, variables: { id: requestId }, requestPolicy: "cache-and-network" });
  const [{ fetching: starting, data: started }, start] = useMutation(StartServiceRequestTimerDocument);
  const [{ fetching: stopping, data: stopped }, stop] = useMutation(StopServiceRequestTimerDocument);
  const [{ fetching: recording, data: recorded }, record] = useMutation(RecordServiceRequestTimeDocument);
  const [{ fetching: counting, data: counted }, count] = useMutation(SetServiceRequestQuantityDocument);
  const [minutes, setMinutes] = useState("");
  const [workDate, setWorkDate] = useState("");
  const [note, setNote] = useState("");
  const [quantity, setQuantity] = useState("");
  const request = data?.serviceRequest.__typename === "ServiceRequest" ? data.serviceRequest : null;
  if (!request) return null;
  const refresh = () => refetch({ requestPolicy: "network-only" });
  const busy = starting || stopping || recording || counting;
  const timing = request.status === "UNDER_REVIEW" || request.status === "ACCEPTED";
  const recordable = timing || request.status === "DONE";
  const failure =
    failureOf(started?.startServiceRequestTimer) ??
    failureOf(stopped?.stopServiceRequestTimer) ??
    failureOf(recorded?.recordServiceRequestTime) ??
    failureOf(counted?.setServiceRequestQuantity);
  const submitTime = (event: FormEvent) => {
    event.preventDefault();
    void record({ id: requestId, minutes: Number(minutes), workDate: workDate || null, note: note || null }).then((r) => {
      if (r.data?.recordServiceRequestTime.__typename === "ServiceRequest") {
        setMinutes("");
        setNote("");
        refresh();
      }
    });
  };
  const submitQuantity = (event: FormEvent) => {
    event.preventDefault();
    void count({ id: requestId, quantity: Number(quantity) }).then(refresh);
  };
  return (
    <section className="card" aria-labelledby="request-time-title" data-testid="request-time">
      <h2 id="request-time-title">{t("requests.time")}</h2>
      <ul className="request-meta">
        <li data-testid="request-time-total">{t("requests.timeTotal", { count: request.timeMinutes ?? 0 })}</li>
        {request.quantity != null && <li>{`${t("requests.quantity")}: ${request.quantity}`}</li>}
        {request.amount != null && <li data-testid="request-amount">{t("requests.amount", { amount: f.number(Number(request.amount), 2) })}</li>}
        {request.runningTimerStartedAt && (
          <li data-testid="request-timer-running">{t("requests.timerRunning", { time: f.dateTime(request.runningTimerStartedAt) })}</li>
        )}
      </ul>
      {timing && (
        <div className="request-actions">
          {request.runningTimerStartedAt ? (
            <button type="button" className="btn" disabled={busy} onClick={() => void stop({ id: requestId }).then(refresh)} data-testid="timer-stop">
              {t("requests.timerStop")}
            </button>
          ) : (
            <button type="button" className="btn" disabled={busy} onClick={() => void start({ id: requestId }).then(refresh)} data-testid="timer-start">
              {t("requests.timerStart")}
            </button>
          )}
        </div>
      )}
      {recordable && (
        <form className="catalog-inline-form" onSubmit={submitTime} data-testid="time-form">
          <div className="field">
            <label htmlFor={`time-minutes-${requestId}`}>{t("requests.timeMinutes")}</label>
            <input id={`time-minutes-${requestId}`} type="number" required min={1} max={1440} value={minutes} onChange={(e) => setMinutes(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`time-date-${requestId}`}>{t("requests.timeDate")}</label>
            <input id={`time-date-${requestId}`} type="date" value={workDate} onChange={(e) => setWorkDate(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`time-note-${requestId}`}>{t("requests.timeNote")}</label>
            <input id={`time-note-${requestId}`} maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} />
          </div>
          <button type="submit" className="btn" disabled={busy} data-testid="time-record">
            {t("requests.timeRecord")}
          </button>
        </form>
      )}
      {perPiece && recordable && (
        <form className="catalog-inline-form" onSubmit={submitQuantity}>
          <div className="field">
            <label htmlFor={`quantity-${requestId}`}>{t("requests.quantity")}</label>
            <input id={`quantity-${requestId}`} type="number" required min={1} max={10000} value={quantity} onChange={(e) => setQuantity(e.target.value)} />
          </div>
          <button type="submit" className="btn" disabled={busy} data-testid="quantity-save">
            {t("requests.quantitySave")}
          </button>
        </form>
      )}
      {request.timeEntries.length === 0 ? (
        <p className="muted">{t("requests.noTime")}</p>
      ) : (
        <ul className="request-comments" data-testid="time-entries">
          {request.timeEntries.map((e) => (
            <li key={e.id} className="request-comment" data-testid="time-entry">
              {f.date(e.workDate)}: {e.minutes ?? t("requests.timeEntryRunning")} {t("requests.timeMinutes").toLowerCase()} (
              {e.manual ? t("requests.timeEntryManual") : t("requests.timeEntryTimer")}){e.person && `, ${e.person.displayName}`}
              {e.note && <p>{e.note}</p>}
            </li>
          ))}
        </ul>
      )}
      <ErrorAlert>{failure}</ErrorAlert>
    </section>
  );
}
