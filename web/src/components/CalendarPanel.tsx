// The calendars of one client organization: the next 15 days (filings due, the firm's
// data-exchange dates, report fix deadlines), the tax calendar of the year with what the firm
// does about each filing, and the viewer's own iCalendar link. The client's calendar page and
// the firm's client card show it; staff with clients:write also set exchange dates here.
import { useState } from "react";
import type { FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import {
  CalendarExchangeDatesDocument,
  CalendarFeedDocument,
  CreateCalendarExchangeDateDocument,
  DeleteCalendarExchangeDateDocument,
  InteractionsCalendarDocument,
  RotateCalendarFeedDocument,
  TaxCalendarDocument,
} from "../graphql/generated";
import type { CalendarEventKind, TaxFilingState } from "../graphql/generated";
import { ErrorAlert, OkAlert } from "./Alert";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n";
import { formatDate } from "../i18n/format";
import "../calendar.css";

const STATE_KEYS: Record<TaxFilingState, MessageKey> = {
  PLANNED: "calendar.statePlanned",
  IN_PROGRESS: "calendar.stateInProgress",
  FILED: "calendar.stateFiled",
  NEEDS_ATTENTION: "calendar.stateAttention",
};
const KIND_KEYS: Record<CalendarEventKind, MessageKey> = {
  TAX_DUE: "calendar.kindTax",
  EXCHANGE: "calendar.kindExchange",
  REPORT_FOLLOW_UP: "calendar.kindFollowUp",
  REQUEST_DUE: "calendar.kindRequestDue",
  REQUEST_HARD_DUE: "calendar.kindRequestHardDue",
  OTHER: "calendar.kindOther",
};

/** The next 15 days, grouped by date. */
function NextDays({ organizationId }: { organizationId: string }) {
  const { t, lang } = useI18n();
  const [{ data, error }] = useQuery({ query: InteractionsCalendarDocument, variables: { organizationId } });
  const result = data?.interactionsCalendar;
  if (error) return <ErrorAlert>{t("error.generic")}</ErrorAlert>;
  if (!result) return <p role="status">{t("common.loading")}</p>;
  if (result.__typename !== "InteractionsCalendar") return <ErrorAlert>{"message" in result ? result.message : ""}</ErrorAlert>;
  const days = new Map<string, typeof result.events>();
  for (const e of result.events) days.set(e.date, [...(days.get(e.date) ?? []), e]);
  return (
    <>
      <p className="muted">
        {t("calendar.range", { from: formatDate(result.from, lang), to: formatDate(result.to, lang) })}
      </p>
      {days.size === 0 ? (
        <p data-testid="calendar-empty">{t("calendar.nothingSoon")}</p>
      ) : (
        <ul className="calendar-days" data-testid="calendar-days">
          {[...days.entries()].map(([day, events]) => (
            <li key={day} className="calendar-day">
              <strong>{formatDate(day, lang)}</strong>
              <ul>
                {events.map((e) => (
                  <li key={e.uid} data-testid="calendar-event">
                    <span className="calendar-title" data-kind={e.kind} title={t(KIND_KEYS[e.kind])}>
                      {e.title}
                    </span>
                    {e.note && <span className="calendar-note">{e.note}</span>}
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** The filings of the year: form, period, due date (moved off weekends and holidays), state. */
function TaxYear({ organizationId }: { organizationId: string }) {
  const { t, lang } = useI18n();
  const [year, setYear] = useState<number | null>(null);
  const [{ data, error }] = useQuery({ query: TaxCalendarDocument, variables: { organizationId, year } });
  const result = data?.taxCalendar;
  const shown = result?.__typename === "TaxCalendar" ? result.year : year;
  return (
    <>
      <div className="actions">
        <label htmlFor={`tax-year-${organizationId}`}>{t("calendar.year")}</label>
        <select id={`tax-year-${organizationId}`} value={shown ?? ""} onChange={(e) => setYear(Number(e.target.value))} data-testid="tax-year">
          {[2025, 2026].map((y) => (
            <option key={y} value={y}>
              {y}
            </option>
          ))}
        </select>
      </div>
      {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      {result && result.__typename !== "TaxCalendar" && <ErrorAlert>{"message" in result ? result.message : ""}</ErrorAlert>}
      {result?.__typename === "TaxCalendar" && (
        <table className="table table-cards" data-testid="tax-calendar">
          <thead>
            <tr>
              <th scope="col">{t("calendar.dueDate")}</th>
              <th scope="col">{t("calendar.filing")}</th>
              <th scope="col">{t("calendar.period")}</th>
              <th scope="col">{t("calendar.state")}</th>
            </tr>
          </thead>
          <tbody>
            {result.entries.map((e) => (
              <tr key={`${e.formCode}-${e.periodYear}-${e.periodCode}`} data-testid="tax-entry">
                <td className="card-title">
                  {formatDate(e.dueDate, lang)}
                  {e.shifted && (
                    <span className="calendar-note" title={t("calendar.shiftedFrom", { date: formatDate(e.nominalDate, lang) })}>
                      {t("calendar.shiftedFrom", { date: formatDate(e.nominalDate, lang) })}
                    </span>
                  )}
                </td>
                <td data-label={t("calendar.filing")}>{e.formName}</td>
                <td data-label={t("calendar.period")}>{e.periodLabel}</td>
                <td data-label={t("calendar.state")}>
                  <span className="badge badge-grey">{t(STATE_KEYS[e.state])}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** Staff with clients:write: the coming exchange dates, add and remove. */
function ExchangeDates({ organizationId }: { organizationId: string }) {
  const { t, lang } = useI18n();
  const [{ data }, refetch] = useQuery({ query: CalendarExchangeDatesDocument, variables: { organizationId } });
  const [{ fetching, data: made }, create] = useMutation(CreateCalendarExchangeDateDocument);
  const [, remove] = useMutation(DeleteCalendarExchangeDateDocument);
  const [date, setDate] = useState("");
  const [title, setTitle] = useState("");
  const [note, setNote] = useState("");
  const failure = made?.createCalendarExchangeDate.__typename !== "CalendarExchangeDate" ? made?.createCalendarExchangeDate : null;
  const refresh = () => refetch({ requestPolicy: "network-only" });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await create({ organizationId, input: { date, title, note } });
    if (result.data?.createCalendarExchangeDate.__typename === "CalendarExchangeDate") {
      setTitle("");
      setNote("");
      refresh();
    }
  };
  return (
    <>
      <h3>{t("calendar.exchangeTitle")}</h3>
      <ul data-testid="exchange-dates">
        {(data?.calendarExchangeDates ?? []).map((d) => (
          <li key={d.id}>
            {formatDate(d.date, lang)}: {d.title}
            {d.note && <span className="calendar-note">{d.note}</span>}{" "}
            <button type="button" className="btn" onClick={() => void remove({ id: d.id }).then(refresh)}>
              {t("calendar.remove")}
            </button>
          </li>
        ))}
      </ul>
      <form className="calendar-form" onSubmit={(e) => void submit(e)} data-testid="exchange-form">
        <div className="field">
          <label htmlFor={`exchange-date-${organizationId}`}>{t("calendar.date")}</label>
          <input id={`exchange-date-${organizationId}`} type="date" required value={date} onChange={(e) => setDate(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`exchange-title-${organizationId}`}>{t("calendar.exchangeWhat")}</label>
          <input id={`exchange-title-${organizationId}`} type="text" required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`exchange-note-${organizationId}`}>{t("calendar.note")}</label>
          <input id={`exchange-note-${organizationId}`} type="text" maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} />
        </div>
        <button type="submit" className="btn btn-primary" disabled={fetching} data-testid="exchange-submit">
          {t("calendar.add")}
        </button>
      </form>
      {failure && "message" in failure && <ErrorAlert>{failure.message}</ErrorAlert>}
    </>
  );
}

/** The viewer's own iCalendar link: made (or renewed) on request, shown once. */
export function CalendarFeedLink() {
  const { t, lang } = useI18n();
  const [{ data }, refetch] = useQuery({ query: CalendarFeedDocument });
  const [{ fetching, data: rotated }, rotate] = useMutation(RotateCalendarFeedDocument);
  const feed = data?.calendarFeed;
  const made = rotated?.rotateCalendarFeed;
  const url = made?.__typename === "CalendarFeedRotated" ? made.url + (lang === "en" ? "?lang=en" : "") : null;
  const renew = async () => {
    if (feed?.active && !window.confirm(t("calendar.feedRenewConfirm"))) return;
    await rotate({});
    refetch({ requestPolicy: "network-only" });
  };
  return (
    <section className="card" aria-labelledby="calendar-feed-title">
      <h2 id="calendar-feed-title">{t("calendar.feedTitle")}</h2>
      <p>{t("calendar.feedHelp")}</p>
      {feed?.active && feed.rotatedAt && !url && (
        <p className="muted">{t("calendar.feedActive", { date: formatDate(feed.rotatedAt, lang) })}</p>
      )}
      {url && (
        <>
          <OkAlert>{t("calendar.feedShownOnce")}</OkAlert>
          <label htmlFor="calendar-feed-url">{t("calendar.feedUrl")}</label>
          <input id="calendar-feed-url" className="calendar-feed-url" readOnly value={url} onFocus={(e) => e.target.select()} data-testid="calendar-feed-url" />
        </>
      )}
      {made && made.__typename !== "CalendarFeedRotated" && "message" in made && <ErrorAlert>{made.message}</ErrorAlert>}
      <button type="button" className="btn" disabled={fetching} onClick={() => void renew()} data-testid="calendar-feed-rotate">
        {feed?.active ? t("calendar.feedRenew") : t("calendar.feedMake")}
      </button>
    </section>
  );
}

/** An organization's calendars: the next 15 days and the tax calendar of the year. */
/** `withTax`: the tax calendar too (a client user sees it where it holds 'reports'; the next
 *  days also where it holds 'requests', with its requests' deadlines). */
export function CalendarPanel({ organizationId, canSetExchange, withTax = true }: { organizationId: string; canSetExchange: boolean; withTax?: boolean }) {
  const { t } = useI18n();
  return (
    <>
      <section className="card" aria-labelledby={`calendar-next-${organizationId}`}>
        <h2 id={`calendar-next-${organizationId}`}>{t("calendar.nextDays")}</h2>
        <NextDays organizationId={organizationId} />
        {canSetExchange && <ExchangeDates organizationId={organizationId} />}
      </section>
      {withTax && (
        <section className="card" aria-labelledby={`calendar-tax-${organizationId}`}>
          <h2 id={`calendar-tax-${organizationId}`}>{t("calendar.taxTitle")}</h2>
          <p className="muted">{t("calendar.taxHelp")}</p>
          <TaxYear organizationId={organizationId} />
        </section>
      )}
    </>
  );
}
