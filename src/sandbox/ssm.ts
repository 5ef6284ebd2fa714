// AWS Systems Manager Run Command (JSON 1.1, target prefix "AmazonSSM"): DescribeInstanceInformation,
// SendCommand with the AWS-RunShellScript document (run as a local process with the instance's
// environment, as the SSM agent runs it as root on the instance), GetCommandInvocation.
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { instanceRoot } from "../config/environment.js";
import type { JsonService } from "./json-service.js";
import { AwsError } from "./wire-errors.js";

/** SSM API reference, GetCommandInvocation: StandardOutputContent holds at most 24,000 characters, StandardErrorContent 8,000. */
const STDOUT_MAX = 24_000;
const STDERR_MAX = 8_000;

export interface SsmInstance {
  id: string;
  /** The variables a process on that instance has (root, endpoints, identity). */
  env: Record<string, string>;
}

interface Invocation {
  commandId: string;
  instanceId: string;
  status: "Pending" | "InProgress" | "Success" | "Failed" | "TimedOut" | "Cancelled";
  responseCode: number;
  stdout: string;
  stderr: string;
  requestedAt: Date;
  child?: ChildProcess;
}

export function createSsmService(instances: () => SsmInstance[]): JsonService & { invocations(): { commandId: string; instanceId: string; commands: string[]; status: string }[] } {
  const invocations = new Map<string, Invocation & { commands: string[] }>();
  const online = (id: string) => instances().find((i) => i.id === id);
  return {
    targetPrefix: "AmazonSSM",
    name: "ssm",
    invocations: () => [...invocations.values()].map((i) => ({ commandId: i.commandId, instanceId: i.instanceId, commands: i.commands, status: i.status })),
    operations: {
      DescribeInstanceInformation(input) {
        const filters = (input.Filters as { Key?: string; Values?: string[] }[] | undefined) ?? [];
        const wanted = filters.find((f) => f.Key === "InstanceIds")?.Values;
        const list = instances().filter((i) => !wanted || wanted.includes(i.id));
        return { InstanceInformationList: list.map((i) => ({ InstanceId: i.id, PingStatus: "Online", PlatformType: "Linux", PlatformName: "Amazon Linux", AgentVersion: "3.3.0.0", ResourceType: "EC2Instance", LastPingDateTime: Date.now() / 1000 })) };
      },
      SendCommand(input) {
        if (input.DocumentName !== "AWS-RunShellScript") throw new AwsError("InvalidDocument", `Document ${String(input.DocumentName)} does not exist in your account`, 400);
        const ids = (input.InstanceIds as string[] | undefined) ?? [];
        if (ids.length === 0) throw new AwsError("ValidationException", "InstanceIds or Targets must be specified", 400);
        const parameters = (input.Parameters as Record<string, string[]> | undefined) ?? {};
        const commands = parameters.commands ?? [];
        if (commands.length === 0) throw new AwsError("InvalidParameters", "Parameter \"commands\" is required", 400);
        for (const id of ids) if (!online(id)) throw new AwsError("InvalidInstanceId", "Instances not in a valid state for account", 400);
        const commandId = randomUUID();
        for (const id of ids) {
          const inv: Invocation & { commands: string[] } = { commandId, instanceId: id, status: "Pending", responseCode: -1, stdout: "", stderr: "", requestedAt: new Date(), commands };
          invocations.set(`${commandId}/${id}`, inv);
          start(inv, online(id)!, commands, parameters.workingDirectory?.[0]);
        }
        return { Command: { CommandId: commandId, DocumentName: "AWS-RunShellScript", InstanceIds: ids, Status: "Pending", RequestedDateTime: Date.now() / 1000 } };
      },
      GetCommandInvocation(input) {
        const inv = invocations.get(`${String(input.CommandId)}/${String(input.InstanceId)}`);
        if (!inv) throw new AwsError("InvocationDoesNotExist", "", 400);
        const done = inv.status !== "Pending" && inv.status !== "InProgress";
        return {
          CommandId: inv.commandId,
          InstanceId: inv.instanceId,
          DocumentName: "AWS-RunShellScript",
          PluginName: "aws:runShellScript",
          Status: inv.status,
          StatusDetails: inv.status,
          ResponseCode: inv.responseCode,
          // The agent uploads the output as the plugin ends; until then the fields are empty.
          StandardOutputContent: done ? inv.stdout.slice(0, STDOUT_MAX) : "",
          StandardErrorContent: done ? inv.stderr.slice(0, STDERR_MAX) : "",
        };
      },
    },
    unknownOperation: (operation) => `Unknown operation ${operation}`,
    async close() {
      for (const inv of invocations.values()) if (inv.child && inv.child.exitCode === null) inv.child.kill("SIGKILL");
    },
  };
}

function start(inv: Invocation, instance: SsmInstance, commands: string[], workingDirectory: string | undefined): void {
  // AWS-RunShellScript writes the commands into a script and runs it with sh.
  const child = spawn("/bin/sh", ["-c", commands.join("\n")], {
    cwd: workingDirectory ?? instanceRoot(instance.env),
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/root", ...instance.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  inv.child = child;
  inv.status = "InProgress";
  child.stdout.on("data", (c: Buffer) => (inv.stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (inv.stderr += c.toString()));
  child.on("close", (code) => {
    inv.responseCode = code ?? -1;
    inv.status = code === 0 ? "Success" : "Failed";
  });
}
