import {
  ChatConversationDocument,
  ClientAwaitingNoticesDocument,
  ClientNeedsReportsDocument,
  ClientOrganizationDocument,
  ReportStatusCountsDocument,
  ReportsFeedDocument,
} from "../graphql/generated";

// The variables of the client home's first queries as the page asks them with no filter in
// its address (ClientCabinetPage.tsx, NeedsYouPanel.tsx, ReportFeed.tsx: prefetchClientFeed),
// for the HTML shell (vite.config.ts writes them into dist/boot.json; saas/shell.py runs the
// queries with "$organization" = the address's organization number and
// "$organizationGlobalId" = its Relay id). The shell sends the variables back with each
// answer and app/boot.ts keys the answer by them: a variable that drifted from the page's
// only costs the round trip it would have saved, never a wrong answer.
const ORG = "$organizationGlobalId";

export const CLIENT_HOME_QUERIES = {
  clientOrganization: { id: "$organization" },
  clientNeedsReports: { organizationId: ORG },
  clientAwaitingNotices: { organizationId: ORG },
  chatConversation: { organizationId: ORG },
  reportsFeed: {
    organizationId: ORG,
    formCode: null,
    periodFrom: null,
    periodTo: null,
    statuses: null,
    overdue: null,
    orderBy: "CLIENT_ATTENTION",
    withOrganization: false,
    first: 20,
    after: null,
  },
  reportStatusCounts: { organizationId: ORG },
} as const;

/** The documents of those queries, by the same names (boot.json's and the shell's). */
export const CLIENT_HOME_DOCUMENTS = {
  clientOrganization: ClientOrganizationDocument,
  clientNeedsReports: ClientNeedsReportsDocument,
  clientAwaitingNotices: ClientAwaitingNoticesDocument,
  chatConversation: ChatConversationDocument,
  reportsFeed: ReportsFeedDocument,
  reportStatusCounts: ReportStatusCountsDocument,
};
