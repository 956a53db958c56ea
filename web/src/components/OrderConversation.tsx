// A performer order's conversation with one performer, in the chat: opened on demand (the API
// opens it on first use), then the usual thread (newest at the bottom, live). The customer and
// staff name the performer; a performer discusses their own (`performerId` left out).
import { useState } from "react";
import { useQuery } from "urql";
import { PerformerOrderConversationDocument } from "../graphql/generated";
import { ChatThread } from "./ChatThread";
import { ErrorAlert } from "./Alert";
import { useT } from "../i18n";
import type { MessageKey } from "../i18n";

export function OrderConversation({
  orderId,
  organizationId,
  performerId,
  label,
  staff = false,
}: {
  orderId: string;
  organizationId: string;
  performerId?: string;
  label: MessageKey;
  staff?: boolean;
}) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const [{ data, error }] = useQuery({
    query: PerformerOrderConversationDocument,
    variables: { orderId, performerId: performerId ?? null },
    pause: !open,
    requestPolicy: "network-only",
  });
  const found = data?.performerOrderConversation;
  const talk = found?.__typename === "PerformerOrderConversation" ? found : null;
  return (
    <div className="order-conversation" data-testid="order-conversation">
      <button type="button" className="btn btn-secondary" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="order-discuss">
        {open ? t("performers.discussHide") : t(label)}
      </button>
      {open && error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      {open && found && !talk && "message" in found && <ErrorAlert>{found.message}</ErrorAlert>}
      {open && talk && (
        <section aria-label={t("performers.discussionTitle")}>
          <ChatThread
            conversationId={talk.conversationId}
            organizationId={organizationId}
            staff={staff}
            canAttach={false}
            ownSide={performerId || staff ? undefined : "PERFORMER"}
          />
        </section>
      )}
    </div>
  );
}
