import { LANGS, useI18n } from "../i18n";

/** Русский / English: two toggle buttons, the pressed one is the current language. */
export function LangSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <div className="lang-switch" role="group" aria-label={t("lang.label")}>
      {LANGS.map((code) => (
        <button
          key={code}
          type="button"
          lang={code}
          aria-pressed={lang === code}
          onClick={() => setLang(code)}
          title={t(code === "ru" ? "lang.ru" : "lang.en")}
        >
          {code.toUpperCase()}
        </button>
      ))}
    </div>
  );
}
