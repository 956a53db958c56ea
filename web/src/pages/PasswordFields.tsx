import { useT } from "../i18n";

export const MIN_PASSWORD = 10;

/** New password twice; the page checks they match before asking the API. */
export function PasswordFields({
  password,
  repeat,
  onPassword,
  onRepeat,
  idPrefix,
  label,
}: {
  password: string;
  repeat: string;
  onPassword: (v: string) => void;
  onRepeat: (v: string) => void;
  idPrefix: string;
  label?: string;
}) {
  const t = useT();
  return (
    <>
      <div className="field">
        <label htmlFor={`${idPrefix}-password`}>{label ?? t("field.newPassword")}</label>
        <input
          id={`${idPrefix}-password`}
          type="password"
          autoComplete="new-password"
          required
          aria-describedby={`${idPrefix}-password-hint`}
          value={password}
          onChange={(e) => onPassword(e.target.value)}
        />
        <span className="hint" id={`${idPrefix}-password-hint`}>
          {t("field.passwordHint", { min: MIN_PASSWORD })}
        </span>
      </div>
      <div className="field">
        <label htmlFor={`${idPrefix}-repeat`}>{t("field.repeatPassword")}</label>
        <input
          id={`${idPrefix}-repeat`}
          type="password"
          autoComplete="new-password"
          required
          value={repeat}
          onChange={(e) => onRepeat(e.target.value)}
        />
      </div>
    </>
  );
}
