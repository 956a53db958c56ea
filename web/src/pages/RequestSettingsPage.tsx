// Setting up service requests (`requests:manage`): the departments (names, head), the catalog
// templates (packages) with their services, and one organization's own catalog (a template
// copied into it, then edited for that client).
import { useState } from "react";
import type { FormEvent } from "react";
import { Link, useParams } from "react-router";
import { useMutation, useQuery } from "urql";
import {
  ApplyServiceCatalogTemplateDocument,
  AssignableStaffDocument,
  ClientOrganizationDocument,
  CreateServiceCatalogTemplateDocument,
  EditableServiceCatalogDocument,
  RequestDepartmentsDocument,
  SaveDepartmentDocument,
  ServiceCatalogTemplatesDocument,
} from "../graphql/generated";
import type { RequestDepartmentsQuery } from "../graphql/generated";
import { Workspace } from "./Workspace";
import { ErrorAlert, OkAlert } from "../components/Alert";
import { ArrowLeftIcon } from "../components/Icon";
import { AddServiceForm, CatalogServiceList } from "../components/CatalogEditor";
import { useSession } from "../app/session";
import { usePageTitle } from "../app/page";
import { globalIdOf } from "../graphql/ids";
import { useT } from "../i18n";

type Department = RequestDepartmentsQuery["requestDepartments"][number];

/** One department's names and head (or a new department when `department` is null). */
function DepartmentForm({ department, onSaved }: { department: Department | null; onSaved: () => void }) {
  const t = useT();
  const [{ data: staff }] = useQuery({ query: AssignableStaffDocument });
  const [nameRu, setNameRu] = useState(department?.nameRu ?? "");
  const [nameEn, setNameEn] = useState(department?.nameEn ?? "");
  const [headId, setHeadId] = useState(department?.head?.id ?? "");
  const [{ fetching, data }, save] = useMutation(SaveDepartmentDocument);
  const outcome = data?.saveDepartment;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save({ id: department?.id ?? null, input: { nameRu, nameEn, headId: headId || null } }).then((r) => {
      if (r.data?.saveDepartment.__typename === "Department") {
        if (!department) {
          setNameRu("");
          setNameEn("");
          setHeadId("");
        }
        onSaved();
      }
    });
  };
  const prefix = `department-${department?.id ?? "new"}`;
  return (
    <form className="catalog-inline-form" onSubmit={submit} data-testid="department-form" data-department-key={department?.key ?? ""}>
      <div className="field">
        <label htmlFor={`${prefix}-ru`}>{t("catalog.departmentNameRu")}</label>
        <input id={`${prefix}-ru`} required maxLength={200} value={nameRu} onChange={(e) => setNameRu(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${prefix}-en`}>{t("catalog.departmentNameEn")}</label>
        <input id={`${prefix}-en`} required maxLength={200} value={nameEn} onChange={(e) => setNameEn(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${prefix}-head`}>{t("catalog.departmentHead")}</label>
        <select id={`${prefix}-head`} value={headId} onChange={(e) => setHeadId(e.target.value)}>
          <option value="">{t("catalog.noHead")}</option>
          {department?.head && !(staff?.assignableStaff ?? []).some((p) => p.id === department.head?.id) && (
            <option value={department.head.id}>{department.head.displayName}</option>
          )}
          {(staff?.assignableStaff ?? []).map((p) => (
            <option key={p.id} value={p.id}>
              {p.displayName || p.email}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" className="btn btn-primary" disabled={fetching} data-testid="department-save">
        {department ? t("common.save") : t("catalog.addDepartment")}
      </button>
      {outcome && outcome.__typename !== "Department" && <ErrorAlert>{outcome.message}</ErrorAlert>}
      {outcome?.__typename === "Department" && department && <OkAlert>{t("catalog.saved")}</OkAlert>}
    </form>
  );
}

export function RequestSettingsPage() {
  const t = useT();
  const { can } = useSession();
  const allowed = can("requests:manage");
  const [{ data: departments }, refetchDepartments] = useQuery({ query: RequestDepartmentsDocument, pause: !allowed });
  const [{ data: templates, error }, refetchTemplates] = useQuery({ query: ServiceCatalogTemplatesDocument, pause: !allowed, requestPolicy: "cache-and-network" });
  const [name, setName] = useState("");
  const [{ fetching, data: created }, create] = useMutation(CreateServiceCatalogTemplateDocument);
  usePageTitle(t("catalog.settingsTitle"));
  const refreshTemplates = () => refetchTemplates({ requestPolicy: "network-only" });
  const refreshDepartments = () => refetchDepartments({ requestPolicy: "network-only" });
  const made = created?.createServiceCatalogTemplate;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void create({ name }).then((r) => {
      if (r.data?.createServiceCatalogTemplate.__typename === "ServiceCatalogTemplate") {
        setName("");
        refreshTemplates();
      }
    });
  };
  return (
    <Workspace>
      <div className="page-title">
        <h1>{t("catalog.settingsTitle")}</h1>
      </div>
      {!allowed && <ErrorAlert>{t("error.forbidden")}</ErrorAlert>}
      {allowed && (
        <>
          <section className="card" aria-labelledby="departments-title" data-testid="departments">
            <h2 id="departments-title">{t("catalog.departments")}</h2>
            {(departments?.requestDepartments ?? []).map((d) => (
              <DepartmentForm key={`${d.id}-${d.nameRu}-${d.nameEn}-${d.head?.id ?? ""}`} department={d} onSaved={refreshDepartments} />
            ))}
            <h3>{t("catalog.addDepartment")}</h3>
            <DepartmentForm department={null} onSaved={refreshDepartments} />
          </section>
          <section className="card" aria-labelledby="templates-title" data-testid="templates">
            <h2 id="templates-title">{t("catalog.templates")}</h2>
            <p>{t("catalog.templatesHelp")}</p>
            <form className="catalog-inline-form" onSubmit={submit}>
              <div className="field">
                <label htmlFor="template-name">{t("catalog.templateName")}</label>
                <input id="template-name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
              </div>
              <button type="submit" className="btn btn-primary" disabled={fetching} data-testid="template-create">
                {t("catalog.createTemplate")}
              </button>
            </form>
            {made && made.__typename !== "ServiceCatalogTemplate" && <ErrorAlert>{made.message}</ErrorAlert>}
            {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
            {templates && templates.serviceCatalogTemplates.length === 0 && <p className="muted">{t("catalog.noTemplates")}</p>}
            {(templates?.serviceCatalogTemplates ?? []).map((tpl) => (
              <div key={tpl.id} className="catalog-template" data-testid="catalog-template" data-template-id={tpl.id}>
                <h3>{tpl.name}</h3>
                <CatalogServiceList scope={{ templateId: tpl.id }} services={tpl.services} onChanged={refreshTemplates} />
                <AddServiceForm templateId={tpl.id} onAdded={refreshTemplates} />
              </div>
            ))}
          </section>
        </>
      )}
    </Workspace>
  );
}

/** One organization's own catalog (`/clients/:id/catalog`). */
export function ClientCatalogPage() {
  const t = useT();
  const { id = "" } = useParams();
  const { can } = useSession();
  const allowed = can("requests:manage");
  const orgId = globalIdOf("ClientOrganization", id);
  const [{ data: orgData }] = useQuery({ query: ClientOrganizationDocument, variables: { id: orgId } });
  const org = orgData?.clientOrganization.__typename === "ClientOrganization" ? orgData.clientOrganization : null;
  const [{ data, error }, refetch] = useQuery({ query: EditableServiceCatalogDocument, variables: { organizationId: orgId }, pause: !allowed, requestPolicy: "cache-and-network" });
  const [{ data: templates }] = useQuery({ query: ServiceCatalogTemplatesDocument, pause: !allowed });
  const [templateId, setTemplateId] = useState("");
  const [{ fetching, data: applied }, apply] = useMutation(ApplyServiceCatalogTemplateDocument);
  const title = t("catalog.clientTitle", { name: org?.name ?? "" });
  usePageTitle(title);
  const refresh = () => refetch({ requestPolicy: "network-only" });
  const outcome = applied?.applyServiceCatalogTemplate;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void apply({ templateId, organizationId: orgId }).then(refresh);
  };
  return (
    <Workspace>
      <p>
        <Link to={`/clients/${id}`}>
          <ArrowLeftIcon /> {org?.name ?? t("catalog.backToClient")}
        </Link>
      </p>
      <div className="page-title">
        <h1>{title}</h1>
      </div>
      {!allowed && <ErrorAlert>{t("error.forbidden")}</ErrorAlert>}
      {allowed && (
        <section className="card" data-testid="client-catalog">
          <p>{t("catalog.clientHelp")}</p>
          <form className="catalog-inline-form" onSubmit={submit}>
            <div className="field">
              <label htmlFor="apply-template">{t("catalog.applyTemplate")}</label>
              <select id="apply-template" required value={templateId} onChange={(e) => setTemplateId(e.target.value)} data-testid="apply-template">
                <option value="" />
                {(templates?.serviceCatalogTemplates ?? []).map((tpl) => (
                  <option key={tpl.id} value={tpl.id}>
                    {tpl.name}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit" className="btn" disabled={fetching || !templateId} data-testid="apply-submit">
              {t("catalog.apply")}
            </button>
          </form>
          {outcome && outcome.__typename !== "ServiceCatalog" && <ErrorAlert>{outcome.message}</ErrorAlert>}
          {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
          {data && <CatalogServiceList scope={{ organizationId: orgId }} services={data.serviceCatalog} onChanged={refresh} />}
          <AddServiceForm organizationId={orgId} onAdded={refresh} />
        </section>
      )}
    </Workspace>
  );
}
