// The tool's DynamoDB table: one string partition key, TTL on history. Shared by the runner,
// the sandbox (which creates it), init's CloudFormation, `policy` and `doctor`.

export const PARTITION_KEY = "pk";
/** Epoch seconds; DynamoDB's TTL deletes release records some time after this. */
export const TTL_ATTRIBUTE = "expiresAt";
/** Release records are kept this long for `eb-migrate status`. */
export const RELEASE_HISTORY_DAYS = 90;

/** One lease per environment: two deployments of one environment never migrate at once. */
export function leaseKey(environmentId: string): string {
  return `lease#${environmentId}`;
}

/** One release record per environment and deployment. */
export function releaseKey(environmentId: string, deploymentKey: string): string {
  return `release#${environmentId}#${deploymentKey}`;
}

/** The CreateTable input for the table (also the shape of the CloudFormation resource). */
export function tableDefinition(tableName: string) {
  return {
    TableName: tableName,
    AttributeDefinitions: [{ AttributeName: PARTITION_KEY, AttributeType: "S" as const }],
    KeySchema: [{ AttributeName: PARTITION_KEY, KeyType: "HASH" as const }],
    BillingMode: "PAY_PER_REQUEST" as const,
  };
}

/** The AWS CLI command that creates the table as eb-migrate wants it (TTL is a second call). */
export function createTableCommand(table: string): string {
  return `aws dynamodb create-table --table-name ${table} --attribute-definitions AttributeName=${PARTITION_KEY},AttributeType=S --key-schema AttributeName=${PARTITION_KEY},KeyType=HASH --billing-mode PAY_PER_REQUEST`;
}

export function enableTtlCommand(table: string): string {
  return `aws dynamodb update-time-to-live --table-name ${table} --time-to-live-specification Enabled=true,AttributeName=${TTL_ATTRIBUTE}`;
}
