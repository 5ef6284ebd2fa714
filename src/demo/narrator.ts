// The demo's voice: scene headings, one line per instance, verdicts and the summary table, on
// stdout; colour only on a TTY.
import type { Output } from "../cli/command.js";
import { wantsColour } from "../cli/log.js";
import { formatDuration, paint, renderTable, type Cell } from "../ops/table-text.js";
import type { InstanceRun } from "../sandbox/instance-process.js";

export interface SceneSummary {
  scene: string;
  instances: number;
  leader: string;
  migrations: string[];
  ok: boolean;
  durationMs: number;
}

export class Narrator {
  private readonly colour: boolean;
  constructor(
    private readonly out: Output,
    env: NodeJS.ProcessEnv,
    private readonly verbose = false,
  ) {
    this.colour = wantsColour(out, env);
  }

  heading(n: number, title: string): void {
    this.out.write(`\n${paint(`━━ ${n}. ${title}`, "warn", this.colour)}\n`);
  }

  say(text: string): void {
    this.out.write(`   ${text}\n`);
  }

  note(text: string): void {
    this.out.write(`   ${paint(text, "dim", this.colour)}\n`);
  }

  instance(run: InstanceRun): void {
    const role = run.signal ? "crashed" : (run.stats?.role ?? `exit ${run.exitCode}`);
    const tone = run.signal || (run.exitCode ?? 1) !== 0 ? "bad" : role.startsWith("fallback") ? "warn" : role === "leader" ? "good" : "plain";
    this.out.write(`   ${run.id}  ${paint(role.padEnd(17), tone, this.colour)} ${describeRun(run)}\n`);
    if (this.verbose) for (const line of run.output.trimEnd().split("\n")) this.out.write(`      ${paint(line, "dim", this.colour)}\n`);
  }

  verdict(ok: boolean, text: string): void {
    this.out.write(`   ${ok ? paint("✔", "good", this.colour) : paint("✘", "bad", this.colour)} ${text}\n`);
  }

  summary(rows: SceneSummary[]): void {
    const cells: Cell[][] = rows.map((r) => [
      { text: r.scene },
      { text: String(r.instances) },
      { text: r.leader },
      { text: r.migrations.length ? r.migrations.join(", ") : "none" },
      { text: r.ok ? "as expected" : "UNEXPECTED", tone: r.ok ? "good" : "bad" },
      { text: formatDuration(r.durationMs) },
    ]);
    this.out.write(`\n${renderTable(["scene", "instances", "leader", "migrations applied", "result", "time"], cells, this.colour)}\n`);
  }
}

function describeRun(run: InstanceRun): string {
  const took = run.stats ? ` (${formatDuration(run.stats.durationMs)})` : "";
  if (run.signal) return `killed by ${run.signal} in the middle of migrate, as if the instance died`;
  if ((run.exitCode ?? 1) !== 0) return `the hook failed with exit ${run.exitCode}: ${lastLine(run.output)}`;
  const applied = [...run.output.matchAll(/Applying shop\.(\w+)\.\.\. OK/g)].map((m) => m[1]!);
  const ran = applied.length ? `applied ${applied.join(", ")}` : "ran migrate (nothing new to apply)";
  switch (run.stats?.role) {
    case "leader":
      return run.stats.takeover ? `took over the lease (${run.stats.takeover}), ${ran}${took}` : `won the lease, ${ran}${took}`;
    case "follower":
      return `waited for ${run.stats.leader}, then went on${took}`;
    case "skipped":
      return `release already done by ${run.stats.leader}: skipped at once${took}`;
    case "fallback-leader":
      return `table unusable: oldest InService instance, ${ran} without a lease${took}`;
    case "fallback-follower":
      return `table unusable: ${run.stats.leader} is the oldest and migrates; went on with a warning${took}`;
    default:
      return lastLine(run.output);
  }
}

function lastLine(output: string): string {
  return output.trimEnd().split("\n").at(-1) ?? "";
}
