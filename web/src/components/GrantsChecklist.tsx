import type { ClientModule } from "../graphql/generated";
import { useModules } from "../app/modules";

/** Checkboxes for the modules a contact may use: the built ones (from the API) the firm
 *  enabled for the organization. */
export function GrantsChecklist({
  legend,
  value,
  onChange,
  available,
  idPrefix,
  disabled,
}: {
  legend: string;
  value: ClientModule[];
  onChange: (next: ClientModule[]) => void;
  available?: readonly ClientModule[];
  idPrefix: string;
  disabled?: boolean;
}) {
  const modules = useModules();
  const order = (modules.available ?? []).map((m) => m.module);
  const offered = order.filter((m) => !available || available.includes(m));
  return (
    <fieldset>
      <legend>{legend}</legend>
      <div className="checkbox-grid">
        {offered.map((module) => {
          const id = `${idPrefix}-${module}`;
          return (
            <div className="checkbox" key={module}>
              <input
                id={id}
                type="checkbox"
                name={module}
                disabled={disabled}
                checked={value.includes(module)}
                onChange={(e) =>
                  onChange(e.target.checked ? order.filter((m) => m === module || value.includes(m)) : value.filter((m) => m !== module))
                }
              />
              <label htmlFor={id}>{modules.label(module)}</label>
            </div>
          );
        })}
      </div>
    </fieldset>
  );
}
