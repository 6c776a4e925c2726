import { TEMPO_DATASOURCE_UID } from "../../../config/files/grafanaProvisioning";
import { BrokenLink, FIXES } from "../failures";
import { describeAnswer, httpGet, joinUrl } from "../http";
import { parseJson, stringField } from "../json";
import { CheckDeps, StepDone } from "./types";

/** Grafana's admin login, for the data source check. */
export interface GrafanaCredentials {
  readonly user: string;
  readonly password: string;
}

export interface GrafanaTarget {
  readonly grafanaUrl: string;
  readonly credentials?: GrafanaCredentials;
}

/**
 * Step 5: Grafana is healthy and, given a login, has the provisioned Tempo data source.
 * Without a login the data source check is skipped, not failed: prod may hide the admin.
 */
export async function checkGrafana(target: GrafanaTarget, deps: CheckDeps): Promise<StepDone<void>> {
  const healthUrl = joinUrl(target.grafanaUrl, "api/health");
  const health = await httpGet(deps.http, healthUrl);
  const body = health.reached ? parseJson(health.body) : undefined;
  if (!health.reached || health.status !== 200 || stringField(body, "database") !== "ok") {
    throw new BrokenLink("Grafana down", `${healthUrl}: ${describeAnswer(health)}`, FIXES.grafanaDown);
  }
  const version = stringField(body, "version");
  const notes = [`Grafana${version ? ` ${version}` : ""} healthy (database ok)`];

  if (!target.credentials) {
    notes.push("data source check skipped: no Grafana login (--grafana-password or GRAFANA_PASSWORD)");
    return { value: undefined, notes };
  }
  const datasourceUrl = joinUrl(target.grafanaUrl, `api/datasources/uid/${TEMPO_DATASOURCE_UID}`);
  const { user, password } = target.credentials;
  const answer = await httpGet(deps.http, datasourceUrl, {
    headers: { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` },
  });
  if (answer.reached && (answer.status === 401 || answer.status === 403)) {
    const problem = `${datasourceUrl} as ${user}: ${describeAnswer(answer)}`;
    throw new BrokenLink("Grafana login rejected", problem, FIXES.grafanaCredentials);
  }
  if (!answer.reached || answer.status !== 200) {
    const problem = `${datasourceUrl}: ${describeAnswer(answer)}`;
    throw new BrokenLink("Tempo data source missing", problem, FIXES.datasourceMissing);
  }
  const type = stringField(parseJson(answer.body), "type");
  if (type !== "tempo") {
    throw new BrokenLink(
      "Tempo data source missing",
      `data source uid "${TEMPO_DATASOURCE_UID}" has type ${JSON.stringify(type ?? null)}, not "tempo"`,
      FIXES.datasourceMissing,
    );
  }
  notes.push(`data source uid "${TEMPO_DATASOURCE_UID}" is type tempo`);
  return { value: undefined, notes };
}
