// The supervisor owns the command's process group: it stops the whole group — SIGKILL when
// SIGTERM is ignored — when the fence deadline passes unrenewed (a paused runner), when the
// runner dies (even by SIGKILL), and when SIGTERM is forwarded. Real processes, no spawn mocks.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { groupAlive, waitGone } from "../../src/release/process-group.js";
import { deadlineMessage, hostMonotonicMs } from "../../src/release/supervise.js";
import { systemClock } from "../../src/runtime/clock.js";
import { BUNDLE } from "../support/fleet.js";
import { anyRunning, pidsIn } from "../support/processes.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/commands/", import.meta.url));
const GRACE_MS = 300;

/** Output of a child, and a promise of the first line matching. */
function watch(child: ChildProcess) {
  let text = "";
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const onData = (c: Buffer) => {
    text += c.toString();
    for (const w of [...waiters]) if (w.re.test(text)) w.resolve();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return {
    text: () => text,
    exited,
    until: (re: RegExp) => (re.test(text) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ re, resolve }))),
  };
}

function startSupervisor(argv: string[]) {
  const child = spawn(process.execPath, [BUNDLE, "__supervise", "--grace-ms", String(GRACE_MS), "--", ...argv], { detached: true, stdio: ["pipe", "pipe", "pipe"] });
  return { child, ...watch(child) };
}

describe("eb-migrate __supervise", () => {
  it("kills a group that ignores SIGTERM when the deadline passes without a new message (paused runner)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "supervise-"));
    const s = startSupervisor(["sh", join(FIXTURES, "ignores-term.sh"), dir]);
    await s.until(/ready/);
    // One deadline, then silence with the pipe held open: what a SIGSTOPped runner looks like.
    s.child.stdin!.write(deadlineMessage(hostMonotonicMs() + 200));
    const code = await s.exited;
    expect(s.text()).toMatch(/fence deadline passed/);
    expect(s.text()).toMatch(/still runs 300 ms after SIGTERM; sending SIGKILL/);
    expect(code).toBe(128 + 9);
    expect(await anyRunning(await pidsIn(join(dir, "pids")))).toBe(false);
    expect(await groupAlive(s.child.pid!)).toBe(false);
    s.child.stdin!.destroy();
  });

  it("moves the deadline on with every message", async () => {
    const s = startSupervisor(["sh", "-c", `echo ready; sleep 1; echo survived; exit 3`]);
    await s.until(/ready/);
    s.child.stdin!.write(deadlineMessage(hostMonotonicMs() + 100));
    // Renewed before it passes, to beyond the command's end: the command runs to its end.
    s.child.stdin!.write(deadlineMessage(hostMonotonicMs() + 60_000));
    expect(await s.exited).toBe(3);
    expect(s.text()).toMatch(/survived/);
    expect(s.text()).not.toMatch(/stopping/);
    s.child.stdin!.destroy();
  });

  it("kills the group when its runner is SIGKILLed", async () => {
    const dir = await mkdtemp(join(tmpdir(), "supervise-"));
    // A stand-in runner: starts the supervisor as runLocalCommand does (detached, stdin a pipe).
    const script = `
      const { spawn } = require("node:child_process");
      const s = spawn(process.execPath, [${JSON.stringify(BUNDLE)}, "__supervise", "--grace-ms", "${GRACE_MS}", "--", "sh", ${JSON.stringify(join(FIXTURES, "leaves-worker.sh"))}, ${JSON.stringify(dir)}, "wait"], { detached: true, stdio: ["pipe", "inherit", "inherit"] });
      console.log("pgid " + s.pid);
      setInterval(() => {}, 1000);`;
    const runner = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    const r = watch(runner);
    await r.until(/ready/);
    const pgid = Number(/pgid (\d+)/.exec(r.text())![1]);
    expect(await groupAlive(pgid)).toBe(true);
    runner.kill("SIGKILL");
    await r.exited;
    expect(await waitGone(pgid, 15_000, systemClock)).toBe(true);
    const pids = await pidsIn(join(dir, "pids"));
    expect(pids).toHaveLength(2);
    expect(await anyRunning(pids)).toBe(false);
  });

  it("stops the group on a forwarded SIGTERM, and its background worker with it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "supervise-"));
    const s = startSupervisor(["sh", join(FIXTURES, "leaves-worker.sh"), dir, "wait"]);
    await s.until(/ready/);
    s.child.kill("SIGTERM");
    await s.exited;
    expect(s.text()).toMatch(/received SIGTERM; stopping the command's process group/);
    expect(s.text()).toMatch(/sending SIGKILL/);
    expect(await anyRunning(await pidsIn(join(dir, "pids")))).toBe(false);
    s.child.stdin!.destroy();
  });

  it("keeps the command's exit code when it exits and only a leftover worker has to be killed", async () => {
    const dir = await mkdtemp(join(tmpdir(), "supervise-"));
    const s = startSupervisor(["sh", join(FIXTURES, "leaves-worker.sh"), dir]);
    expect(await s.exited).toBe(0);
    expect(s.text()).toMatch(/exited and left processes running/);
    expect(await anyRunning(await pidsIn(join(dir, "pids")))).toBe(false);
    s.child.stdin!.destroy();
  });
});
