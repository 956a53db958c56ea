import { useNavigate } from "react-router";
import { useMutation } from "urql";
import { LogoutDocument } from "../graphql/generated";
import { useResetClient } from "../app/client";
import { useT } from "../i18n";

export function LogoutButton({ className = "btn btn-secondary" }: { className?: string }) {
  const t = useT();
  const navigate = useNavigate();
  const resetClient = useResetClient();
  const [{ fetching }, logout] = useMutation(LogoutDocument);
  return (
    <button
      type="button"
      className={className}
      disabled={fetching}
      onClick={async () => {
        await logout({});
        resetClient();
        navigate("/login", { replace: true });
      }}
    >
      {t("common.logout")}
    </button>
  );
}
