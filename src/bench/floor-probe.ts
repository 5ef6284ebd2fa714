// The floor of the skip path, as a yardstick for the start-up bench (dist/floor-probe.cjs, never
// shipped): what any program must do to learn "this deployment is already released" — ask the
// instance metadata for a token and the instance id (IMDSv2), then one SigV4-signed GetItem of
// the release record — with nothing else: no settings, no EB files, no log, no SDK client. The
// same two calls as the early skip makes them (src/early/); credentials and region from the
// environment (the sandbox's). Argument: the table name.
import { dynamodbEndpoint, getItem } from "../early/dynamodb.js";
import { EarlyMetadata, metadataEndpoint } from "../early/imds.js";
import { PARTITION_KEY, releaseKey } from "../table/table.js";

async function main(): Promise<number> {
  const env = process.env;
  const region = env.AWS_REGION ?? "us-east-1";
  const [imds, endpoint] = [metadataEndpoint(env), dynamodbEndpoint(env, region)];
  if (!imds || !endpoint) throw new Error("no IMDS or DynamoDB endpoint in the environment");
  const signal = AbortSignal.timeout(10_000);
  const instanceId = await new EarlyMetadata(imds, signal).get("instance-id");
  const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID ?? "", secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? "" };
  await getItem({ endpoint, region, credentials, table: process.argv[2] ?? "", key: { [PARTITION_KEY]: { S: releaseKey("floor", instanceId ?? "") } }, signal });
  return instanceId ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`floor probe: ${String(error)}\n`);
    process.exit(1);
  },
);
