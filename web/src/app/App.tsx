import { BrowserRouter, Navigate, Route, Routes } from "react-router";
import { I18nProvider } from "../i18n";
import { ClientProvider } from "./client";
import { BrandProvider } from "./brand";
import { SessionProvider, useSession } from "./session";
import { HomePage } from "../pages/HomePage";
import { LoginPage } from "../pages/LoginPage";
import { ForgotPasswordPage } from "../pages/ForgotPasswordPage";
import { ResetPasswordPage } from "../pages/ResetPasswordPage";
import { AcceptInvitationPage } from "../pages/AcceptInvitationPage";
import { CabinetPickerPage } from "../pages/CabinetPickerPage";
import { ClientCabinetPage } from "../pages/ClientCabinetPage";
import { ClientListPage } from "../pages/ClientListPage";
import { ClientCardPage } from "../pages/ClientCardPage";
import { NewClientPage } from "../pages/NewClientPage";
import { BrandingSettingsPage } from "../pages/BrandingSettingsPage";
import { NotFoundPage } from "../pages/NotFoundPage";
import { AccountSecurityPage } from "../pages/AccountSecurityPage";
import { NotificationSettingsPage } from "../pages/NotificationSettingsPage";
import { FirmSettingsPage } from "../pages/FirmSettingsPage";
import { StaffPage } from "../pages/StaffPage";
import { ApiTokensPage } from "../pages/ApiTokensPage";
import { ReportImportPage } from "../pages/ReportImportPage";
import { DriveAccessLogPage } from "../pages/DriveAccessLogPage";
import { AuditLogPage } from "../pages/AuditLogPage";
import { ReportsPage } from "../pages/ReportsPage";
import { ClientReportPage, StaffReportPage } from "../pages/ReportPage";

/** The login page for the anonymous; the cabinet for whoever is already logged in. */
function LoginRoute() {
  const { viewer } = useSession();
  return viewer ? <Navigate to="/" replace /> : <LoginPage />;
}

export function App() {
  return (
    <BrowserRouter>
      <I18nProvider>
        <ClientProvider>
          <BrandProvider>
            <SessionProvider>
              <Routes>
                <Route path="/" element={<HomePage />} />
                <Route path="/login" element={<LoginRoute />} />
                <Route path="/forgot-password" element={<ForgotPasswordPage />} />
                <Route path="/reset-password" element={<ResetPasswordPage />} />
                <Route path="/invite" element={<AcceptInvitationPage />} />
                <Route path="/cabinets" element={<CabinetPickerPage />} />
                <Route path="/cabinet" element={<ClientCabinetPage />} />
                <Route path="/cabinet/:orgId" element={<ClientCabinetPage />} />
                <Route path="/cabinet/:orgId/reports/:id" element={<ClientReportPage />} />
                <Route path="/reports" element={<ReportsPage />} />
                <Route path="/reports/import" element={<ReportImportPage />} />
                <Route path="/reports/:id" element={<StaffReportPage />} />
                <Route path="/clients" element={<ClientListPage />} />
                <Route path="/clients/new" element={<NewClientPage />} />
                <Route path="/clients/:id" element={<ClientCardPage />} />
                <Route path="/settings/branding" element={<BrandingSettingsPage />} />
                <Route path="/settings/firm" element={<FirmSettingsPage />} />
                <Route path="/settings/api-tokens" element={<ApiTokensPage />} />
                <Route path="/staff" element={<StaffPage />} />
                <Route path="/audit/documents" element={<DriveAccessLogPage />} />
                <Route path="/audit/log" element={<AuditLogPage />} />
                <Route path="/account/security" element={<AccountSecurityPage />} />
                <Route path="/account/notifications" element={<NotificationSettingsPage />} />
                <Route path="*" element={<NotFoundPage />} />
              </Routes>
            </SessionProvider>
          </BrandProvider>
        </ClientProvider>
      </I18nProvider>
    </BrowserRouter>
  );
}
