// What both reference locks share: settings from the environment, a DynamoDB client that
// counts calls, the release command as a child process, JSON log lines shaped like eb-migrate's
// (so the bench reads them the same way) and the stats file.
import { spawn } from "node:child_process";
import { DynamoDBClient, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { writeRunStats } from "../../release/run-stats.js";

export interface ReferenceContext {
  instance: string;
  environmentId: string;
  deployment: string;
  table: string;
  deadline: number;
  dynamodb: DynamoDBClient;
  calls: Map<string, number>;
  log(msg: string, state: string, role?: string): void;
  /** Runs EB_MIGRATE_COMMAND (split on spaces), resolving to its exit code. */
  runCommand(): Promise<number>;
  key(name: string): Record<string, AttributeValue>;
}

export function referenceContext(env: NodeJS.ProcessEnv): ReferenceContext {
  const calls = new Map<string, number>();
  const dynamodb = new DynamoDBClient({ region: env.AWS_REGION ?? "us-east-1", maxAttempts: 4 });
  dynamodb.middlewareStack.add(
    (next, context) => (args) => {
      const name = `DynamoDB.${String(context.commandName).replace(/Command$/, "")}`;
      calls.set(name, (calls.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: "initialize" },
  );
  const instance = env.CHAOS_INSTANCE ?? "unknown";
  const started = performance.now();
  return {
    instance,
    environmentId: env.BENCH_ENVIRONMENT_ID ?? "env",
    deployment: env.BENCH_DEPLOYMENT_KEY ?? env.CHAOS_DEPLOYMENT ?? "d1",
    table: env.EB_MIGRATE_TABLE ?? "eb-migrate",
    deadline: performance.now() + Number(env.EB_MIGRATE_WAIT_TIMEOUT_SECONDS ?? "60") * 1000,
    dynamodb,
    calls,
    log(msg, state, role) {
      process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), elapsedMs: Math.round(performance.now() - started), level: "info", msg, instance, ...(role ? { role } : {}), state })}\n`);
    },
    runCommand() {
      const [file, ...args] = (env.EB_MIGRATE_COMMAND ?? "true").split(" ");
      return new Promise((resolve) => {
        const child = spawn(file!, args, { stdio: "inherit", env });
        child.on("exit", (code) => resolve(code ?? 1));
        child.on("error", () => resolve(127));
      });
    },
    key: (name) => ({ pk: { S: name } }),
  };
}

export function writeStats(file: string | undefined, ctx: ReferenceContext, exitCode: number, role: string): void {
  if (file) writeRunStats(file, { exitCode, role, durationMs: 0, calls: Object.fromEntries(ctx.calls) });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function isConditionFailed(error: unknown): boolean {
  return (error as { name?: string }).name === "ConditionalCheckFailedException";
}
