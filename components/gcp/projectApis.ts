import * as gcp from "./sdk";

/** The API every other one is enabled through: see enableProjectApis. */
export const RESOURCE_MANAGER_API = "cloudresourcemanager.googleapis.com";

/** Which optional APIs a stack needs. */
export interface ApiNeeds {
  /** IAP on Grafana. */
  readonly iap: boolean;
  /** Compute Engine: the Direct VPC egress network, or the load balancer. */
  readonly compute: boolean;
}

/**
 * The APIs the prod stack's resources use: Cloud Run, Secret Manager, IAM (service accounts,
 * the custom role), Cloud Storage and, when needed, Compute Engine and IAP.
 */
export function requiredApis(needs: ApiNeeds): string[] {
  const apis = [
    "run",
    "secretmanager",
    "iam",
    "storage",
    ...(needs.compute ? ["compute"] : []),
    ...(needs.iap ? ["iap"] : []),
  ];
  return apis.map((api) => `${api}.googleapis.com`);
}

/**
 * Enables the APIs, never disabling them on destroy. `gcp.projects.Service` reads the project
 * through the Cloud Resource Manager API after enabling (terraform-provider-google
 * resource_google_project_service.go; hashicorp/terraform-provider-google#6101, #11435), so that
 * API is enabled first and every other one after it. It cannot enable itself in a project where
 * it is off: `npm run bootstrap` enables it (bootstrap/program.ts, and docs/delivery.md's one gcloud
 * line if even that is refused); declaring it here keeps the order and the record.
 */
export function enableProjectApis(options: ApiNeeds): gcp.projects.Service[] {
  const service = (api: string) => `api-${api.split(".")[0]}`;
  const resourceManager = new gcp.projects.Service(service(RESOURCE_MANAGER_API), {
    service: RESOURCE_MANAGER_API,
    disableOnDestroy: false,
  });
  return [
    resourceManager,
    ...requiredApis(options).map(
      (api) =>
        new gcp.projects.Service(
          service(api),
          { service: api, disableOnDestroy: false },
          { dependsOn: [resourceManager] },
        ),
    ),
  ];
}
