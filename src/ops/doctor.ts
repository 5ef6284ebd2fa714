// The doctor's checks in order, each fed by what the earlier ones found (identity, table,
// Auto Scaling group, task definition); a check that cannot run says why instead of failing.
import { DescribeEnvironmentsCommand } from "@aws-sdk/client-elastic-beanstalk";
import { createClients, type AwsClients } from "../aws/clients.js";
import { describeError, EbMigrateError } from "../cli/errors.js";
import { envRegion } from "../config/environment.js";
import type { Settings } from "../config/settings.js";
import { ec2DescribeTags, instanceMetadata } from "../instance/aws-identity.js";
import { discoverIdentity } from "../instance/identity.js";
import type { Identity } from "../instance/types.js";
import { fail, pass, skip, type CheckResult } from "./checklist.js";
import type { EnvironmentTarget } from "./target.js";
import { checkAutoScaling } from "./checks/auto-scaling.js";
import { checkNodeVersion } from "./checks/basics.js";
import { checkCommand } from "./checks/command.js";
import { checkEcs } from "./checks/ecs.js";
import { checkExistingRunners } from "./checks/existing-runners.js";
import { checkPermissions } from "./checks/permissions.js";
import { checkTable } from "./checks/table.js";

export interface DoctorInput {
  settings: Settings;
  env: NodeJS.ProcessEnv;
  root: string;
  /** Where manage.py is expected (the hook runs in /var/app/staging). */
  appDir: string;
  /** Called with each result as soon as it is known. */
  onResult?(result: CheckResult): void;
  clients?: (region: string) => AwsClients;
  /** From a laptop (--env): only what can be checked from outside (table, ECS); the rest is skipped. */
  remote?: EnvironmentTarget;
}

export interface DoctorReport {
  identity?: Identity;
  results: CheckResult[];
  ok: boolean;
}

export async function runDoctor(input: DoctorInput): Promise<DoctorReport> {
  const { settings, env, root } = input;
  const results: CheckResult[] = [];
  const add = (...more: CheckResult[]) => {
    for (const r of more) {
      results.push(r);
      input.onResult?.(r);
    }
  };
  const makeClients = input.clients ?? ((region: string) => createClients({ region, maxAttempts: 2 }));
  let identity: Identity | undefined;
  if (input.remote) {
    add(skip("identity", `checking environment ${input.remote.environmentName} (${input.remote.environmentId}) from outside; instance checks need an instance (eb ssh, then eb-migrate doctor)`));
  } else {
    add(checkNodeVersion());
    try {
      identity = await discoverIdentity({ env, root, metadata: instanceMetadata(env), describeTags: ec2DescribeTags((region) => makeClients(region).ec2) });
      add(pass("identity", `${identity.instanceId} in ${identity.environmentName} (${identity.environmentId}), ${identity.region}`));
    } catch (error) {
      const message = error instanceof EbMigrateError ? error.message : describeError(error);
      add(fail("identity", message, "run doctor on an instance of the environment (e.g. eb ssh), as root, with the environment's properties"));
    }
  }
  const region = input.remote?.region ?? identity?.region ?? envRegion(env);
  if (!region) {
    add(skip("table", "the region is unknown"));
    return finish(results, identity);
  }
  const clients = makeClients(region);
  const table = await checkTable(clients.dynamodb, settings.table);
  add(...table.results);

  let group = identity?.autoScalingGroup;
  if (identity) {
    const autoScaling = await checkAutoScaling(clients.autoScaling, clients.ec2, identity.instanceId);
    add(autoScaling.result);
    group ??= autoScaling.group;
  } else add(skip("Auto Scaling", "needs the instance's identity"));

  let logGroup: string | undefined;
  if (settings.mode === "local" && input.remote) add(skip("command", "runs on an instance"));
  else if (settings.mode === "local") add(...(await checkCommand(settings, env, root, input.appDir)));
  else {
    const ecs = await checkEcs(clients.ecs, settings);
    add(...ecs.results);
    logGroup = ecs.logGroup;
  }
  add(await checkExistingRunners(input.appDir));

  if (identity) {
    const applicationName = await clients.elasticBeanstalk
      .send(new DescribeEnvironmentsCommand({ EnvironmentIds: [identity.environmentId] }))
      .then((out) => out.Environments?.[0]?.ApplicationName, () => undefined);
    add(
      ...(await checkPermissions(
        {
          clients,
          table: settings.table,
          tableExists: table.exists,
          identity,
          ...(group ? { autoScalingGroup: group } : {}),
          ...(applicationName ? { applicationName } : {}),
          ...(settings.ecs.taskDefinition ? { taskDefinition: settings.ecs.taskDefinition } : {}),
          ...(settings.ecs.cluster ? { cluster: settings.ecs.cluster } : {}),
          ...(logGroup ? { logGroup } : {}),
        },
        settings.mode,
      )),
    );
  } else add(skip("permissions", "needs the instance's identity"));
  return finish(results, identity);
}

function finish(results: CheckResult[], identity: Identity | undefined): DoctorReport {
  return { results, ok: !results.some((r) => r.status === "fail"), ...(identity ? { identity } : {}) };
}
