// Auto Scaling (Query protocol, API 2011-01-01): DescribeAutoScalingGroups and
// DescribeAutoScalingInstances over the environment's main and temporary groups.
import type { SandboxEnvironment, SandboxInstance } from "./environment.js";
import { MAX_GROUP_SIZE } from "./environment.js";
import type { FaultInjector } from "./faults.js";
import type { RequestHandler } from "./http.js";
import { AwsError } from "./json-service.js";
import { paginate } from "./pagination.js";
import { queryService, type QueryFields, type QueryParams } from "./query-protocol.js";
import type { XmlValue } from "./xml.js";
import { availabilityZones, INSTANCE_TYPE, LAUNCH_TEMPLATE_ID, SUBNET_IDS } from "./facts.js";

export const AUTO_SCALING_NAMESPACE = "http://autoscaling.amazonaws.com/doc/2011-01-01/";

export function autoScalingService(env: SandboxEnvironment, faults: FaultInjector): RequestHandler {
  return queryService({
    service: "autoscaling",
    namespace: AUTO_SCALING_NAMESPACE,
    dialect: "query",
    faults,
    operations: {
      DescribeAutoScalingGroups: (p) => describeGroups(env, p),
      DescribeAutoScalingInstances: (p) => describeInstances(env, p),
    },
  });
}

function launchTemplate(env: SandboxEnvironment) {
  return { LaunchTemplateId: LAUNCH_TEMPLATE_ID, LaunchTemplateName: `${env.identity.stackName}-launch-template`, Version: "1" };
}

function groupTags(env: SandboxEnvironment, groupName: string): { [k: string]: string }[] {
  return [
    ["Name", env.identity.name],
    ["elasticbeanstalk:environment-id", env.identity.id],
    ["elasticbeanstalk:environment-name", env.identity.name],
  ].map(([Key, Value]) => ({ ResourceId: groupName, ResourceType: "auto-scaling-group", Key: Key!, Value: Value!, PropagateAtLaunch: "true" }));
}

function groups(env: SandboxEnvironment): { name: string; role: "main" | "temporary" }[] {
  const out: { name: string; role: "main" | "temporary" }[] = [{ name: env.identity.autoScalingGroup, role: "main" }];
  if (env.temporaryGroupCreated) out.push({ name: env.identity.temporaryAutoScalingGroup, role: "temporary" });
  return out;
}

function instanceFields(env: SandboxEnvironment, i: SandboxInstance, withGroup: boolean): { [k: string]: XmlValue } {
  return {
    InstanceId: i.id,
    InstanceType: INSTANCE_TYPE,
    ...(withGroup ? { AutoScalingGroupName: i.autoScalingGroup } : {}),
    AvailabilityZone: i.availabilityZone,
    LifecycleState: i.lifecycle,
    HealthStatus: i.lifecycle === "Terminating" || i.lifecycle === "Terminated" ? "UNHEALTHY" : "HEALTHY",
    LaunchTemplate: launchTemplate(env),
    ProtectedFromScaleIn: false,
  };
}

function describeGroups(env: SandboxEnvironment, p: QueryParams): QueryFields {
  const names = p.members("AutoScalingGroupNames");
  const filters = p.filters("query");
  const pageSize = p.integer("MaxRecords", 1, 100, 50, "ValidationError");
  let selected = groups(env).filter((g) => names.length === 0 || names.includes(g.name));
  for (const filter of filters) {
    selected = selected.filter((g) => {
      const tags = groupTags(env, g.name);
      if (filter.name.startsWith("tag:")) return tags.some((t) => t.Key === filter.name.slice(4) && filter.values.includes(t.Value!));
      if (filter.name === "tag-key") return tags.some((t) => filter.values.includes(t.Key!));
      if (filter.name === "tag-value") return tags.some((t) => filter.values.includes(t.Value!));
      throw new AwsError("ValidationError", `Filter name ${filter.name} is not valid. Valid names: tag-key, tag-value, tag:<key>.`);
    });
  }
  const page = paginate(selected, pageSize, p.get("NextToken"), "InvalidNextToken");
  return {
    AutoScalingGroups: page.items.map((g) => {
      const members = env.autoScalingInstances().filter((i) => i.group === g.role);
      return {
        AutoScalingGroupName: g.name,
        AutoScalingGroupARN: `arn:aws:autoscaling:${env.identity.region}:${env.identity.accountId}:autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/${g.name}`,
        LaunchTemplate: launchTemplate(env),
        MinSize: 0,
        MaxSize: MAX_GROUP_SIZE,
        DesiredCapacity: env.desiredCapacity(g.role),
        DefaultCooldown: 360,
        AvailabilityZones: availabilityZones(env.identity.region),
        LoadBalancerNames: [],
        TargetGroupARNs: [],
        HealthCheckType: "EC2",
        HealthCheckGracePeriod: 0,
        Instances: members.map((i) => instanceFields(env, i, false)),
        CreatedTime: env.identity.createdAt,
        SuspendedProcesses: [],
        VPCZoneIdentifier: SUBNET_IDS.join(","),
        EnabledMetrics: [],
        Tags: groupTags(env, g.name),
        TerminationPolicies: ["Default"],
        NewInstancesProtectedFromScaleIn: false,
        ServiceLinkedRoleARN: `arn:aws:iam::${env.identity.accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
      };
    }),
    NextToken: page.nextToken,
  };
}

function describeInstances(env: SandboxEnvironment, p: QueryParams): QueryFields {
  const ids = p.members("InstanceIds");
  if (ids.length > 50) throw new AwsError("ValidationError", "The number of instance ids that may be passed in is limited to 50.");
  const pageSize = p.integer("MaxRecords", 1, 50, 50, "ValidationError");
  // Unknown ids are ignored with no error, as documented.
  const selected = env.autoScalingInstances().filter((i) => ids.length === 0 || ids.includes(i.id));
  const page = paginate(selected, pageSize, p.get("NextToken"), "InvalidNextToken");
  return { AutoScalingInstances: page.items.map((i) => instanceFields(env, i, true)), NextToken: page.nextToken };
}
