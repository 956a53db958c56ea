// The client's service requests for one organization (contacts holding the 'requests' grant):
// "Services" (the organization's own catalog, launching a request with the regulation's
// deadline check), "My requests" (statuses, due dates) and one request (details, edit while
// new, comments, files). One module and chunk: the three share the guard and the parts.
import { useState } from "react";
import type { FormEvent, ReactNode } from "react";
import { Link, Navigate, useNavigate, useParams } from "react-router";
import { useMutation, useQuery } from "urql";
import {
  ClientOrganizationDocument,
  EditServiceRequestDocument,
  LaunchServiceRequestDocument,
  ServiceCatalogDocument,
  ServiceRequestDocument,
  ServiceRequestsDocument,
} from "../graphql/generated";
import type { CatalogServiceFieldsFragment, ServiceRequestOutcomeFragment } from "../graphql/generated";
import { Shell } from "../components/Shell";
import { ErrorAlert, WarnAlert } from "../components/Alert";
import { ArrowLeftIcon } from "../components/Icon";
import { AttachForm, RequestConversation, RequestFacts, RequestTable, filesAsInputs, requestPath, useDaysText } from "../components/ServiceRequestParts";
import { useSession } from "../app/session";
import { ToLogin } from "../app/sessionWatch";
import { usePageTitle } from "../app/page";
import { useCabinetNav } from "../app/cabinetNav";
import { usePagedRows } from "../components/usePagedRows";
import { useT } from "../i18n";
import type { MessageKey } from "../i18n";
import { useFormat } from "../i18n/format";

/** The organization of the cabinet path, with the person's 'requests' grant. */
function useRequestsCabinet() {
  const { orgId = "" } = useParams();
  const { viewer, clientHere } = useSession();
  const nav = useCabinetNav(orgId);
  const cabinet = clientHere.find((c) => String(c.organizationId) === orgId);
  const [{ data }] = useQuery({ query: ClientOrganizationDocument, variables: { id: orgId }, pause: !cabinet });
  const org = data?.clientOrganization.__typename === "ClientOrganization" ? data.clientOrganization : null;
  return {
    orgId,
    viewer,
    cabinet,
    nav,
    org,
    granted: org?.viewerGrants.includes("REQUESTS") ?? false,
    name: org?.name ?? cabinet?.organizationName ?? "",
  };
}

type Cabinet = ReturnType<typeof useRequestsCabinet>;

/** The frame of the three pages: the guard, the way back, the title. */
function RequestsFrame({ cab, title, back, children }: { cab: Cabinet; title: string; back?: ReactNode; children: ReactNode }) {
  const t = useT();
  if (!cab.viewer) return <ToLogin />;
  if (!cab.cabinet) return <Navigate to="/" replace />;
  return (
    <Shell nav={cab.nav}>
      <p>
        {back ?? (
          <Link to={`/cabinet/${cab.orgId}`}>
            <ArrowLeftIcon /> {cab.name || t("calendar.backToCabinet")}
          </Link>
        )}
      </p>
      <div className="page-title">
        <h1>{title}</h1>
      </div>
      {cab.org && !cab.granted && <ErrorAlert>{t("requests.noAccess")}</ErrorAlert>}
      {cab.org && cab.granted && children}
      {!cab.org && <p role="status">{t("common.loading")}</p>}
    </Shell>
  );
}

/** The due-date refusal: the API's own words, and the earliest date it offers. */
function DeadlineRefusal({ outcome, onTake }: { outcome: ServiceRequestOutcomeFragment | null | undefined; onTake: (date: string) => void }) {
  const t = useT();
  const f = useFormat();
  if (!outcome || outcome.__typename === "ServiceRequest") return null;
  return (
    <div className="alert alert-error" role="alert" data-testid="request-error">
      <p data-testid="request-error-message">{outcome.message}</p>
      {outcome.__typename === "DeadlineTooShortError" && (
        <button type="button" className="btn" onClick={() => onTake(outcome.minimumDate)} data-testid="take-minimum-date">
          {t("requests.takeMinimum", { date: f.date(outcome.minimumDate) })}
        </button>
      )}
    </div>
  );
}

/** The form launching one service: the description from its template, the due date, files. */
function LaunchForm({ service, orgId, onClose }: { service: CatalogServiceFieldsFragment; orgId: string; onClose: () => void }) {
  const t = useT();
  const navigate = useNavigate();
  const [description, setDescription] = useState(service.description);
  const [dueDate, setDueDate] = useState("");
  const [files, setFiles] = useState<FileList | null>(null);
  const [{ fetching, data }, launch] = useMutation(LaunchServiceRequestDocument);
  const outcome = data?.launchServiceRequest;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const input = { serviceId: service.id, dueDate, description, files: await filesAsInputs(files) };
    const result = await launch({ input });
    const made = result.data?.launchServiceRequest;
    if (made?.__typename === "ServiceRequest") navigate(`/cabinet/${orgId}/requests/${requestPath(made.id)}`);
  };
  const id = (part: string) => `launch-${part}-${service.id}`;
  return (
    <form className="request-form" onSubmit={(e) => void submit(e)} data-testid="launch-form" aria-label={t("requests.launchTitle", { name: service.name })}>
      <div className="field">
        <label htmlFor={id("description")}>{t("requests.description")}</label>
        <textarea id={id("description")} maxLength={10000} value={description} onChange={(e) => setDescription(e.target.value)} data-testid="launch-description" />
      </div>
      <div className="field">
        <label htmlFor={id("due")}>{t("requests.dueDate")}</label>
        <input id={id("due")} type="date" required value={dueDate} onChange={(e) => setDueDate(e.target.value)} data-testid="launch-due" />
      </div>
      <div className="field">
        <label htmlFor={id("files")}>{t("requests.files")}</label>
        <input id={id("files")} type="file" multiple required={service.fileRequired} onChange={(e) => setFiles(e.target.files)} aria-describedby={id("files-hint")} />
        <span className="hint" id={id("files-hint")}>
          {t("requests.filesHelp")}
        </span>
      </div>
      <DeadlineRefusal outcome={outcome} onTake={setDueDate} />
      <div className="request-form-actions">
        <button type="submit" className="btn btn-primary" disabled={fetching} data-testid="launch-submit">
          {t("requests.submit")}
        </button>
        <button type="button" className="btn" onClick={onClose}>
          {t("requests.close")}
        </button>
      </div>
    </form>
  );
}

/** The catalog in its order, categories then groups. */
function grouped(services: readonly CatalogServiceFieldsFragment[]) {
  const categories: { name: string; groups: { name: string; services: CatalogServiceFieldsFragment[] }[] }[] = [];
  for (const s of services) {
    let category = categories.find((c) => c.name === s.category);
    if (!category) categories.push((category = { name: s.category, groups: [] }));
    let group = category.groups.find((g) => g.name === s.groupName);
    if (!group) category.groups.push((group = { name: s.groupName, services: [] }));
    group.services.push(s);
  }
  return categories;
}

const PRICE_LABEL: Record<string, MessageKey> = { HOURLY: "requests.priceHourly", PIECE: "requests.pricePiece" };

function ServiceItem({ service, orgId, open, onToggle }: { service: CatalogServiceFieldsFragment; orgId: string; open: boolean; onToggle: (open: boolean) => void }) {
  const t = useT();
  const f = useFormat();
  const days = useDaysText()(service.plannedDays, service.hardDays);
  return (
    <li className="catalog-service" data-testid="catalog-service" data-service-id={service.id}>
      <div className="catalog-service-main">
        <strong id={`service-name-${service.id}`}>{service.name}</strong>
        {service.description && <p className="request-description">{service.description}</p>}
        <ul className="catalog-facts">
          {days.map((d) => (
            <li key={d}>{d}</li>
          ))}
          {service.priceKind && service.price != null && (
            <li>{t(PRICE_LABEL[service.priceKind], { price: f.number(Number(service.price), 2) })}</li>
          )}
          {service.fileRequired && <li>{t("requests.fileRequired")}</li>}
          {service.afterServiceId && <li>{t("requests.waitsFor")}</li>}
        </ul>
        {open && <LaunchForm service={service} orgId={orgId} onClose={() => onToggle(false)} />}
      </div>
      {!open && (
        <button type="button" className="btn btn-primary" onClick={() => onToggle(true)} data-testid="launch-open" aria-describedby={`service-name-${service.id}`}>
          {t("requests.launch")}
        </button>
      )}
    </li>
  );
}

export function ClientServicesPage() {
  const t = useT();
  const cab = useRequestsCabinet();
  const [{ data, error }] = useQuery({
    query: ServiceCatalogDocument,
    variables: { organizationId: cab.org?.id ?? "" },
    pause: !cab.granted,
    requestPolicy: "cache-and-network",
  });
  const [open, setOpen] = useState<string | null>(null);
  usePageTitle(cab.name ? `${t("requests.servicesTitle")}: ${cab.name}` : t("requests.servicesTitle"));
  const services = data?.serviceCatalog ?? null;
  return (
    <RequestsFrame cab={cab} title={t("requests.servicesTitle")}>
      <p>{t("requests.servicesHelp")}</p>
      {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      {!services && !error && <p role="status">{t("common.loading")}</p>}
      {services && services.length === 0 && <WarnAlert testId="catalog-empty">{t("requests.catalogEmpty")}</WarnAlert>}
      {services && services.length > 0 && (
        <div data-testid="service-catalog">
          {grouped(services).map((category, ci) => (
            <section key={category.name} className="card catalog-category" aria-labelledby={`category-${ci}`}>
              <h2 id={`category-${ci}`}>{category.name}</h2>
              {category.groups.map((group) => (
                <div key={group.name} className="catalog-group">
                  <h3>{group.name}</h3>
                  <ul className="catalog-services">
                    {group.services.map((s) => (
                      <ServiceItem key={s.id} service={s} orgId={cab.orgId} open={open === s.id} onToggle={(o) => setOpen(o ? s.id : null)} />
                    ))}
                  </ul>
                </div>
              ))}
            </section>
          ))}
        </div>
      )}
    </RequestsFrame>
  );
}

export function ClientRequestsPage() {
  const t = useT();
  const cab = useRequestsCabinet();
  const [after, setAfter] = useState<string | null>(null);
  const [{ data, error, fetching }] = useQuery({
    query: ServiceRequestsDocument,
    variables: { organizationId: cab.org?.id ?? "", first: 50, after },
    pause: !cab.granted,
    requestPolicy: "network-only",
  });
  usePageTitle(cab.name ? `${t("requests.myTitle")}: ${cab.name}` : t("requests.myTitle"));
  const connection = data?.serviceRequestsConnection;
  const rows = usePagedRows(connection?.edges, after);
  return (
    <RequestsFrame cab={cab} title={t("requests.myTitle")}>
      <p>
        <Link to={`/cabinet/${cab.orgId}/services`}>{t("requests.servicesTitle")}</Link>
      </p>
      {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      {!rows && !error && <p role="status">{t("common.loading")}</p>}
      {rows && rows.length === 0 && <p data-testid="requests-empty">{t("requests.none")}</p>}
      {rows && rows.length > 0 && (
        <RequestTable rows={rows} staff={false} testId="my-requests" hrefOf={(r) => `/cabinet/${cab.orgId}/requests/${requestPath(r.id)}`} />
      )}
      {connection?.pageInfo.hasNextPage && (
        <div className="report-more">
          <button type="button" className="btn btn-secondary" disabled={fetching} onClick={() => setAfter(connection.pageInfo.endCursor)} data-testid="requests-more">
            {fetching ? t("common.loading") : t("requests.more")}
          </button>
        </div>
      )}
    </RequestsFrame>
  );
}

/** The client's edit of a new request: description and due date (the same deadline check). */
function EditForm({ request }: { request: { id: string; description: string; dueDate: string } }) {
  const t = useT();
  const [description, setDescription] = useState(request.description);
  const [dueDate, setDueDate] = useState(request.dueDate);
  const [{ fetching, data }, edit] = useMutation(EditServiceRequestDocument);
  const outcome = data?.editServiceRequest;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void edit({ id: request.id, description, dueDate });
  };
  return (
    <form className="request-form" onSubmit={submit} data-testid="edit-form">
      <div className="field">
        <label htmlFor="edit-description">{t("requests.description")}</label>
        <textarea id="edit-description" maxLength={10000} value={description} onChange={(e) => setDescription(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="edit-due">{t("requests.dueDate")}</label>
        <input id="edit-due" type="date" required value={dueDate} onChange={(e) => setDueDate(e.target.value)} />
      </div>
      <DeadlineRefusal outcome={outcome} onTake={setDueDate} />
      <button type="submit" className="btn btn-primary" disabled={fetching} data-testid="edit-submit">
        {t("requests.edit")}
      </button>
    </form>
  );
}

export function ClientRequestPage() {
  const t = useT();
  const cab = useRequestsCabinet();
  const { id = "" } = useParams();
  const [{ data, error }, refetch] = useQuery({ query: ServiceRequestDocument, variables: { id }, pause: !cab.granted, requestPolicy: "cache-and-network" });
  const result = data?.serviceRequest;
  const request = result?.__typename === "ServiceRequest" ? result : null;
  usePageTitle(request?.title ?? t("requests.myTitle"));
  const refresh = () => refetch({ requestPolicy: "network-only" });
  const back = (
    <Link to={`/cabinet/${cab.orgId}/requests`} data-testid="back-to-requests">
      <ArrowLeftIcon /> {t("requests.backToList")}
    </Link>
  );
  return (
    <RequestsFrame cab={cab} title={request?.title ?? t("requests.myTitle")} back={back}>
      {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      {result && !request && "message" in result && <ErrorAlert>{result.message}</ErrorAlert>}
      {!result && !error && <p role="status">{t("common.loading")}</p>}
      {request && (
        <>
          <section className="card" data-testid="request-details">
            <RequestFacts request={request} />
            {request.clientEditable ? (
              <EditForm key={`${request.id}-${request.dueDate}`} request={request} />
            ) : (
              <>
                <p className="request-description" data-testid="request-description">
                  {request.description}
                </p>
                {request.status !== "DONE" && request.status !== "REJECTED" && <p className="muted">{t("requests.editLocked")}</p>}
              </>
            )}
            <AttachForm requestId={request.id} onDone={refresh} />
          </section>
          <RequestConversation request={request} staff={false} onChanged={refresh} />
        </>
      )}
    </RequestsFrame>
  );
}
