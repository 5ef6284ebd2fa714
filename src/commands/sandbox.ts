// `eb-migrate sandbox`: runs the local AWS stand-ins until SIGINT/SIGTERM, writing the state
// file that tells scripts (and `eb-migrate run`) how to act as each instance.
import { resolve } from "node:path";
import type { CommandSpec } from "../cli/command.js";
import { ConfigError, ExitCode } from "../cli/errors.js";
import { wholeNumberFlag } from "../config/settings.js";
import { DEFAULT_INSTANCES, startSandbox } from "../sandbox/index.js";
import { MAX_GROUP_SIZE } from "../sandbox/environment.js";

export const sandboxCommand: CommandSpec = {
  name: "sandbox",
  summary: "Run local stand-ins for DynamoDB, Auto Scaling, EC2, Elastic Beanstalk, ECS, Logs and instance metadata",
  usage: "eb-migrate sandbox --state-file F [--instances N] [--dynamodb-endpoint URL] [--port P] [--base-dir D]",
  options: {
    "state-file": { type: "string" },
    instances: { type: "string" },
    "dynamodb-endpoint": { type: "string" },
    port: { type: "string" },
    "base-dir": { type: "string" },
  },
  flags: {
    "state-file": "Write the endpoints, the environment and each instance's environment variables to this JSON file (required).",
    instances: `How many InService instances to start with (0 to ${MAX_GROUP_SIZE}; default ${DEFAULT_INSTANCES}).`,
    "dynamodb-endpoint": "Use this DynamoDB-compatible server (e.g. DynamoDB Local) instead of the embedded dynalite.",
    port: "The admin API's port on 127.0.0.1 (default: a free one).",
    "base-dir": "Where the instances' root directories go (default: a temporary directory).",
  },
  async run(ctx, args) {
    const v = args.values;
    const stateFile = v["state-file"];
    if (typeof stateFile !== "string" || stateFile === "") throw new ConfigError("--state-file is required: the JSON file the sandbox writes its endpoints and instances to");
    const instances = wholeNumberFlag("instances", trimmed(v.instances), { min: 0, max: MAX_GROUP_SIZE }) ?? DEFAULT_INSTANCES;
    const port = wholeNumberFlag("port", trimmed(v.port), { min: 0, max: 65535 }) ?? 0;
    const endpoint = v["dynamodb-endpoint"];
    if (endpoint !== undefined && (typeof endpoint !== "string" || !/^https?:\/\/[^/]+/.test(endpoint))) {
      throw new ConfigError(`--dynamodb-endpoint=${JSON.stringify(endpoint)} is not valid: expected a URL such as http://127.0.0.1:8000`);
    }
    const baseDir = typeof v["base-dir"] === "string" ? v["base-dir"] : undefined;
    if (ctx.signal.aborted) return ExitCode.ok;

    const sandbox = await startSandbox({
      instances,
      port,
      stateFile: resolve(ctx.cwd, stateFile),
      ...(endpoint ? { dynamodbEndpoint: endpoint } : {}),
      ...(baseDir ? { baseDir: resolve(ctx.cwd, baseDir) } : {}),
    });
    ctx.stdout.write(`eb-migrate sandbox: ${instances} instance(s) ready; admin API at ${sandbox.adminUrl} (state file ${stateFile}, instance roots in ${sandbox.baseDir}); Ctrl-C stops\n`);
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) return resolve();
      ctx.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    await sandbox.stop();
    ctx.stderr.write(`eb-migrate sandbox: stopped (${String(ctx.signal.reason ?? "signal")})\n`);
    return ExitCode.ok;
  },
};

/** The sandbox's number flags allow spaces around the digits. */
function trimmed(raw: string | boolean | undefined): string | boolean | undefined {
  return typeof raw === "string" ? raw.trim() : raw;
}
