import { useState } from "react";
import { useMutation } from "urql";
import { ResetStaffTotpDocument } from "../graphql/generated";
import type { MemberFieldsFragment } from "../graphql/generated";
import { ErrorAlert, OkAlert } from "./Alert";
import { useSession } from "../app/session";
import { useT } from "../i18n";

/** A staff member's second factor on the staff page: whether it is on, and for whoever may
 *  change the firm's security (`firm:manage`) a reset (a lost phone). The API ends that
 *  person's sessions and audits the reset; one's own factor is changed on the account page. */
export function StaffTotpReset({ member, onChanged }: { member: MemberFieldsFragment; onChanged: () => void }) {
  const t = useT();
  const { viewer, can } = useSession();
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [{ fetching }, reset] = useMutation(ResetStaffTotpDocument);
  const name = member.name || member.email;
  const offered = member.totpEnabled && can("firm:manage") && member.email !== viewer?.email && member.status === "active";

  async function onReset() {
    if (!window.confirm(t("staff.totpResetConfirm", { name }))) return;
    setError(null);
    const outcome = (await reset({ membershipId: member.id })).data?.resetStaffTotp;
    if (outcome?.__typename === "Member") {
      setDone(true);
      onChanged();
      return;
    }
    setError(outcome && "message" in outcome ? outcome.message : t("error.generic"));
  }

  return (
    <>
      {member.totpEnabled && (
        <span className="badge" data-testid="staff-totp-on">
          {t("staff.totpOn")}
        </span>
      )}
      {done && <OkAlert>{t("staff.totpResetDone", { name })}</OkAlert>}
      <ErrorAlert>{error}</ErrorAlert>
      {offered && (
        <button
          type="button"
          className="btn btn-secondary"
          disabled={fetching}
          aria-label={`${t("staff.totpReset")}: ${name}`}
          onClick={onReset}
          data-testid="staff-totp-reset"
        >
          {t("staff.totpReset")}
        </button>
      )}
    </>
  );
}
