import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/** A generated Grafana admin password; `result` is a Pulumi secret. */
export function createAdminPassword(name: string, parent: pulumi.Resource): random.RandomPassword {
  return new random.RandomPassword(`${name}-admin-password`, { length: 32, special: false }, { parent });
}
