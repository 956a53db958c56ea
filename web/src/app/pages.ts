// Every page is its own chunk, loaded when its route is first shown: the login page does not
// download the workspace, the reports or the drive. Pages that always appear together share
// a module (ReportPage: the staff and the client view) and so a chunk.
import { lazy } from "react";
import type { ComponentType } from "react";

function page<M, K extends keyof M>(load: () => Promise<M>, name: K) {
  return lazy(async () => ({ default: (await load())[name] as ComponentType }));
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
