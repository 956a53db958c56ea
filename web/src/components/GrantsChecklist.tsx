import type { ClientModule } from "../graphql/generated";
import { MODULES, MODULE_LABEL } from "../labels";
import { useT } from "../i18n";

/** Checkboxes for the modules a contact may use; only those the firm enabled are offered. */
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
  const t = useT();
  const offered = MODULES.filter((m) => !available || available.includes(m));
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
                  onChange(e.target.checked ? MODULES.filter((m) => m === module || value.includes(m)) : value.filter((m) => m !== module))
                }
              />
              <label htmlFor={id}>{t(MODULE_LABEL[module])}</label>
            </div>
          );
        })}
      </div>
    </fieldset>
  );
}
