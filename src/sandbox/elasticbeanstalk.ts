// Elastic Beanstalk (Query protocol, API 2010-12-01): DescribeEnvironments,
// DescribeEnvironmentResources, DescribeInstancesHealth and DescribeConfigurationSettings
// (the deployed configuration; properties in aws:elasticbeanstalk:application:environment).
import { MAX_GROUP_SIZE, type SandboxEnvironment, type SandboxInstance } from "./environment.js";
import type { FaultInjector } from "./faults.js";
import type { RequestHandler } from "./http.js";
import { AwsError } from "./wire-errors.js";
import { paginate } from "./pagination.js";
import { queryService, type QueryFields, type QueryParams } from "./query-protocol.js";
import type { XmlValue } from "./xml.js";
import { INSTANCE_TYPE, LAUNCH_TEMPLATE_ID } from "./facts.js";

export const ELASTIC_BEANSTALK_NAMESPACE = "http://elasticbeanstalk.amazonaws.com/docs/2010-12-01/";
export const PROPERTIES_NAMESPACE = "aws:elasticbeanstalk:application:environment";
const SOLUTION_STACK = "64bit Amazon Linux 2023 v4.3.0 running Python 3.11";

/** A sandbox-wide option setting beyond the environment's own (the SNS notification topic). */
export interface ExtraOption {
  Namespace: string;
  OptionName: string;
  Value: string;
}

export function elasticBeanstalkService(env: SandboxEnvironment, faults: FaultInjector, extraOptions: () => ExtraOption[] = () => []): RequestHandler {
  return queryService({
    service: "elasticbeanstalk",
    namespace: ELASTIC_BEANSTALK_NAMESPACE,
    dialect: "query",
    faults,
    operations: {
      DescribeEnvironments: (p) => describeEnvironments(env, p),
      DescribeEnvironmentResources: (p) => describeResources(env, p),
      DescribeInstancesHealth: (p) => describeInstancesHealth(env, p),
      DescribeConfigurationSettings: (p) => describeConfiguration(env, p, extraOptions()),
    },
  });
}

/** EnvironmentName or EnvironmentId must name this environment (EB's own wording when not). */
function requireEnvironment(env: SandboxEnvironment, p: QueryParams): void {
  const name = p.get("EnvironmentName");
  const id = p.get("EnvironmentId");
  if (name === undefined && id === undefined) throw new AwsError("MissingParameter", "You must specify either EnvironmentId or EnvironmentName.");
  if (id !== undefined && id !== env.identity.id) throw new AwsError("InvalidParameterValue", `No Environment found for EnvironmentId = '${id}'.`);
  if (name !== undefined && name !== env.identity.name) throw new AwsError("InvalidParameterValue", `No Environment found for EnvironmentName = '${name}'.`);
}

function environmentArn(env: SandboxEnvironment): string {
  const { region, accountId, applicationName, name } = env.identity;
  return `arn:aws:elasticbeanstalk:${region}:${accountId}:environment/${applicationName}/${name}`;
}

function describeEnvironments(env: SandboxEnvironment, p: QueryParams): QueryFields {
  const { identity } = env;
  const names = p.members("EnvironmentNames");
  const ids = p.members("EnvironmentIds");
  const app = p.get("ApplicationName");
  const version = p.get("VersionLabel");
  const matches =
    (names.length === 0 || names.includes(identity.name)) &&
    (ids.length === 0 || ids.includes(identity.id)) &&
    (app === undefined || app === identity.applicationName) &&
    (version === undefined || version === env.deployment.versionLabel);
  const pageSize = p.integer("MaxRecords", 1, 1000, 1000, "InvalidParameterValue");
  const cname = `${identity.name}.eba-abcd1234.${identity.region}.elasticbeanstalk.com`;
  const page = paginate(matches ? [identity] : [], pageSize, p.get("NextToken"), "InvalidParameterValue");
  return {
    Environments: page.items.map(() => ({
      EnvironmentName: identity.name,
      EnvironmentId: identity.id,
      ApplicationName: identity.applicationName,
      VersionLabel: env.deployment.versionLabel,
      SolutionStackName: SOLUTION_STACK,
      PlatformArn: `arn:aws:elasticbeanstalk:${identity.region}::platform/Python 3.11 running on 64bit Amazon Linux 2023/4.3.0`,
      EndpointURL: `awseb-${identity.id}-1.${identity.region}.elb.amazonaws.com`,
      CNAME: cname,
      DateCreated: identity.createdAt,
      DateUpdated: env.deployment.deployedAt,
      Status: "Ready",
      AbortableOperationInProgress: false,
      Health: "Green",
      HealthStatus: "Ok",
      Tier: { Name: "WebServer", Type: "Standard", Version: "1.0" },
      EnvironmentLinks: [],
      EnvironmentArn: environmentArn(env),
    })),
    NextToken: page.nextToken,
  };
}

function describeResources(env: SandboxEnvironment, p: QueryParams): QueryFields {
  requireEnvironment(env, p);
  const groups = [env.identity.autoScalingGroup, ...(env.temporaryGroupCreated ? [env.identity.temporaryAutoScalingGroup] : [])];
  return {
    EnvironmentResources: {
      EnvironmentName: env.identity.name,
      AutoScalingGroups: groups.map((Name) => ({ Name })),
      Instances: env.instances.filter((i) => i.lifecycle === "Pending" || i.lifecycle === "InService").map((i) => ({ Id: i.id })),
      LaunchConfigurations: [],
      LaunchTemplates: [{ Id: LAUNCH_TEMPLATE_ID }],
      LoadBalancers: [{ Name: `awseb-${env.identity.id}-1` }],
      Triggers: [],
      Queues: [],
    },
  };
}

const HEALTH_ATTRIBUTES = ["HealthStatus", "Color", "Causes", "ApplicationMetrics", "RefreshedAt", "LaunchedAt", "System", "Deployment", "AvailabilityZone", "InstanceType"];

function describeInstancesHealth(env: SandboxEnvironment, p: QueryParams): QueryFields {
  requireEnvironment(env, p);
  const requested = p.members("AttributeNames");
  for (const a of requested) {
    if (a !== "All" && !HEALTH_ATTRIBUTES.includes(a)) throw new AwsError("InvalidParameterValue", `Invalid attribute name: ${a}`);
  }
  const wants = (a: string) => requested.includes("All") || requested.includes(a);
  // The environment's instances: its Auto Scaling groups' (a detached one is no longer EB's).
  const instances = env.instances.filter((i) => i.inAutoScaling && i.lifecycle !== "Terminated" && i.lifecycle !== "Detaching" && i.lifecycle !== "Detached");
  // EB pages instance health in pages of 100.
  const page = paginate(instances, 100, p.get("NextToken"), "InvalidParameterValue");
  return {
    InstanceHealthList: page.items.map((i) => healthOf(i, wants)),
    ...(wants("RefreshedAt") ? { RefreshedAt: new Date() } : {}),
    NextToken: page.nextToken,
  };
}

function healthOf(i: SandboxInstance, wants: (a: string) => boolean): { [k: string]: XmlValue } {
  const [status, color] = i.lifecycle === "InService" ? ["Ok", "Green"] : i.lifecycle === "Pending" ? ["Pending", "Grey"] : ["Unknown", "Grey"];
  const fields: { [k: string]: XmlValue } = { InstanceId: i.id };
  if (wants("HealthStatus")) fields.HealthStatus = status;
  if (wants("Color")) fields.Color = color;
  if (wants("Causes")) fields.Causes = i.lifecycle === "Terminating" ? ["Instance is shutting down."] : [];
  if (wants("LaunchedAt")) fields.LaunchedAt = i.launchTime;
  if (wants("Deployment")) {
    fields.Deployment = {
      VersionLabel: i.deployment.versionLabel,
      DeploymentId: i.deployment.deploymentId,
      Status: i.lifecycle === "Pending" ? "InProgress" : "Deployed",
      DeploymentTime: i.deployment.deployedAt,
    };
  }
  if (wants("AvailabilityZone")) fields.AvailabilityZone = i.availabilityZone;
  if (wants("InstanceType")) fields.InstanceType = INSTANCE_TYPE;
  return fields;
}

function describeConfiguration(env: SandboxEnvironment, p: QueryParams, extra: ExtraOption[]): QueryFields {
  const app = p.get("ApplicationName");
  if (app === undefined) throw new AwsError("MissingParameter", "ApplicationName is required.");
  if (app !== env.identity.applicationName) throw new AwsError("InvalidParameterValue", `No Application named '${app}' found.`);
  if (p.get("TemplateName") !== undefined) throw new AwsError("InvalidParameterValue", `No Configuration Template named '${app}/${p.get("TemplateName")}' found.`);
  requireEnvironment(env, p);
  const option = (Namespace: string, OptionName: string, Value: string, ResourceName?: string) => ({ ...(ResourceName ? { ResourceName } : {}), Namespace, OptionName, Value });
  const properties = Object.entries(env.properties)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => option(PROPERTIES_NAMESPACE, name, value));
  return {
    ConfigurationSettings: [
      {
        SolutionStackName: SOLUTION_STACK,
        ApplicationName: env.identity.applicationName,
        EnvironmentName: env.identity.name,
        DeploymentStatus: "deployed",
        DateCreated: env.identity.createdAt,
        DateUpdated: env.deployment.deployedAt,
        OptionSettings: [
          option("aws:autoscaling:asg", "MinSize", "0", "AWSEBAutoScalingGroup"),
          option("aws:autoscaling:asg", "MaxSize", String(MAX_GROUP_SIZE), "AWSEBAutoScalingGroup"),
          option("aws:elasticbeanstalk:command", "DeploymentPolicy", "AllAtOnce"),
          option("aws:elasticbeanstalk:command", "Timeout", "600"),
          option("aws:elasticbeanstalk:environment", "EnvironmentType", "LoadBalanced"),
          option("aws:elasticbeanstalk:healthreporting:system", "SystemType", "enhanced"),
          ...extra.map((o) => option(o.Namespace, o.OptionName, o.Value)),
          ...properties,
        ],
      },
    ],
  };
}
