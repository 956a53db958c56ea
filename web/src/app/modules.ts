// The modules of the client cabinet that are built, as the API lists them
// (`availableModules`): what a firm can enable and grant, their names in both languages and
// whether a new contact gets them ticked. Nothing here names a module: a module built later
// shows up without a change to the cabinet.
import { useQuery } from "urql";
import { AvailableModulesDocument } from "../graphql/generated";
import type { AvailableModulesQuery, ClientModule } from "../graphql/generated";
import { useI18n } from "../i18n";

export type AvailableModule = AvailableModulesQuery["availableModules"][number];

export interface Modules {
  /** null until the API answered. */
  available: readonly AvailableModule[] | null;
  /** The module's name in the cabinet's language (its API name if it is not built). */
  label: (module: ClientModule) => string;
}

export function useModules(): Modules {
  const { pick } = useI18n();
  const [{ data }] = useQuery({ query: AvailableModulesDocument });
  const available = data?.availableModules ?? null;
  return {
    available,
    label: (module) => {
      const found = available?.find((m) => m.module === module);
      return found ? pick(found.nameRu, found.nameEn) : module;
    },
  };
}
