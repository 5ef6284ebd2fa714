// What the person or pipeline running `eb deploy` needs on top of its Elastic Beanstalk
// permissions for the ebextension's Resources: EB creates them in the environment's own
// CloudFormation stack (awseb-e-<id>-stack) with the deployer's credentials, so the deployer
// must be allowed what CloudFormation's handlers call for AWS::DynamoDB::Table and
// AWS::IAM::ManagedPolicy (the resource types' "handlers" permissions in the CloudFormation
// registry schemas: create, read, update, delete), for the properties the ebextension sets.
import { DEFAULT_INSTANCE_PROFILE } from "./ebextension.js";
import { partitionOf, type IamPolicy } from "./policy.js";

export interface DeployerGroup {
  sid: string;
  actions: readonly string[];
  /** Which ARN; CloudFormation names both resources after the stack: awseb-e-<id>-stack-<LogicalId>-<suffix>. */
  resource: "tables" | "policies" | "role";
  why: string;
}

export const DEPLOYER_ACTIONS: readonly DeployerGroup[] = [
  {
    sid: "EbMigrateCreateTable",
    actions: [
      "dynamodb:CreateTable",
      "dynamodb:DescribeTable",
      "dynamodb:UpdateTable",
      "dynamodb:DeleteTable",
      "dynamodb:UpdateTimeToLive",
      "dynamodb:DescribeTimeToLive",
      "dynamodb:DescribeContinuousBackups",
      "dynamodb:DescribeContributorInsights",
      "dynamodb:DescribeKinesisStreamingDestination",
      "dynamodb:GetResourcePolicy",
      "dynamodb:TagResource",
      "dynamodb:UntagResource",
      "dynamodb:ListTagsOfResource",
    ],
    resource: "tables",
    why: "AWS::DynamoDB::Table: create the lease table with TTL, read it back, tag it (EB tags stack resources), delete it with the environment",
  },
  {
    sid: "EbMigrateCreateInstancePolicy",
    actions: [
      "iam:CreatePolicy",
      "iam:GetPolicy",
      "iam:GetPolicyVersion",
      "iam:ListPolicyVersions",
      "iam:CreatePolicyVersion",
      "iam:DeletePolicyVersion",
      "iam:ListEntitiesForPolicy",
      "iam:DeletePolicy",
    ],
    resource: "policies",
    why: "AWS::IAM::ManagedPolicy: create the instance role's policy, a new version when eb-migrate's actions change, delete it with the environment",
  },
  {
    sid: "EbMigrateAttachInstancePolicy",
    actions: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
    resource: "role",
    why: "attach that policy to the instance profile's role (and detach it on delete)",
  },
];

export interface DeployerPolicyOptions {
  account?: string;
  region?: string;
  /** The instance profile's role (init --role); default: the name EB's console uses. */
  role?: string;
}

export function deployerPolicyDocument(options: DeployerPolicyOptions): IamPolicy<string> {
  const partition = partitionOf(options.region);
  const account = options.account ?? "*";
  const arn = (kind: DeployerGroup["resource"]) =>
    kind === "tables"
      ? `arn:${partition}:dynamodb:${options.region ?? "*"}:${account}:table/awseb-e-*`
      : kind === "policies"
        ? `arn:${partition}:iam::${account}:policy/awseb-e-*`
        : `arn:${partition}:iam::${account}:role/${options.role ?? DEFAULT_INSTANCE_PROFILE}`;
  return {
    Version: "2012-10-17",
    Statement: DEPLOYER_ACTIONS.map((g) => ({ Sid: g.sid, Effect: "Allow" as const, Action: [...g.actions], Resource: arn(g.resource) })),
  };
}
