import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/**
 * A generated Grafana admin password. The provider already treats `result` as secret; wrapping
 * it says so in the program too, so it stays secret in every input and output it reaches.
 */
export function createAdminPassword(name: string, parent: pulumi.Resource): pulumi.Output<string> {
  const password = new random.RandomPassword(`${name}-admin-password`, { length: 32, special: false }, { parent });
  return pulumi.secret(password.result);
}
