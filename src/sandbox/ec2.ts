// EC2 (Query protocol, EC2 dialect, API 2016-11-15): DescribeInstances with launch time,
// state and tags, and DescribeTags; terminated instances stay visible as "terminated" for a
// while, as on AWS.
import type { SandboxEnvironment, SandboxInstance } from "./environment.js";
import type { FaultInjector } from "./faults.js";
import type { RequestHandler } from "./http.js";
import { AwsError } from "./wire-errors.js";
import { paginate } from "./pagination.js";
import { queryService, type QueryFields, type QueryParams } from "./query-protocol.js";
import { IMAGE_ID, INSTANCE_TYPE, privateDnsName, SUBNET_IDS, VPC_ID } from "./facts.js";

export const EC2_NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/";

// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceState.html
const STATE_CODES = { pending: 0, running: 16, "shutting-down": 32, terminated: 48, stopping: 64, stopped: 80 } as const;

export function ec2Service(env: SandboxEnvironment, faults: FaultInjector): RequestHandler {
  return queryService({
    service: "ec2",
    namespace: EC2_NAMESPACE,
    dialect: "ec2",
    faults,
    operations: { DescribeInstances: (p) => describeInstances(env, p), DescribeTags: (p) => describeTags(env, p) },
  });
}

/** The tags EB and Auto Scaling put on every instance of an environment. */
export function instanceTags(env: SandboxEnvironment, i: SandboxInstance): Record<string, string> {
  const stack = i.group === "main" ? env.identity.stackName : `awseb-${env.identity.id}-immutable-stack`;
  return {
    Name: env.identity.name,
    "aws:autoscaling:groupName": i.autoScalingGroup,
    "aws:cloudformation:logical-id": "AWSEBAutoScalingGroup",
    "aws:cloudformation:stack-id": `arn:aws:cloudformation:${env.identity.region}:${env.identity.accountId}:stack/${stack}/00000000-0000-0000-0000-000000000000`,
    "aws:cloudformation:stack-name": stack,
    "elasticbeanstalk:environment-id": env.identity.id,
    "elasticbeanstalk:environment-name": env.identity.name,
  };
}

function matches(env: SandboxEnvironment, i: SandboxInstance, filter: { name: string; values: string[] }): boolean {
  const tags = instanceTags(env, i);
  const anyOf = (v: string | undefined) => v !== undefined && filter.values.includes(v);
  switch (filter.name) {
    case "instance-id":
      return anyOf(i.id);
    case "instance-state-name":
      return anyOf(i.ec2State);
    case "instance-state-code":
      return anyOf(String(STATE_CODES[i.ec2State]));
    case "availability-zone":
      return anyOf(i.availabilityZone);
    case "tag-key":
      return Object.keys(tags).some(anyOf);
    case "tag-value":
      return Object.values(tags).some(anyOf);
    default:
      if (filter.name.startsWith("tag:")) return anyOf(tags[filter.name.slice(4)]);
      throw new AwsError("InvalidParameterValue", `The filter '${filter.name}' is invalid`);
  }
}

function describeInstances(env: SandboxEnvironment, p: QueryParams): QueryFields {
  const ids = p.items("InstanceId");
  if (ids.length > 0 && p.get("MaxResults") !== undefined) {
    throw new AwsError("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults");
  }
  for (const id of ids) {
    if (!/^i-[0-9a-f]{8}([0-9a-f]{9})?$/.test(id)) throw new AwsError("InvalidInstanceID.Malformed", `Invalid id: "${id}"`);
  }
  const missing = ids.filter((id) => !env.find(id));
  if (missing.length > 0) {
    throw new AwsError("InvalidInstanceID.NotFound", `The instance ID${missing.length > 1 ? "s" : ""} '${missing.join(", ")}' ${missing.length > 1 ? "do" : "does"} not exist`);
  }
  const pageSize = p.integer("MaxResults", 5, 1000, 1000, "InvalidParameterValue");
  const filters = p.filters("ec2");
  const selected = env.instances.filter((i) => (ids.length === 0 || ids.includes(i.id)) && filters.every((f) => matches(env, i, f)));
  const page = paginate(selected, pageSize, p.get("NextToken"), "InvalidParameterValue");
  return {
    reservationSet: page.items.map((i) => ({
      reservationId: i.reservationId,
      ownerId: env.identity.accountId,
      groupSet: [],
      instancesSet: [instanceItem(env, i)],
    })),
    nextToken: page.nextToken,
  };
}

/** DescribeTags over the environment's instances (filters resource-id, resource-type, key, value). */
function describeTags(env: SandboxEnvironment, p: QueryParams): QueryFields {
  const filters = p.filters("ec2");
  const rows = env.instances.flatMap((i) =>
    Object.entries(instanceTags(env, i)).map(([key, value]) => ({ resourceId: i.id, resourceType: "instance", key, value })),
  );
  const selected = rows.filter((row) =>
    filters.every((f) => {
      switch (f.name) {
        case "resource-id":
          return f.values.includes(row.resourceId);
        case "resource-type":
          return f.values.includes(row.resourceType);
        case "key":
          return f.values.includes(row.key);
        case "value":
          return f.values.includes(row.value);
        default:
          throw new AwsError("InvalidParameterValue", `The filter '${f.name}' is invalid`);
      }
    }),
  );
  const page = paginate(selected, p.integer("MaxResults", 5, 1000, 1000, "InvalidParameterValue"), p.get("NextToken"), "InvalidParameterValue");
  return { tagSet: page.items, nextToken: page.nextToken };
}

/** When a user shut the instance down: its termination, else a stop it is still in. */
function userShutdown(i: SandboxInstance): Date | undefined {
  return i.terminatedAt ?? (i.ec2State === "stopping" || i.ec2State === "stopped" ? i.stoppedAt : undefined);
}

function instanceItem(env: SandboxEnvironment, i: SandboxInstance) {
  const terminated = i.ec2State === "terminated" || i.ec2State === "shutting-down";
  const dns = privateDnsName(i.privateIp);
  return {
    instanceId: i.id,
    imageId: IMAGE_ID,
    instanceState: { code: STATE_CODES[i.ec2State], name: i.ec2State },
    privateDnsName: terminated ? "" : dns,
    dnsName: "",
    // A stop or a termination by a user: "User initiated (<time> GMT)", state reason Client.UserInitiatedShutdown.
    reason: userShutdown(i) ? `User initiated (${userShutdown(i)!.toISOString().replace("T", " ").slice(0, 19)} GMT)` : "",
    amiLaunchIndex: 0,
    productCodes: [],
    instanceType: INSTANCE_TYPE,
    launchTime: i.launchTime,
    placement: { availabilityZone: i.availabilityZone, groupName: "", tenancy: "default" },
    monitoring: { state: "disabled" },
    ...(terminated ? {} : { subnetId: SUBNET_IDS[0], vpcId: VPC_ID, privateIpAddress: i.privateIp }),
    architecture: "x86_64",
    rootDeviceType: "ebs",
    rootDeviceName: "/dev/xvda",
    hypervisor: "xen",
    virtualizationType: "hvm",
    tagSet: Object.entries(instanceTags(env, i)).map(([key, value]) => ({ key, value })),
    ...(userShutdown(i) ? { stateReason: { code: "Client.UserInitiatedShutdown", message: "Client.UserInitiatedShutdown: User initiated shutdown" } } : {}),
  };
}
