// runLocalCommand stops the command's whole process group — with or without the supervisor —
// and reports the result only once no process of it runs: SIGTERM-ignoring commands, background
// workers, shell mode; the deadline reaches the supervisor after every renewal.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { releaseCommand } from "../../src/config/settings.js";
import { runLocalCommand } from "../../src/release/local-command.js";
import { systemClock } from "../../src/runtime/clock.js";
import { manualFence } from "../support/fence.js";
import { localCommandInput } from "../support/local-command-input.js";
import { BUNDLE } from "../support/fleet.js";
import { anyRunning, pidsIn } from "../support/processes.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/commands/", import.meta.url));
const GRACE_MS = 300;

const WAYS = [
  ["under the supervisor", { supervisor: { execPath: process.execPath, script: BUNDLE } }],
  ["without a supervisor", {}],
] as const;

const input = localCommandInput;

describe.each(WAYS)("runLocalCommand %s", (_name, way) => {
  it("kills a command that ignores SIGTERM when the fence fires, and resolves only once its group is gone", async () => {
    const dir = await mkdtemp(join(tmpdir(), "group-"));
    const fence = manualFence(Number.POSITIVE_INFINITY, GRACE_MS);
    const i = input(["sh", join(FIXTURES, "ignores-term.sh"), dir], { ...way, fence, onLine: (l) => l === "ready" && fence.fire("unrenewed") });
    const result = await runLocalCommand(i);
    // Checked at the moment of the result, not later: "fenced" means "nothing runs any more".
    expect(await anyRunning(await pidsIn(join(dir, "pids")))).toBe(false);
    expect(result.signal).toBe("SIGKILL");
    expect(result.detail).toMatch(/could not renew the lease in time/);
  });

  it("kills the background worker the command forked", async () => {
    const dir = await mkdtemp(join(tmpdir(), "group-"));
    const fence = manualFence(Number.POSITIVE_INFINITY, GRACE_MS);
    const i = input(["sh", join(FIXTURES, "leaves-worker.sh"), dir, "wait"], { ...way, fence, onLine: (l) => l === "ready" && fence.fire("lost") });
    const result = await runLocalCommand(i);
    expect(await pidsIn(join(dir, "pids"))).toHaveLength(2);
    expect(await anyRunning(await pidsIn(join(dir, "pids")))).toBe(false);
    expect(result.detail).toMatch(/lost the lease/);
  });

  it("keeps the exit code of a command that exits 0, and stops what it left running", async () => {
    const dir = await mkdtemp(join(tmpdir(), "group-"));
    const i = input(["sh", join(FIXTURES, "leaves-worker.sh"), dir], { ...way, fence: manualFence(Number.POSITIVE_INFINITY, GRACE_MS) });
    const result = await runLocalCommand(i);
    expect(await anyRunning(await pidsIn(join(dir, "pids")))).toBe(false);
    expect(result.exitCode).toBe(0);
    expect(i.lines.join("\n")).toMatch(/sending SIGKILL/);
  });

  it("stops the shell's children in shell mode (`… && echo ok`)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "group-"));
    const fence = manualFence(Number.POSITIVE_INFINITY, GRACE_MS);
    const i = input(releaseCommand(`sh ${join(FIXTURES, "ignores-term.sh")} ${dir} && echo ok`, true).argv, { ...way, shell: true, fence, onLine: (l) => l === "ready" && fence.fire("lost") });
    const result = await runLocalCommand(i);
    expect(await anyRunning(await pidsIn(join(dir, "pids")))).toBe(false);
    expect(result.exitCode).not.toBe(0);
  });
});

describe("runLocalCommand under the supervisor", () => {
  it("hands the fence deadline over: the supervisor fires at it when the runner does not (paused)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "group-"));
    // The runner's own fence never fires here — as if this process were frozen — yet the
    // deadline it sent is enough for the supervisor to stop the group.
    const fence = manualFence(systemClock.now() + 60_000, GRACE_MS);
    const i = input(["sh", join(FIXTURES, "ignores-term.sh"), dir], { ...WAYS[0][1], fence, onLine: (l) => l === "ready" && fence.extend(systemClock.now() + 100) });
    const result = await runLocalCommand(i);
    expect(i.lines.join("\n")).toMatch(/fence deadline passed without a renewal/);
    expect(await anyRunning(await pidsIn(join(dir, "pids")))).toBe(false);
    expect(result.signal).toBe("SIGKILL");
  });
});
