// The cabinet speaks Russian by default and English on request; the choice is kept in
// localStorage. Every visible string goes through t(): the English dictionary is typed
// against the Russian one, so a key missing in either language fails the build. Each
// language is a chunk of its own, fetched when it is first shown (main.tsx loads the
// stored one before the first render): nobody downloads both.
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import type { ReactNode } from "react";
import type { Dictionary, MessageKey } from "./ru";

export type Lang = "ru" | "en";
export const LANGS: readonly Lang[] = ["ru", "en"];
const STORAGE_KEY = "kabinet.lang";
const LOADERS: Record<Lang, () => Promise<Dictionary>> = {
  ru: () => import("./ru").then((module) => module.ru),
  en: () => import("./en").then((module) => module.en),
};
const loaded: Partial<Record<Lang, Dictionary>> = {};

/** The messages of `lang`, fetched once. */
export async function loadDictionary(lang: Lang): Promise<Dictionary> {
  const dictionary = loaded[lang] ?? (await LOADERS[lang]());
  loaded[lang] = dictionary;
  return dictionary;
}

export type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;

export function storedLang(): Lang {
  try {
    const value = window.localStorage.getItem(STORAGE_KEY);
    if (value === "ru" || value === "en") return value;
  } catch {
    // Storage can be blocked (private mode): Russian, as for everyone else.
  }
  return "ru";
}

export function format(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

interface I18n {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: Translate;
  /** Picks the string of the current language from an API pair such as messageRu/messageEn. */
  pick: (ru: string | null | undefined, en: string | null | undefined) => string;
}

const I18nContext = createContext<I18n | null>(null);

/** Rendered once the stored language's messages are loaded (`loadDictionary` in main.tsx). */
export function I18nProvider({ children }: { children: ReactNode }) {
  const [{ lang, dictionary }, setCurrent] = useState(() => {
    const initial = storedLang();
    const messages = loaded[initial];
    if (!messages) throw new Error(`the ${initial} messages are not loaded`);
    return { lang: initial, dictionary: messages };
  });
  const setLang = useCallback((next: Lang) => {
    try {
      window.localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Not persisted, still switched for this page.
    }
    void loadDictionary(next).then((messages) => setCurrent({ lang: next, dictionary: messages }));
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const value = useMemo<I18n>(() => {
    return {
      lang,
      setLang,
      t: (key, params) => format(dictionary[key], params),
      pick: (ruText, enText) => (lang === "en" ? enText || ruText || "" : ruText || enText || ""),
    };
  }, [lang, dictionary, setLang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error("useI18n outside I18nProvider");
  return value;
}

export function useT(): Translate {
  return useI18n().t;
}

export type { MessageKey };
