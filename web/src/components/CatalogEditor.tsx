// Editing catalog services: of a template (package) or of one organization's own catalog.
// The same form adds a service and changes one; a service is taken out with a confirmation
// (requests already launched keep it).
import { useState } from "react";
import type { FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import {
  AddCatalogServiceDocument,
  AssignableStaffDocument,
  CatalogServiceLinksDocument,
  TemplateServiceLinksDocument,
  RemoveCatalogServiceDocument,
  RequestDepartmentsDocument,
  UpdateCatalogServiceDocument,
} from "../graphql/generated";
import type { CatalogServiceInput, CatalogServiceOutcomeFragment, ServiceLinksFragment, ServicePriceKind, TemplateServiceFieldsFragment } from "../graphql/generated";

/** Where the services live: a template or an organization's catalog. */
export type CatalogScope = { templateId?: string; organizationId?: string };

/** The services of the scope with their responsible and sequence, read only while an editor is
 *  open (a separate small query: the template list keeps its cost). */
function useServiceLinks(scope: CatalogScope): readonly ServiceLinksFragment[] {
  const [{ data: templates }] = useQuery({ query: TemplateServiceLinksDocument, pause: !scope.templateId });
  const [{ data: catalog }] = useQuery({
    query: CatalogServiceLinksDocument,
    variables: { organizationId: scope.organizationId ?? "" },
    pause: !scope.organizationId,
  });
  if (scope.templateId) return templates?.serviceCatalogTemplates.find((tpl) => tpl.id === scope.templateId)?.services ?? [];
  return catalog?.serviceCatalog ?? [];
}

/** A service as listed: a template's come without their checklist (the cost limit), which an
 *  edit then leaves as it is. */
export type EditableService = TemplateServiceFieldsFragment & { checklist?: readonly string[] };
import { useT } from "../i18n";
import { useFormat } from "../i18n/format";
import { ErrorAlert } from "./Alert";
import "../requests.css";

function failureOf(outcome: CatalogServiceOutcomeFragment | null | undefined): string | null {
  return outcome && outcome.__typename !== "CatalogService" ? outcome.message : null;
}

/** The fields of a service. `prefix` keeps the ids unique on a page with several forms. */
function ServiceForm({
  prefix,
  scope,
  initial,
  busy,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  prefix: string;
  scope: CatalogScope;
  initial: EditableService | null;
  busy: boolean;
  submitLabel: string;
  onSubmit: (input: CatalogServiceInput) => void;
  onCancel?: () => void;
}) {
  const t = useT();
  const [{ data: departments }] = useQuery({ query: RequestDepartmentsDocument });
  const [category, setCategory] = useState(initial?.category ?? "");
  const [groupName, setGroupName] = useState(initial?.groupName ?? "");
  const [name, setName] = useState(initial?.name ?? "");
  const [description, setDescription] = useState(initial?.description ?? "");
  const [plannedDays, setPlannedDays] = useState(String(initial?.plannedDays ?? 1));
  const [hardDays, setHardDays] = useState(String(initial?.hardDays ?? 1));
  const [fileRequired, setFileRequired] = useState(initial?.fileRequired ?? false);
  const [checklist, setChecklist] = useState((initial?.checklist ?? []).join("\n"));
  // An edit of a service listed without its checklist leaves the checklist alone.
  const knowsChecklist = !initial || initial.checklist !== undefined;
  const [priceKind, setPriceKind] = useState<string>(initial?.priceKind ?? "");
  const [price, setPrice] = useState(initial?.price != null ? String(initial.price) : "");
  const [departmentId, setDepartmentId] = useState(initial?.departmentId ?? "");
  const [{ data: staff }] = useQuery({ query: AssignableStaffDocument });
  const links = useServiceLinks(scope);
  const own = initial ? links.find((l) => l.id === initial.id) : undefined;
  // Unset until the links arrive (or the person picks): an untouched picker leaves the value alone.
  const [role, setRole] = useState<string | undefined>(undefined);
  const [personId, setPersonId] = useState<string | undefined>(undefined);
  const [afterId, setAfterId] = useState<string | undefined>(undefined);
  const roleValue = role ?? own?.responsibleRole ?? "";
  const personValue = personId ?? own?.responsiblePerson?.id ?? "";
  const afterValue = afterId ?? own?.afterServiceId ?? "";
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const planned = Number(plannedDays);
    onSubmit({
      category,
      groupName,
      name,
      description,
      plannedDays: planned,
      hardDays: Math.max(Number(hardDays), planned),
      fileRequired,
      ...(knowsChecklist
        ? {
            checklist: checklist
              .split("\n")
              .map((line) => line.trim())
              .filter(Boolean),
          }
        : {}),
      priceKind: priceKind ? (priceKind as ServicePriceKind) : null,
      price: priceKind && price ? price.replace(",", ".") : null,
      departmentId: departmentId || null,
      ...(role !== undefined ? { responsibleRole: role.trim() || null } : {}),
      ...(personId !== undefined ? { responsiblePersonId: personId || null } : {}),
      ...(afterId !== undefined ? { afterServiceId: afterId || null } : {}),
    });
  };
  const id = (field: string) => `${prefix}-${field}`;
  return (
    <form className="request-form catalog-form" onSubmit={submit} data-testid="service-form">
      <div className="grid-2">
        <div className="field">
          <label htmlFor={id("category")}>{t("catalog.category")}</label>
          <input id={id("category")} required maxLength={200} value={category} onChange={(e) => setCategory(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={id("group")}>{t("catalog.group")}</label>
          <input id={id("group")} required maxLength={200} value={groupName} onChange={(e) => setGroupName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={id("name")}>{t("catalog.name")}</label>
          <input id={id("name")} required maxLength={300} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={id("department")}>{t("catalog.department")}</label>
          <select id={id("department")} value={departmentId} onChange={(e) => setDepartmentId(e.target.value)}>
            <option value="">{t("catalog.noDepartment")}</option>
            {(departments?.requestDepartments ?? []).map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={id("responsible-role")}>{t("catalog.responsibleRole")}</label>
          <input id={id("responsible-role")} maxLength={200} value={roleValue} onChange={(e) => setRole(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={id("responsible-person")}>{t("catalog.responsiblePerson")}</label>
          <select id={id("responsible-person")} value={personValue} onChange={(e) => setPersonId(e.target.value)}>
            <option value="">{t("catalog.noDepartment")}</option>
            {(staff?.assignableStaff ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.displayName || p.email}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={id("after")}>{t("catalog.afterService")}</label>
          <select id={id("after")} value={afterValue} onChange={(e) => setAfterId(e.target.value)}>
            <option value="">{t("catalog.noDepartment")}</option>
            {links
              .filter((l) => l.id !== initial?.id)
              .map((l) => (
                <option key={l.id} value={l.id}>
                  {l.name}
                </option>
              ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={id("planned")}>{t("catalog.plannedDays")}</label>
          <input id={id("planned")} type="number" required min={0} max={366} value={plannedDays} onChange={(e) => setPlannedDays(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={id("hard")}>{t("catalog.hardDays")}</label>
          <input id={id("hard")} type="number" required min={0} max={366} value={hardDays} onChange={(e) => setHardDays(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={id("price-kind")}>{t("catalog.priceKind")}</label>
          <select id={id("price-kind")} value={priceKind} onChange={(e) => setPriceKind(e.target.value)}>
            <option value="">{t("catalog.priceNone")}</option>
            <option value="HOURLY">{t("catalog.priceHourly")}</option>
            <option value="PIECE">{t("catalog.pricePiece")}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={id("price")}>{t("catalog.price")}</label>
          <input id={id("price")} inputMode="decimal" disabled={!priceKind} value={price} onChange={(e) => setPrice(e.target.value)} />
        </div>
      </div>
      <div className="field">
        <label htmlFor={id("description")}>{t("catalog.descriptionTemplate")}</label>
        <textarea id={id("description")} maxLength={10000} value={description} onChange={(e) => setDescription(e.target.value)} />
      </div>
      {knowsChecklist && (
        <div className="field">
          <label htmlFor={id("checklist")}>{t("catalog.checklist")}</label>
          <textarea id={id("checklist")} maxLength={10000} value={checklist} onChange={(e) => setChecklist(e.target.value)} />
        </div>
      )}
      <label className="checkbox">
        <input type="checkbox" checked={fileRequired} onChange={(e) => setFileRequired(e.target.checked)} /> {t("catalog.fileRequired")}
      </label>
      <div className="request-form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="service-save">
          {submitLabel}
        </button>
        {onCancel && (
          <button type="button" className="btn" onClick={onCancel}>
            {t("common.cancel")}
          </button>
        )}
      </div>
    </form>
  );
}

/** A new service of a template (`templateId`) or of an organization's catalog (`organizationId`). */
export function AddServiceForm({ templateId, organizationId, onAdded }: { templateId?: string; organizationId?: string; onAdded: () => void }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const [generation, setGeneration] = useState(0);
  const [{ fetching, data }, add] = useMutation(AddCatalogServiceDocument);
  const prefix = `add-${templateId ?? organizationId ?? ""}`;
  if (!open)
    return (
      <button type="button" className="btn" onClick={() => setOpen(true)} data-testid="service-add">
        {t("catalog.addService")}
      </button>
    );
  return (
    <>
      <ServiceForm
        key={generation}
        prefix={prefix}
        scope={{ templateId, organizationId }}
        initial={null}
        busy={fetching}
        submitLabel={t("catalog.addService")}
        onCancel={() => setOpen(false)}
        onSubmit={(input) =>
          void add({ input, templateId: templateId ?? null, organizationId: organizationId ?? null }).then((r) => {
            if (r.data?.addCatalogService.__typename === "CatalogService") {
              setGeneration((g) => g + 1);
              setOpen(false);
              onAdded();
            }
          })
        }
      />
      <ErrorAlert>{failureOf(data?.addCatalogService)}</ErrorAlert>
    </>
  );
}

/** The services of a template or a catalog, each with its edit form and removal. */
export function CatalogServiceList({ scope, services, onChanged }: { scope: CatalogScope; services: readonly EditableService[]; onChanged: () => void }) {
  const t = useT();
  const f = useFormat();
  const [editing, setEditing] = useState<string | null>(null);
  const [{ fetching: saving, data: saved }, update] = useMutation(UpdateCatalogServiceDocument);
  const [{ data: removed }, remove] = useMutation(RemoveCatalogServiceDocument);
  const failure = failureOf(saved?.updateCatalogService) ?? failureOf(removed?.removeCatalogService);
  if (services.length === 0) return <p className="muted">{t("catalog.noServices")}</p>;
  return (
    <>
      <ul className="catalog-services">
        {services.map((s) => (
          <li key={s.id} className="catalog-service" data-testid="catalog-service" data-service-id={s.id}>
            <div className="catalog-service-main">
              <strong id={`catalog-name-${s.id}`}>{s.name}</strong>
              <span className="muted">
                {" "}
                ({s.category} / {s.groupName})
              </span>
              <ul className="catalog-facts">
                <li>{t("requests.plannedDays", { count: s.plannedDays })}</li>
                <li>{t("requests.hardDays", { count: s.hardDays })}</li>
                {s.priceKind && s.price != null && (
                  <li>{t(s.priceKind === "HOURLY" ? "requests.priceHourly" : "requests.pricePiece", { price: f.number(Number(s.price), 2) })}</li>
                )}
                {s.fileRequired && <li>{t("requests.fileRequired")}</li>}
              </ul>
              {editing === s.id && (
                <ServiceForm
                  prefix={`edit-${s.id}`}
                  scope={scope}
                  initial={s}
                  busy={saving}
                  submitLabel={t("common.save")}
                  onCancel={() => setEditing(null)}
                  onSubmit={(input) =>
                    void update({ serviceId: s.id, input }).then((r) => {
                      if (r.data?.updateCatalogService.__typename === "CatalogService") {
                        setEditing(null);
                        onChanged();
                      }
                    })
                  }
                />
              )}
            </div>
            {editing !== s.id && (
              <div className="request-actions">
                <button type="button" className="btn" onClick={() => setEditing(s.id)} data-testid="service-edit" aria-describedby={`catalog-name-${s.id}`}>
                  {t("catalog.editService")}
                </button>
                <button
                  type="button"
                  className="btn btn-danger"
                  data-testid="service-remove"
                  onClick={() => {
                    if (window.confirm(t("catalog.removeConfirm", { name: s.name }))) void remove({ serviceId: s.id }).then(onChanged);
                  }}
                >
                  {t("catalog.removeService")}
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
      <ErrorAlert>{failure}</ErrorAlert>
    </>
  );
}
