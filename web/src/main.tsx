import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App";
import { preloadFirstPage } from "./app/pages";
import { loadDictionary, storedLang } from "./i18n";
import "./styles.css";

// The messages of the person's language first (a small chunk), and the first page's module
// when the HTML shell preloads it (app/pages.ts), then the app.
void Promise.all([loadDictionary(storedLang()), preloadFirstPage(window.location.pathname)]).then(() =>
  createRoot(document.getElementById("root")!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  ),
);
