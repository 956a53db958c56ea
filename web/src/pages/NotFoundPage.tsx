import { Link } from "react-router";
import { AuthLayout } from "../components/AuthLayout";
import { useT } from "../i18n";

export function NotFoundPage() {
  const t = useT();
  return (
    <AuthLayout title={t("notFound.title")}>
      <p>{t("notFound.text")}</p>
      <p>
        <Link to="/">{t("notFound.home")}</Link>
      </p>
    </AuthLayout>
  );
}
