// The text of .ebextensions/eb-migrate.config: Node.js on the instance, eb-migrate's log in
// `eb logs`, and (unless --no-resources) the lease table and the instance role's policy.
import { ENV_PREFIX, SETTINGS } from "../config/settings.js";
import { tableDefinition, TTL_ATTRIBUTE } from "../table/table.js";
import type { NotifyTarget } from "../notify/targets.js";
import { cloudFormationPolicyDocument, POLICY_RESOURCE, TABLE_RESOURCE, type EcsPolicyScope } from "./policy.js";
import { LOG_FILE } from "../release/run-log.js";
import { CONTAINER_COMMAND_SCRIPT_PATH, FIND_NODE_FUNCTION, MINIMUM_NODE_MAJOR } from "./hook-script.js";
import { toYaml, type YamlValue } from "./yaml.js";
import { RECOMMENDED_NODE_MAJOR } from "../runtime/node-version.js";

export const EBEXTENSION_PATH = ".ebextensions/eb-migrate.config";
export const FIND_NODE_SCRIPT = "/opt/eb-migrate/find-node.sh";
/** The instance profile EB's console and EB CLI create; its role has the same name. */
export const DEFAULT_INSTANCE_PROFILE = "aws-elasticbeanstalk-ec2-role";

export interface EbextensionOptions {
  version: string;
  /** Run eb-migrate from container_commands (the predeploy hook is then not written). */
  containerCommands: boolean;
  /** Create the DynamoDB table and the instance role's policy with CloudFormation. */
  resources: boolean;
  /** The instance profile's role when it is not named like the instance profile (init --role). */
  role?: string;
  /** EB_MIGRATE_NOTIFY's targets: its SNS topics get sns:Publish in the policy. */
  notify?: readonly NotifyTarget[];
  /** init --mode ecs: the settings written into option_settings and the ECS policy's scope. */
  ecs?: EcsInit;
}

export interface EcsInit {
  /** EB_MIGRATE_* name → value, as given to init (EB_MIGRATE_MODE is added). */
  settings: Record<string, string>;
  scope: EcsPolicyScope;
}

export function ebextensionConfig(options: EbextensionOptions): string {
  const sections = [header(options.version), files(), commands()];
  if (options.containerCommands) sections.push(containerCommands());
  if (options.resources) sections.push(resources(options.role, options.notify ?? [], options.ecs));
  if (options.resources || options.ecs) sections.push(optionSettings(options.resources, options.ecs));
  sections.push(settingsReference(options.resources));
  return sections.join("\n");
}

function header(version: string): string {
  return `# eb-migrate ${version}: a release phase for this Elastic Beanstalk environment (see the eb-migrate README).
# Written by \`eb-migrate init\`; later runs keep your edits unless you pass --force.
# The deployment command timeout (aws:elasticbeanstalk:command Timeout) is left as you set it:
# eb-migrate gives up waiting after EB_MIGRATE_WAIT_TIMEOUT_SECONDS, below EB's 600 s default.
`;
}

function indent(text: string, spaces: number): string {
  const pad = " ".repeat(spaces);
  return text
    .split("\n")
    .map((line) => (line === "" ? line : pad + line))
    .join("\n");
}

function files(): string {
  const findNode = `#!/bin/bash\n# Prints the path of a Node.js >= ${MINIMUM_NODE_MAJOR}, or fails (eb-migrate's install check).\nset -uo pipefail\n${FIND_NODE_FUNCTION}\nfind_node && echo "$node_bin"\n`;
  return `files:
  ${FIND_NODE_SCRIPT}:
    mode: "000755"
    owner: root
    group: root
    content: |
${indent(findNode, 6)}
  # Adds eb-migrate's log to \`eb logs\` (tail) and to full log bundles.
  /opt/elasticbeanstalk/tasks/taillogs.d/eb-migrate.conf:
    mode: "000644"
    owner: root
    group: root
    content: |
      ${LOG_FILE}
  /opt/elasticbeanstalk/tasks/bundlelogs.d/eb-migrate.conf:
    mode: "000644"
    owner: root
    group: root
    content: |
      ${LOG_FILE}
`;
}

function commands(): string {
  return `commands:
  # Amazon Linux 2023: Node.js ${RECOMMENDED_NODE_MAJOR} from the distribution (nodejs${RECOMMENDED_NODE_MAJOR} installs /usr/bin/node-${RECOMMENDED_NODE_MAJOR};
  # nodejs24 is accepted too). Node 20 is end of life: an instance that has only nodejs20 gets
  # nodejs${RECOMMENDED_NODE_MAJOR} beside it (eb-migrate still runs on Node >= ${MINIMUM_NODE_MAJOR}).
  eb_migrate_01_install_node:
    command: dnf install -y nodejs${RECOMMENDED_NODE_MAJOR}
    test: "[ -x /usr/bin/dnf ] && ! rpm -q nodejs${RECOMMENDED_NODE_MAJOR} >/dev/null 2>&1 && ! rpm -q nodejs24 >/dev/null 2>&1"
  # Amazon Linux 2 has glibc 2.26; Node.js >= 18 release binaries need glibc 2.28 and its
  # repositories (amazon-linux-extras included) offer no Node ${RECOMMENDED_NODE_MAJOR}. Nothing is downloaded for you:
  # move to an Amazon Linux 2023 platform, or install a Node >= ${RECOMMENDED_NODE_MAJOR} built for glibc 2.17
  # (the Node.js unofficial-builds "glibc-217" x64 tarball) to /usr/local/bin/node or /opt/nodejs.
  # Until then the predeploy hook stops the deployment with exit 2 and this advice.
  eb_migrate_02_node_missing_on_amazon_linux_2:
    command: echo "eb-migrate - no Node.js ${MINIMUM_NODE_MAJOR}+ and no dnf (Amazon Linux 2?) - see the comment in ${EBEXTENSION_PATH}" >&2
    test: "[ ! -x /usr/bin/dnf ] && ! ${FIND_NODE_SCRIPT} >/dev/null"
`;
}

function containerCommands(): string {
  return `container_commands:
  # No leader_only: eb-migrate elects its own leader on every deployment and the other
  # instances wait for it. Runs before the predeploy hooks; if the hook is installed too, the
  # second run in the same deployment finds the release done and exits 0 at once.
  eb_migrate_release:
    command: bash ${CONTAINER_COMMAND_SCRIPT_PATH}
`;
}

/** CloudFormation resources: the table with a generated name, and the role's policy. */
export function resourcesValue(role?: string, notify: readonly NotifyTarget[] = [], ecs?: EcsInit): Record<string, YamlValue> {
  const { AttributeDefinitions, KeySchema, BillingMode } = tableDefinition("unused");
  return {
    [TABLE_RESOURCE]: {
      Type: "AWS::DynamoDB::Table",
      Properties: {
        AttributeDefinitions: AttributeDefinitions.map((a) => ({ ...a })),
        KeySchema: KeySchema.map((k) => ({ ...k })),
        BillingMode,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      },
    },
    [POLICY_RESOURCE]: {
      Type: "AWS::IAM::ManagedPolicy",
      Properties: {
        Description: ecs
          ? "eb-migrate: the lease table, the read calls of the release phase and the ECS release task (see eb-migrate policy --mode ecs)"
          : "eb-migrate: the lease table and the read calls of the release phase (see eb-migrate policy)",
        Roles: [
          role ?? {
            "Fn::GetOptionSetting": {
              Namespace: "aws:autoscaling:launchconfiguration",
              OptionName: "IamInstanceProfile",
              DefaultValue: DEFAULT_INSTANCE_PROFILE,
            },
          },
        ],
        PolicyDocument: (ecs ? cloudFormationPolicyDocument(notify, "ecs", ecs.scope) : cloudFormationPolicyDocument(notify)) as unknown as YamlValue,
      },
    },
  };
}

function resources(role: string | undefined, notify: readonly NotifyTarget[], ecs: EcsInit | undefined): string {
  const whose = role
    ? `the role ${role} (eb-migrate init --role)`
    : `the instance profile's role. Assumes the role has the instance profile's\n# name, as the console's ${DEFAULT_INSTANCE_PROFILE} does; otherwise run \`eb-migrate init --role NAME\``;
  return `# The lease table (named by CloudFormation, so environments never share one) and a managed
# policy attached to ${whose}.
# Each environment attaches one more managed policy to that role (IAM allows 10 per role by
# default): with many environments on one role, use \`eb-migrate init --no-resources\` and one
# shared policy (see the eb-migrate README). Whoever runs \`eb deploy\` needs
# \`eb-migrate policy --deployer\` for these resources.
Resources:
${toYaml(resourcesValue(role, notify, ecs), 2)}`;
}

function optionSettings(resources: boolean, ecs: EcsInit | undefined): string {
  const table = resources
    ? `    # Lowest precedence: an ${ENV_PREFIX}TABLE set in the console or with \`eb setenv\` wins.
    ${ENV_PREFIX}TABLE: '\`{"Ref" : "${TABLE_RESOURCE}"}\`'
`
    : "";
  const ecsLines = ecs
    ? `    # init --mode ecs: the release runs as a one-off ECS task (lowest precedence, as above).
${toYaml({ [`${ENV_PREFIX}MODE`]: "ecs", ...ecs.settings }, 4)}`
    : "";
  return `option_settings:
  aws:elasticbeanstalk:application:environment:
${table}${ecsLines}`;
}

function settingsReference(resources: boolean): string {
  const width = Math.max(...SETTINGS.map((s) => s.name.length)) + ENV_PREFIX.length;
  const rows = SETTINGS.map((s) => `#   ${(ENV_PREFIX + s.name).padEnd(width)}  ${s.default === undefined || s.default === "" ? "(not set)" : s.default}`);
  const table = resources ? "" : `# Set ${ENV_PREFIX}TABLE to a table you created (see \`eb-migrate policy\` and the eb-migrate README).\n`;
  return `# Settings are environment properties (console, \`eb setenv\`); defaults:
${rows.join("\n")}
${table}`;
}
