import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App";
import { loadDictionary, storedLang } from "./i18n";
import "./styles.css";

// The messages of the person's language first (a small chunk), then the app.
void loadDictionary(storedLang()).then(() =>
  createRoot(document.getElementById("root")!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  ),
);
