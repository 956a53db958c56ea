// A department head's onboarding tasks (issue 14): for each client organization onboarded to
// the department, appoint the project manager of that direction and name the project. The
// main department's manager becomes the organization's responsible manager, another's a
// moderator (the API decides). Shown above the request board while the viewer has tasks.
import { useState } from "react";
import type { FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { AssignableStaffDocument, CompleteOnboardingTaskDocument, OnboardingTasksDocument } from "../graphql/generated";
import type { OnboardingTaskFieldsFragment } from "../graphql/generated";
import { ErrorAlert } from "./Alert";
import { useT } from "../i18n";

export function OnboardingTasks() {
  const t = useT();
  const [{ data }, refetch] = useQuery({ query: OnboardingTasksDocument, requestPolicy: "network-only" });
  const tasks = data?.onboardingTasks ?? [];
  if (tasks.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="onboarding-title" data-testid="onboarding-tasks">
      <h2 id="onboarding-title">{t("onboarding.title")}</h2>
      <p>{t("onboarding.help")}</p>
      <ul className="plain-list">
        {tasks.map((task) => (
          <li key={task.id} data-testid="onboarding-task">
            <OnboardingTask task={task} onDone={() => refetch({ requestPolicy: "network-only" })} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function OnboardingTask({ task, onDone }: { task: OnboardingTaskFieldsFragment; onDone: () => void }) {
  const t = useT();
  const [{ data: staff }] = useQuery({ query: AssignableStaffDocument, pause: task.done });
  const [{ fetching, data: result }, complete] = useMutation(CompleteOnboardingTaskDocument);
  const [managerId, setManagerId] = useState("");
  const [project, setProject] = useState("");
  const outcome = result?.completeOnboardingTask;
  const failure = outcome && outcome.__typename !== "OnboardingTask" ? outcome.message : null;
  const role = task.main ? t("onboarding.main") : t("onboarding.moderator");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void complete({ taskId: task.id, managerId, projectName: project }).then((r) => {
      if (r.data?.completeOnboardingTask.__typename === "OnboardingTask") onDone();
    });
  };
  const prefix = `onboarding-${task.id}`;
  return (
    <div>
      <p>
        <strong>{task.organizationName}</strong> · {task.departmentName} · {role}
      </p>
      {task.done ? (
        <p data-testid="onboarding-done">
          {t("onboarding.done")}: {task.manager?.displayName} · {task.projectName}
        </p>
      ) : (
        <form className="catalog-inline-form" onSubmit={submit}>
          <div className="field">
            <label htmlFor={`${prefix}-manager`}>{t("onboarding.manager")}</label>
            <select id={`${prefix}-manager`} required value={managerId} onChange={(e) => setManagerId(e.target.value)} data-testid="onboarding-manager">
              <option value="">{t("onboarding.pickManager")}</option>
              {(staff?.assignableStaff ?? []).map((p) => (
                <option key={p.id} value={p.id}>
                  {p.displayName || p.email}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${prefix}-project`}>{t("onboarding.project")}</label>
            <input id={`${prefix}-project`} required maxLength={200} value={project} onChange={(e) => setProject(e.target.value)} data-testid="onboarding-project" />
          </div>
          <button type="submit" className="button" disabled={fetching} data-testid="onboarding-submit">
            {t("onboarding.submit")}
          </button>
          {failure && <ErrorAlert>{failure}</ErrorAlert>}
        </form>
      )}
    </div>
  );
}
