/** A refusal the API names a field for (ValidationError.field), shown under that field. */
export type FieldError = { message: string; field: string | null } | null;

type Outcome = { __typename?: string } & Partial<{ message: string; field: string | null; code: string }>;

/** The typed error of a mutation's answer as a FieldError; `conflictFields` names the field
 *  of a ConflictError code (a conflict carries no field). */
export function fieldErrorOf(outcome: Outcome | null | undefined, fallback: string, conflictFields: Record<string, string> = {}): FieldError {
  const message = outcome?.message ?? fallback;
  if (outcome?.__typename === "ValidationError") return { message, field: outcome.field ?? null };
  if (outcome?.__typename === "ConflictError") return { message, field: conflictFields[outcome.code ?? ""] ?? null };
  return { message, field: null };
}
