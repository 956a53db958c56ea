// Every page is its own chunk, loaded when its route is first shown: the login page does not
// download the workspace, the reports or the drive. Pages that always appear together share
// a module (ReportPage: the staff and the client view) and so a chunk; the client's home and
// what it draws are one chunk ("client-home", vite.config.ts).
//
// A page whose module is already loaded when it mounts renders at once. React.lazy suspends
// on its first render even then, and React holds the content back after a fallback (up to
// 300 ms): main.tsx loads the first page's module before the first render (`preloadFirstPage`),
// so the client's home, whose chunk the HTML shell preloads, shows in the first commit.
import { createElement, lazy, useState } from "react";
import type { ComponentType } from "react";

type Page = ComponentType & { preload: () => Promise<void> };

function page<M, K extends keyof M>(load: () => Promise<M>, name: K): Page {
  let loaded: ComponentType | undefined;
  const preload = () =>
    load().then((module) => {
      loaded = module[name] as ComponentType;
    });
  const Lazy = lazy(async () => {
    await preload();
    return { default: loaded as ComponentType };
  });
  // Chosen once per mount: switching from Lazy to the loaded component would remount it.
  function Page(props: object) {
    const [ready] = useState(() => loaded);
    return ready ? createElement(ready, props) : createElement(Lazy, props);
  }
  return Object.assign(Page, { preload });
}

export const HomePage = page(() => import("../pages/HomePage"), "HomePage");
export const LoginPage = page(() => import("../pages/LoginPage"), "LoginPage");
export const ForgotPasswordPage = page(() => import("../pages/ForgotPasswordPage"), "ForgotPasswordPage");
export const ResetPasswordPage = page(() => import("../pages/ResetPasswordPage"), "ResetPasswordPage");
export const AcceptInvitationPage = page(() => import("../pages/AcceptInvitationPage"), "AcceptInvitationPage");
export const CabinetPickerPage = page(() => import("../pages/CabinetPickerPage"), "CabinetPickerPage");
export const ClientCabinetPage = page(() => import("../pages/ClientCabinetPage"), "ClientCabinetPage");
export const ClientListPage = page(() => import("../pages/ClientListPage"), "ClientListPage");
export const ClientCardPage = page(() => import("../pages/ClientCardPage"), "ClientCardPage");
export const NewClientPage = page(() => import("../pages/NewClientPage"), "NewClientPage");
export const BrandingSettingsPage = page(() => import("../pages/BrandingSettingsPage"), "BrandingSettingsPage");
export const NotFoundPage = page(() => import("../pages/NotFoundPage"), "NotFoundPage");
export const AccountSecurityPage = page(() => import("../pages/AccountSecurityPage"), "AccountSecurityPage");
export const NotificationSettingsPage = page(
  () => import("../pages/NotificationSettingsPage"),
  "NotificationSettingsPage",
);
export const FirmSettingsPage = page(() => import("../pages/FirmSettingsPage"), "FirmSettingsPage");
export const StaffPage = page(() => import("../pages/StaffPage"), "StaffPage");
export const ApiTokensPage = page(() => import("../pages/ApiTokensPage"), "ApiTokensPage");
export const ReportImportPage = page(() => import("../pages/ReportImportPage"), "ReportImportPage");
export const DriveAccessLogPage = page(() => import("../pages/DriveAccessLogPage"), "DriveAccessLogPage");
export const AuditLogPage = page(() => import("../pages/AuditLogPage"), "AuditLogPage");
export const ReportsPage = page(() => import("../pages/ReportsPage"), "ReportsPage");
export const ClientReportPage = page(() => import("../pages/ReportPage"), "ClientReportPage");
export const StaffReportPage = page(() => import("../pages/ReportPage"), "StaffReportPage");
export const ClientChatPage = page(() => import("../pages/ChatPage"), "ClientChatPage");
export const StaffChatPage = page(() => import("../pages/ChatPage"), "StaffChatPage");
export const ChatInboxPage = page(() => import("../pages/ChatInboxPage"), "ChatInboxPage");
export const ChatNoticeProofPage = page(() => import("../pages/ChatNoticeProofPage"), "ChatNoticeProofPage");
export const ClientCalendarPage = page(() => import("../pages/CalendarPage"), "ClientCalendarPage");
export const ClientServicesPage = page(() => import("../pages/ServicesPage"), "ClientServicesPage");
export const ClientRequestsPage = page(() => import("../pages/ServicesPage"), "ClientRequestsPage");
export const ClientRequestPage = page(() => import("../pages/ServicesPage"), "ClientRequestPage");
export const RequestBoardPage = page(() => import("../pages/RequestBoardPage"), "RequestBoardPage");
export const StaffRequestPage = page(() => import("../pages/RequestBoardPage"), "StaffRequestPage");
export const RequestSettingsPage = page(() => import("../pages/RequestSettingsPage"), "RequestSettingsPage");
export const ClientCatalogPage = page(() => import("../pages/RequestSettingsPage"), "ClientCatalogPage");
export const PerformerProfilePage = page(() => import("../pages/PerformerCabinetPage"), "PerformerProfilePage");
export const PerformerOrdersPage = page(() => import("../pages/PerformerCabinetPage"), "PerformerOrdersPage");
export const PerformerWorkPage = page(() => import("../pages/PerformerCabinetPage"), "PerformerWorkPage");
export const PerformerMoneyPage = page(() => import("../pages/PerformerMoneyPage"), "PerformerMoneyPage");
export const ClientPerformersPage = page(() => import("../pages/ClientPerformersPage"), "ClientPerformersPage");
export const ClientPaymentsPage = page(() => import("../pages/ClientPaymentsPage"), "ClientPaymentsPage");
export const FirmPerformersPage = page(() => import("../pages/FirmPerformersPage"), "FirmPerformersPage");

// The client's home, /cabinet/<organization> (saas/shell.py CLIENT_HOME): the page the shell
// prefetches for and whose chunk it preloads.
const CLIENT_HOME = /^\/cabinet\/[1-9][0-9]{0,17}\/?$/;

/** The module of the page at `path`, when the shell preloads it; never fails (the page then
 *  loads as any other). */
export function preloadFirstPage(path: string): Promise<void> {
  return CLIENT_HOME.test(path) ? ClientCabinetPage.preload().catch(() => undefined) : Promise.resolve();
}
