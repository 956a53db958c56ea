// The client cabinet's navigation for one organization: its home, the chat with the number of
// unread messages (kept current live), the calendar, the services and the requests, each when the person holds its grant.
// Every client page of the organization shows it, so the chat's badge is in sight wherever the
// chat is reachable, not only on the home page.
import { useQuery } from "urql";
import { ClientOrganizationDocument } from "../graphql/generated";
import type { NavItem } from "../components/ShellNav";
import { useConversationUnread } from "../chat/unread";
import { useSession } from "./session";
import { useT } from "../i18n";

export function useCabinetNav(orgId: string | undefined): NavItem[] {
  const t = useT();
  const { clientHere } = useSession();
  const cabinet = clientHere.find((c) => String(c.organizationId) === orgId);
  const [{ data }] = useQuery({ query: ClientOrganizationDocument, variables: { id: orgId ?? "" }, pause: !cabinet });
  const org = data?.clientOrganization.__typename === "ClientOrganization" ? data.clientOrganization : null;
  const chat = org?.viewerGrants.includes("CHAT") ?? false;
  const unread = useConversationUnread(orgId ?? "", !chat);
  if (!cabinet || !org) return [];
  const home = `/cabinet/${orgId}`;
  const nav: NavItem[] = [{ to: home, label: t("nav.cabinetHome") }];
  if (chat) {
    const badge = unread ? { count: unread, label: t("chat.unreadN", { count: unread }) } : null;
    nav.push({ to: `${home}/chat`, label: t("nav.chat"), badge });
  }
  if (org.viewerGrants.includes("REPORTS") || org.viewerGrants.includes("REQUESTS")) nav.push({ to: `${home}/calendar`, label: t("calendar.title") });
  if (org.viewerGrants.includes("REQUESTS")) {
    nav.push({ to: `${home}/services`, label: t("nav.services") });
    nav.push({ to: `${home}/requests`, label: t("nav.myRequests") });
  }
  if (org.viewerGrants.includes("PERFORMERS")) {
    nav.push({ to: `${home}/performers`, label: t("nav.performers") });
    nav.push({ to: `${home}/performers/payments`, label: t("nav.performerPayments") });
  }
  return nav;
}
