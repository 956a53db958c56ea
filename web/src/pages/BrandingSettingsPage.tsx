import { useEffect, useMemo, useState } from "react";
import type { CSSProperties, FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { BrandingSettingsDocument, RemoveLogoDocument, UpdateBrandingDocument, UploadLogoDocument } from "../graphql/generated";
import type { BrandingImageKind, BrandingSettingsFieldsFragment } from "../graphql/generated";
import { Workspace } from "./Workspace";
import { ErrorAlert, OkAlert, WarnAlert } from "../components/Alert";
import { useRefreshBrand } from "../app/brand";
import { cssVariables, parseHex, previewTheme } from "../theme";
import { useI18n } from "../i18n";
import { formatNumber } from "../i18n/format";
import { usePageTitle } from "../app/page";

type Adjustment = BrandingSettingsFieldsFragment["adjustments"][number];

function readAsDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

export function BrandingSettingsPage() {
  const { t } = useI18n();
  usePageTitle(t("branding.title"));
  const [{ data, error }] = useQuery({ query: BrandingSettingsDocument, requestPolicy: "network-only" });
  const settings = data?.brandingSettings;
  return (
    <Workspace>
      <div className="page-title">
        <h1>{t("branding.title")}</h1>
      </div>
      {error && <ErrorAlert>{error.graphQLErrors[0]?.extensions?.code === "FORBIDDEN" ? t("error.forbidden") : t("error.generic")}</ErrorAlert>}
      {!settings && !error && <p role="status">{t("common.loading")}</p>}
      {settings && <BrandingForm settings={settings} />}
    </Workspace>
  );
}

function BrandingForm({ settings }: { settings: BrandingSettingsFieldsFragment }) {
  const { t, pick, lang } = useI18n();
  const refreshBrand = useRefreshBrand();
  const [displayName, setDisplayName] = useState(settings.displayName);
  const [phone, setPhone] = useState(settings.phone ?? "");
  const [color, setColor] = useState(settings.requestedColor);
  const [sender, setSender] = useState(settings.emailSenderName);
  const [saved, setSaved] = useState(settings);
  const [adjustments, setAdjustments] = useState<Adjustment[]>(settings.adjustments);
  const [justSaved, setJustSaved] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [{ fetching }, update] = useMutation(UpdateBrandingDocument);

  const preview = useMemo(() => previewTheme(color), [color]);
  const colorValid = preview !== null;
  const dirty =
    displayName !== saved.displayName ||
    phone !== (saved.phone ?? "") ||
    (parseHex(color) ?? color) !== saved.requestedColor ||
    sender !== saved.emailSenderName;

  useEffect(() => {
    if (dirty) setJustSaved(false);
  }, [dirty]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const result = await update({
      input: { displayName, phone: phone.trim() || null, primaryColor: color, emailSenderName: sender },
    });
    const outcome = result.data?.updateBranding;
    if (outcome?.__typename === "BrandingUpdated") {
      setSaved(outcome.settings);
      setColor(outcome.settings.requestedColor);
      setAdjustments(outcome.adjustments);
      setJustSaved(true);
      refreshBrand();
      return;
    }
    setError(outcome && "message" in outcome ? outcome.message : t("error.generic"));
  }

  const previewStyle = (preview ? cssVariables(preview) : {}) as CSSProperties;

  return (
    <div className="grid-2">
      <form className="card" onSubmit={submit} aria-labelledby="branding-form-title">
        <h2 id="branding-form-title">{t("branding.formTitle")}</h2>
        <ErrorAlert>{error}</ErrorAlert>
        {justSaved && <OkAlert>{t("branding.saved")}</OkAlert>}
        {/* What the API said about the saved color: the authoritative contrast message. */}
        {!dirty &&
          adjustments.map((a) => (
            <WarnAlert key={a.token} testId="contrast-message">
              {pick(a.messageRu, a.messageEn)}
            </WarnAlert>
          ))}
        <div className="field">
          <label htmlFor="brand-name">{t("branding.displayName")}</label>
          <input id="brand-name" type="text" required maxLength={200} value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="brand-phone">{t("branding.phone")}</label>
          <input id="brand-phone" type="tel" autoComplete="tel" value={phone} onChange={(e) => setPhone(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="brand-color">{t("branding.color")}</label>
          <div style={{ display: "flex", gap: "0.5rem" }}>
            <input
              type="color"
              aria-label={t("branding.colorPicker")}
              value={parseHex(color)?.toLowerCase() ?? "#000000"}
              onChange={(e) => setColor(e.target.value.toUpperCase())}
            />
            <input
              id="brand-color"
              type="text"
              required
              spellCheck={false}
              value={color}
              aria-invalid={!colorValid || undefined}
              aria-describedby="brand-color-hint"
              onChange={(e) => setColor(e.target.value)}
            />
          </div>
          <span className="hint" id="brand-color-hint">
            {colorValid ? t("branding.colorHint") : t("branding.colorInvalid")}
          </span>
        </div>
        {dirty && preview?.adjusted && (
          <WarnAlert testId="contrast-preview">
            {t("branding.willAdjust", {
              requested: preview.requested,
              applied: preview.primary,
            })}
          </WarnAlert>
        )}
        <div className="field">
          <label htmlFor="brand-sender">{t("branding.sender")}</label>
          <input id="brand-sender" type="text" value={sender} onChange={(e) => setSender(e.target.value)} />
          <span className="hint">{t("branding.senderHint")}</span>
        </div>
        <button type="submit" className="btn btn-primary" disabled={fetching || !colorValid} data-testid="branding-save">
          {t("common.save")}
        </button>
        <ImageField kind="LOGO" settings={saved} onChanged={(s) => { setSaved(s); refreshBrand(); }} />
        <ImageField kind="FAVICON" settings={saved} onChanged={(s) => { setSaved(s); refreshBrand(); }} />
        <p className="muted">{t("branding.host", { host: saved.canonicalHost })}</p>
      </form>
      <section className="card" aria-labelledby="preview-title">
        <h2 id="preview-title">{t("branding.preview")}</h2>
        <div className="preview" style={previewStyle} data-testid="branding-preview">
          <div className="preview-header" style={{ background: "var(--kb-primary)", color: "var(--kb-on-primary)" }}>
            {saved.logoUrl && <img className="brand-logo" src={saved.logoUrl} alt="" />}
            <div>
              <strong>{displayName || "—"}</strong>
              {phone && <div>{phone}</div>}
            </div>
          </div>
          <div className="preview-body">
            <p>
              {t("branding.previewText")} <a href="#preview-title">{t("branding.previewLink")}</a>
            </p>
            <p>
              <span className="badge">{t("branding.previewBadge")}</span>
            </p>
            <button type="button" className="btn btn-primary" tabIndex={-1} data-testid="preview-button">
              {t("branding.previewButton")}
            </button>
          </div>
        </div>
        {preview && (
          <>
            <p className="muted" data-testid="preview-contrast">
              {t("branding.contrast", { ratio: formatNumber(preview.contrast, lang, 2) })}
            </p>
            <div className="swatches" aria-hidden="true">
              {(["primary", "primaryHover", "primaryMuted", "onPrimary"] as const).map((token) => (
                <span className="swatch" key={token}>
                  <span style={{ background: preview[token] }} />
                  <span>{preview[token]}</span>
                </span>
              ))}
            </div>
          </>
        )}
      </section>
    </div>
  );
}

function ImageField({
  kind,
  settings,
  onChanged,
}: {
  kind: BrandingImageKind;
  settings: BrandingSettingsFieldsFragment;
  onChanged: (settings: BrandingSettingsFieldsFragment) => void;
}) {
  const { t } = useI18n();
  const [error, setError] = useState<string | null>(null);
  const [{ fetching: uploading }, upload] = useMutation(UploadLogoDocument);
  const [{ fetching: removing }, remove] = useMutation(RemoveLogoDocument);
  const url = kind === "LOGO" ? settings.logoUrl : settings.faviconUrl;
  const id = `brand-${kind.toLowerCase()}`;

  async function onFile(file: File | undefined) {
    if (!file) return;
    setError(null);
    const result = await upload({ kind, contentBase64: await readAsDataUrl(file), filename: file.name });
    const outcome = result.data?.uploadLogo;
    if (outcome?.__typename === "BrandingImageUploaded") onChanged(outcome.settings);
    else setError(outcome && "message" in outcome ? outcome.message : t("error.generic"));
  }

  return (
    <fieldset style={{ marginTop: "1rem" }}>
      <legend>{kind === "LOGO" ? t("branding.logo") : t("branding.favicon")}</legend>
      <ErrorAlert>{error}</ErrorAlert>
      {url && <img className="brand-logo" src={url} alt={kind === "LOGO" ? t("branding.logo") : t("branding.favicon")} />}
      {/* The native file button speaks the browser's language; this one speaks the cabinet's. */}
      <div className="field">
        <input
          id={id}
          className="visually-hidden file-input"
          type="file"
          accept={kind === "LOGO" ? "image/png,image/jpeg,image/webp" : "image/png,image/x-icon,image/webp"}
          disabled={uploading}
          aria-describedby={`${id}-hint`}
          onChange={(e) => onFile(e.target.files?.[0])}
        />
        <label htmlFor={id} className="btn btn-secondary" style={{ alignSelf: "flex-start" }}>
          {t("branding.chooseFile")}
        </label>
        {kind === "LOGO" && settings.logoFilename && <span className="muted">{settings.logoFilename}</span>}
        <span className="hint" id={`${id}-hint`}>
          {kind === "LOGO" ? t("branding.logoHint") : t("branding.faviconHint")}
        </span>
      </div>
      {url && (
        <button
          type="button"
          className="btn btn-secondary"
          disabled={removing}
          onClick={async () => {
            const result = await remove({ kind });
            if (result.data?.removeLogo) onChanged(result.data.removeLogo);
            else setError(t("error.generic"));
          }}
        >
          {t("branding.remove")}
        </button>
      )}
    </fieldset>
  );
}
