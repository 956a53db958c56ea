// The service requests' statuses and deadline states in the cabinet's words (both languages
// through the dictionary), and the CSS modifier of each badge.
import type { ServiceRequestSide, ServiceRequestSla, ServiceRequestStatus } from "./graphql/generated";
import type { MessageKey } from "./i18n";

export const REQUEST_STATUS_LABEL: Record<ServiceRequestStatus, MessageKey> = {
  NEW: "requests.statusNew",
  UNDER_REVIEW: "requests.statusUnderReview",
  ACCEPTED: "requests.statusAccepted",
  DONE: "requests.statusDone",
  REJECTED: "requests.statusRejected",
};

export const REQUEST_STATUS_TONE: Record<ServiceRequestStatus, string> = {
  NEW: "request-new",
  UNDER_REVIEW: "request-review",
  ACCEPTED: "request-accepted",
  DONE: "request-done",
  REJECTED: "request-rejected",
};

/** AWAITING_CLIENT: the performer waits on the client, the clock is paused. */
export type RequestSla = ServiceRequestSla;

export const REQUEST_SLA_LABEL: Record<RequestSla, MessageKey> = {
  ON_TRACK: "requests.slaOnTrack",
  DUE_SOON: "requests.slaDueSoon",
  OVERDUE: "requests.slaOverdue",
  BREACHED: "requests.slaBreached",
  AWAITING_CLIENT: "requests.slaAwaitingClient",
  CLOSED: "requests.slaClosed",
};

export const REQUEST_SIDE_LABEL: Record<ServiceRequestSide, MessageKey> = {
  CLIENT: "requests.sideClient",
  STAFF: "requests.sideStaff",
  SYSTEM: "requests.sideSystem",
};
