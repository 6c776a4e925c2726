import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { SECRET_KEYS_VARIABLE } from "../config/stack/pulumiSource";

/** One resource the program registered, with the inputs and options it gave. */
export interface Recorded {
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly inputs: Record<string, unknown>;
  readonly parent: string | undefined;
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly deleteBeforeReplace: boolean;
  readonly dependsOn: string[];
  /** Top-level inputs that arrived as Pulumi secrets (their values are unwrapped in `inputs`). */
  readonly secretInputs: string[];
}

export interface ProgramRun {
  /** Every resource but the root stack, in registration order. */
  readonly resources: Recorded[];
  /** The program's exports (Outputs), as `pulumi stack output` would see them. */
  readonly exports: Record<string, unknown>;
  /** The resolved stack outputs. */
  readonly outputs: Record<string, unknown>;
}

export const PROJECT = "tracing";
const ROOT = path.resolve(__dirname, "..");

/** The `config:` map of a checked-in stack file, e.g. Pulumi.local.yaml. */
export function stackFileConfig(stack: string): Record<string, unknown> {
  const file = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
    config?: Record<string, unknown>;
  };
  return { ...(file.config ?? {}) };
}

// How a secret value is marked on the wire (sdk/nodejs/runtime/rpc.ts).
const SPECIAL_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function isSecretWrapper(value: unknown): value is { value: unknown } {
  return (
    typeof value === "object" && value !== null && (value as Record<string, unknown>)[SPECIAL_SIG_KEY] === SECRET_SIG
  );
}

/** Replaces secret wrappers with their values, anywhere in an input. */
function unwrap(value: unknown): unknown {
  if (isSecretWrapper(value)) {
    return unwrap(value.value);
  }
  if (Array.isArray(value)) {
    return value.map(unwrap);
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v)]));
  }
  return value;
}

/** The project the mocks pretend to deploy into. */
export const MOCK_PROJECT = "diagramik-prod";

/** What the mocked RandomPassword named `name` generates: alphanumeric, like the real one. */
export function mockPassword(name: string): string {
  return `generated${name.replace(/[^A-Za-z0-9]/g, "")}`.padEnd(40, "0");
}

/** The project number the mocks report (resource names of Workload Identity use numbers). */
export const MOCK_PROJECT_NUMBER = "123456789012";
/** The organization the mocked project is in, and its domain (the committed principals' domain). */
export const MOCK_ORG_ID = "987654321098";
export const MOCK_ORG_DOMAIN = "example.com";
const MOCK_POOLS = `projects/${MOCK_PROJECT_NUMBER}/locations/global/workloadIdentityPools`;

/** The id a provider would give, where programs use it as a reference (the documented import formats). */
function mockId(type: string, name: string, inputs: Record<string, unknown>): string {
  switch (type) {
    case "gcp:secretmanager/secret:Secret":
      return `projects/${MOCK_PROJECT}/secrets/${String(inputs.secretId)}`;
    case "gcp:kms/keyRing:KeyRing":
      return `projects/${String(inputs.project ?? MOCK_PROJECT)}/locations/${String(inputs.location)}/keyRings/${String(inputs.name)}`;
    case "gcp:kms/cryptoKey:CryptoKey":
      return `${String(inputs.keyRing)}/cryptoKeys/${String(inputs.name)}`;
    default:
      return `${name}-id`;
  }
}

/** Computed outputs a provider would fill in, so that dependent inputs resolve under mocks. */
function computedState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case "docker:index/remoteImage:RemoteImage":
      return { imageId: `sha256:${name}`, repoDigest: `${String(inputs.name)}@sha256:${name}` };
    case "random:index/randomPassword:RandomPassword":
      return { result: mockPassword(name) };
    case "gcp:serviceaccount/account:Account": {
      const email = `${String(inputs.accountId)}@${MOCK_PROJECT}.iam.gserviceaccount.com`;
      return { email, name: `projects/${MOCK_PROJECT}/serviceAccounts/${email}` };
    }
    case "gcp:iam/workloadIdentityPool:WorkloadIdentityPool":
      return { name: `${MOCK_POOLS}/${String(inputs.workloadIdentityPoolId)}` };
    case "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider":
      return {
        name: `${MOCK_POOLS}/${String(inputs.workloadIdentityPoolId)}/providers/${String(inputs.workloadIdentityPoolProviderId)}`,
      };
    case "gcp:projects/iAMCustomRole:IAMCustomRole":
      return { name: `projects/${MOCK_PROJECT}/roles/${String(inputs.roleId)}` };
    case "gcp:secretmanager/secret:Secret":
      return { name: `projects/${MOCK_PROJECT}/secrets/${String(inputs.secretId)}` };
    case "gcp:secretmanager/secretVersion:SecretVersion":
      return { version: "1", name: `${String(inputs.secret)}/versions/1` };
    case "gcp:cloudrunv2/service:Service":
      return { uri: `https://${String(inputs.name)}-mock-uc.a.run.app` };
    case "gcp:compute/globalAddress:GlobalAddress":
      return { address: "203.0.113.10" };
    case "gcp:projects/serviceIdentity:ServiceIdentity": {
      // The IAP service agent's documented form: service-PROJECT_NUMBER@gcp-sa-iap.iam.gserviceaccount.com.
      const email = `service-${MOCK_PROJECT_NUMBER}@gcp-sa-${String(inputs.service).split(".")[0]}.iam.gserviceaccount.com`;
      return { email, member: `serviceAccount:${email}` };
    }
    case "gcp:compute/securityPolicy:SecurityPolicy":
      return {
        selfLink: `https://www.googleapis.com/compute/v1/projects/${MOCK_PROJECT}/global/securityPolicies/${name}`,
      };
    default:
      return {};
  }
}

/** A subnetwork as `gcp.compute.getSubnetwork` describes it: the project's `default` one, Private Google Access on. */
export function mockSubnetwork(inputs: Record<string, unknown>): Record<string, unknown> {
  const region = String(inputs.region);
  const project = String(inputs.project ?? MOCK_PROJECT);
  const base = `https://www.googleapis.com/compute/v1/projects/${project}`;
  return {
    id: `projects/${project}/regions/${region}/subnetworks/${String(inputs.name)}`,
    name: inputs.name,
    project,
    region,
    network: `${base}/global/networks/default`,
    selfLink: `${base}/regions/${region}/subnetworks/${String(inputs.name)}`,
    ipCidrRange: "10.128.0.0/20",
    privateIpGoogleAccess: true,
    stackType: "IPV4_ONLY",
  };
}

/**
 * What data sources (invokes) answer under the mocks, by token; any other invoke echoes its
 * inputs. A test may replace an entry to play a different world, and must put it back.
 */
export const mockInvokes: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>> = {
  "gcp:compute/getSubnetwork:getSubnetwork": mockSubnetwork,
  // Resource Manager, as `projects.get`, `projects.getAncestry` and `organizations.get` answer
  // for a project in an organization.
  "gcp:organizations/getProject:getProject": (inputs) => ({
    projectId: inputs.projectId,
    number: MOCK_PROJECT_NUMBER,
    orgId: MOCK_ORG_ID,
    folderId: "",
  }),
  "gcp:projects/getAncestry:getAncestry": (inputs) => ({
    project: inputs.project,
    orgId: MOCK_ORG_ID,
    parentId: MOCK_ORG_ID,
    parentType: "organization",
    ancestors: [
      { id: inputs.project, type: "project" },
      { id: MOCK_ORG_ID, type: "organization" },
    ],
  }),
  "gcp:organizations/getOrganization:getOrganization": (inputs) => ({
    organization: inputs.organization,
    orgId: MOCK_ORG_ID,
    domain: MOCK_ORG_DOMAIN,
  }),
};

/** A project without an organization, as Resource Manager describes it. */
export const NO_ORGANIZATION: typeof mockInvokes = {
  "gcp:projects/getAncestry:getAncestry": (inputs) => ({
    project: inputs.project,
    orgId: "",
    parentId: "",
    parentType: "",
    ancestors: [{ id: inputs.project, type: "project" }],
  }),
  "gcp:organizations/getOrganization:getOrganization": () => {
    throw new Error("the project has no organization to read");
  },
};

/** Runs `body` with some invokes answering differently, and puts the usual answers back. */
export async function withInvokes<T>(answers: typeof mockInvokes, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(answers).map((token) => [token, mockInvokes[token]]));
  Object.assign(mockInvokes, answers);
  try {
    return await body();
  } finally {
    Object.assign(mockInvokes, saved);
  }
}

/** Requires a program's entry point (index.ts unless told) afresh: the program runs once per require. */
export function requireProgram(entry = "index.ts"): Record<string, unknown> {
  const modulePath = require.resolve(path.join(ROOT, entry));
  delete require.cache[modulePath];
  return require(modulePath) as Record<string, unknown>;
}

/**
 * Runs index.ts under Pulumi's mocks with the given config, the way `pulumi up` would, and
 * records every resource it registers. The program is required only after the mocks are set.
 */
export function runProgram(
  config: Record<string, unknown>,
  stack = "test",
  resources: Recorded[] = [],
  previous: PreviousDeployment = {},
) {
  return runPulumi(() => requireProgram(), config, stack, resources, previous);
}

/**
 * Config keys the stack holds encrypted, as the Pulumi CLI tells a program (the language host's
 * PULUMI_CONFIG_SECRET_KEYS, config/stack/pulumiSource.ts): written in a test's config as
 * `{ secure: value }`, the way a stack file holds them.
 */
function splitSecrets(config: Record<string, unknown>): { flat: Record<string, string>; secretKeys: string[] } {
  const flat: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    const secure = typeof value === "object" && value !== null && "secure" in value;
    const plain = secure ? (value as { secure: unknown }).secure : value;
    flat[key] = typeof plain === "string" ? plain : JSON.stringify(plain);
    if (secure) {
      secretKeys.push(key);
    }
  }
  return { flat, secretKeys };
}

/** The outputs of the stack's last deployment, as a StackReference to itself reads them. */
export type PreviousDeployment = Readonly<Record<string, unknown>>;

const STACK_REFERENCE = "pulumi:pulumi:StackReference";

/** Runs `program` (a component test's own composition) under the mocks, recording resources. */
export async function runPulumi(
  program: () => unknown,
  config: Record<string, unknown> = {},
  stack = "test",
  resources: Recorded[] = [],
  previous: PreviousDeployment = {},
): Promise<ProgramRun> {
  const names = new Map<pulumi.Resource, string>();
  const options = new Map<
    string,
    Pick<Recorded, "parent" | "protect" | "retainOnDelete" | "deleteBeforeReplace" | "dependsOn">
  >();
  let exports: Record<string, unknown> = {};

  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        const raw = args.inputs as Record<string, unknown>;
        const inputs = unwrap(raw) as Record<string, unknown>;
        const secretInputs = Object.keys(raw).filter((k) => JSON.stringify(raw[k] ?? null).includes(SECRET_SIG));
        const key = `${args.type}::${args.name}`;
        const opts = options.get(key) ?? {
          parent: undefined,
          protect: false,
          retainOnDelete: false,
          deleteBeforeReplace: false,
          dependsOn: [],
        };
        if (args.type === STACK_REFERENCE) {
          // A read of the stack's last checkpoint, not a resource the program manages.
          return { id: String(inputs.name), state: { name: inputs.name, outputs: { ...previous } } };
        }
        if (args.type !== "pulumi:pulumi:Stack") {
          resources.push({
            type: args.type,
            name: args.name,
            custom: args.custom ?? false,
            inputs,
            secretInputs,
            ...opts,
          });
        }
        const id = mockId(args.type, args.name, inputs);
        return { id, state: { ...inputs, ...computedState(args.type, args.name, inputs) } };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        const answer = mockInvokes[args.token];
        return answer ? answer(args.inputs as Record<string, unknown>) : (args.inputs as Record<string, unknown>);
      },
    },
    PROJECT,
    stack,
    false,
    // What `pulumi.getOrganization()` answers on a self-managed (file) backend.
    "organization",
  );
  const { flat, secretKeys } = splitSecrets(config);
  pulumi.runtime.setAllConfig(flat, secretKeys);
  process.env[SECRET_KEYS_VARIABLE] = JSON.stringify(secretKeys);

  // The SDK records a stack trace for every promise it makes (runtime/debuggable.js), only to
  // report leaks; under tsx each trace goes through source maps, which made a third of a
  // program's run. The program's own errors keep their messages.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  // Every resource also records where it was made (Resource.callsites: a whole stack trace, at
  // any limit), which tsx's source maps would map frame by frame; the tests never read it.
  process.setSourceMapsEnabled(false);
  try {
    return await runRecorded();
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
    process.setSourceMapsEnabled(true);
  }

  async function runRecorded(): Promise<ProgramRun> {
    const outputs = await pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((args) => {
        names.set(args.resource, args.name);
        const dependsOn = ([] as unknown[]).concat(args.opts.dependsOn ?? []);
        options.set(`${args.type}::${args.name}`, {
          parent: args.opts.parent ? names.get(args.opts.parent) : undefined,
          protect: args.opts.protect === true,
          retainOnDelete: args.opts.retainOnDelete === true,
          deleteBeforeReplace: (args.opts as pulumi.CustomResourceOptions).deleteBeforeReplace === true,
          dependsOn: dependsOn.map((d) => (d instanceof pulumi.Resource ? (names.get(d) ?? "?") : "?")),
        });
        return undefined;
      });
      // A program may export its outputs, or an async function that returns them.
      const exported = program();
      exports = (typeof exported === "function" ? await (exported as () => Promise<unknown>)() : exported) as Record<
        string,
        unknown
      >;
      return exports;
    });
    // Resources whose inputs are Outputs register asynchronously; wait for every registration.
    await pulumi.runtime.disconnect();
    return { resources, exports, outputs: (outputs ?? {}) as Record<string, unknown> };
  }
}

/** Runs the program expecting it to fail; returns the error and what was registered. */
export async function runProgramExpectingError(
  config: Record<string, unknown>,
  previous: PreviousDeployment = {},
  stack = "test",
): Promise<{ error: Error; resources: Recorded[] }> {
  const resources: Recorded[] = [];
  try {
    await runProgram(config, stack, resources, previous);
  } catch (error) {
    return { error: error as Error, resources };
  }
  throw new Error(`expected the program to fail, but it registered ${resources.length} resources`);
}

export function ofType(run: ProgramRun, type: string): Recorded[] {
  return run.resources.filter((r) => r.type === type);
}

export function one(run: ProgramRun, type: string, name?: string): Recorded {
  const found = run.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
  if (found.length !== 1) {
    throw new Error(`expected exactly one ${type}${name ? ` named ${name}` : ""}, found ${found.length}`);
  }
  return found[0];
}

/** Resolves an Output (or a plain value) to its value. */
export function valueOf<T>(value: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(value).apply((v) => resolve(v as T)));
}
