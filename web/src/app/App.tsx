import { Suspense } from "react";
import { BrowserRouter, Navigate, Route, Routes, useSearchParams } from "react-router";
import { I18nProvider, useT } from "../i18n";
import { ClientProvider } from "./client";
import { BrandProvider } from "./brand";
import { SessionProvider, useSession } from "./session";
import { FullPageMessage } from "../components/FullPageMessage";
import {
  HomePage,
  LoginPage,
  ForgotPasswordPage,
  ResetPasswordPage,
  AcceptInvitationPage,
  CabinetPickerPage,
  ClientCabinetPage,
  ClientListPage,
  ClientCardPage,
  NewClientPage,
  BrandingSettingsPage,
  NotFoundPage,
  AccountSecurityPage,
  NotificationSettingsPage,
  FirmSettingsPage,
  StaffPage,
  ApiTokensPage,
  ReportImportPage,
  DriveAccessLogPage,
  AuditLogPage,
  ReportsPage,
  ClientReportPage,
  StaffReportPage,
  ClientChatPage,
  StaffChatPage,
  ChatInboxPage,
  ChatNoticeProofPage,
  ClientCalendarPage,
  ClientServicesPage,
  ClientRequestsPage,
  ClientRequestPage,
  RequestBoardPage,
  StaffRequestPage,
  RequestSettingsPage,
  ClientCatalogPage,
  PerformerProfilePage,
  PerformerOrdersPage,
  PerformerWorkPage,
  PerformerMoneyPage,
  ClientPerformersPage,
  ClientPaymentsPage,
  FirmPerformersPage,
} from "./pages";

/** The login page for the anonymous; the cabinet for whoever is already logged in. Sent here
 *  because the session ended (`?ended=1`, app/sessionWatch.tsx), the login page stays while
 *  the ended session's viewer is still on screen. */
function LoginRoute() {
  const { viewer } = useSession();
  const [params] = useSearchParams();
  return viewer && !params.has("ended") ? <Navigate to="/" replace /> : <LoginPage />;
}

/** While a page's chunk loads (once per page and visit; cached for a year after). */
function PageLoading() {
  return <FullPageMessage title={useT()("common.loading")} busy />;
}

export function App() {
  return (
    <BrowserRouter>
      <I18nProvider>
        <ClientProvider>
          <BrandProvider>
            <SessionProvider>
              <Suspense fallback={<PageLoading />}>
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
                  <Route path="/cabinet/:orgId/chat" element={<ClientChatPage />} />
                  <Route path="/cabinet/:orgId/chat/report/:reportId" element={<ClientChatPage />} />
                  <Route path="/cabinet/:orgId/calendar" element={<ClientCalendarPage />} />
                  <Route path="/cabinet/:orgId/services" element={<ClientServicesPage />} />
                  <Route path="/cabinet/:orgId/requests" element={<ClientRequestsPage />} />
                  <Route path="/cabinet/:orgId/requests/:id" element={<ClientRequestPage />} />
                  <Route path="/cabinet/:orgId/performers" element={<ClientPerformersPage />} />
                  <Route path="/cabinet/:orgId/performers/payments" element={<ClientPaymentsPage />} />
                  <Route path="/performers" element={<FirmPerformersPage />} />
                  <Route path="/performer" element={<PerformerProfilePage />} />
                  <Route path="/performer/orders" element={<PerformerOrdersPage />} />
                  <Route path="/performer/work" element={<PerformerWorkPage />} />
                  <Route path="/performer/money" element={<PerformerMoneyPage />} />
                  <Route path="/chat" element={<ChatInboxPage />} />
                  <Route path="/chat/notices/:id" element={<ChatNoticeProofPage />} />
                  <Route path="/chat/report/:reportId" element={<StaffChatPage />} />
                  <Route path="/chat/conversation/:conversationId" element={<StaffChatPage />} />
                  <Route path="/chat/:orgId" element={<StaffChatPage />} />
                  <Route path="/reports" element={<ReportsPage />} />
                  <Route path="/requests" element={<RequestBoardPage />} />
                  <Route path="/requests/:id" element={<StaffRequestPage />} />
                  <Route path="/reports/import" element={<ReportImportPage />} />
                  <Route path="/reports/:id" element={<StaffReportPage />} />
                  <Route path="/clients" element={<ClientListPage />} />
                  <Route path="/clients/new" element={<NewClientPage />} />
                  <Route path="/clients/:id" element={<ClientCardPage />} />
                  <Route path="/clients/:id/catalog" element={<ClientCatalogPage />} />
                  <Route path="/settings/branding" element={<BrandingSettingsPage />} />
                  <Route path="/settings/firm" element={<FirmSettingsPage />} />
                  <Route path="/settings/requests" element={<RequestSettingsPage />} />
                  <Route path="/settings/api-tokens" element={<ApiTokensPage />} />
                  <Route path="/staff" element={<StaffPage />} />
                  <Route path="/audit/documents" element={<DriveAccessLogPage />} />
                  <Route path="/audit/log" element={<AuditLogPage />} />
                  <Route path="/account/security" element={<AccountSecurityPage />} />
                  <Route path="/account/notifications" element={<NotificationSettingsPage />} />
                  <Route path="*" element={<NotFoundPage />} />
                </Routes>
              </Suspense>
            </SessionProvider>
          </BrandProvider>
        </ClientProvider>
      </I18nProvider>
    </BrowserRouter>
  );
}
