// Names of the API's enums in the cabinet's words (both languages via the dictionary).
// The client cabinet's modules are named by the API itself (app/modules.ts).
import type { LegalForm, TaxRegime } from "./graphql/generated";
import type { MessageKey } from "./i18n";

export const TAX_REGIMES: readonly TaxRegime[] = ["OSNO", "USN_INCOME", "USN_INCOME_EXPENSE", "PATENT", "NPD", "ESHN"];

export const TAX_REGIME_LABEL: Record<TaxRegime, MessageKey> = {
  OSNO: "tax.osno",
  USN_INCOME: "tax.usnIncome",
  USN_INCOME_EXPENSE: "tax.usnIncomeExpense",
  PATENT: "tax.patent",
  NPD: "tax.npd",
  ESHN: "tax.eshn",
};

export const LEGAL_FORMS: readonly LegalForm[] = ["OOO", "AO", "PAO", "IP", "KFH"];

export const LEGAL_FORM_LABEL: Record<LegalForm, MessageKey> = {
  OOO: "legal.ooo",
  AO: "legal.ao",
  PAO: "legal.pao",
  IP: "legal.ip",
  KFH: "legal.kfh",
};

/** Individuals (ИП, КФХ) have a 12-digit INN, an OGRNIP and no KPP. */
export function isIndividual(form: LegalForm): boolean {
  return form === "IP" || form === "KFH";
}
