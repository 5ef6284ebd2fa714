// The chaos invariants on fabricated runs: clean runs pass, each broken promise is reported.
import { describe, expect, it } from "vitest";
import { checkExitCodes, checkFollowersAfterLeader, checkLeaseReleased, checkNoOverlap, checkOneSuccess, checkRun, type InstanceExit, type MarkerEvent, type RunObservation } from "../../src/chaos/invariants.js";
import { parseMarkers } from "../../src/chaos/marker.js";

const exit = (instance: string, over: Partial<InstanceExit> = {}): InstanceExit => ({ instance, deployment: "d1", exitCode: 0, signal: null, role: "follower", startedAt: 0, exitedAt: 2_000, killedByChaos: false, ...over });
const start = (instance: string, pid: number, at: number, deployment = "d1"): MarkerEvent => ({ kind: "start", instance, deployment, pid, at });
const end = (instance: string, pid: number, at: number, exitCode = 0, deployment = "d1"): MarkerEvent => ({ kind: "end", instance, deployment, pid, at, exitCode });

/** Leader i-a runs the command 100..1100 ms; followers exit after it. */
const clean = (): RunObservation => ({
  exits: [exit("i-a", { role: "leader", exitedAt: 1_200 }), exit("i-b", { exitedAt: 1_500 }), exit("i-c", { exitedAt: 1_600 })],
  markers: [start("i-a", 10, 100), end("i-a", 10, 1_100)],
  leaseHolder: undefined,
});

describe("a clean run", () => {
  it("has no violations", () => {
    expect(checkRun(clean())).toEqual([]);
  });
});

describe("at most one success per deployment", () => {
  it("reports two leaders that both succeeded", () => {
    const run = clean();
    run.exits[1] = exit("i-b", { role: "leader", exitedAt: 2_500 });
    run.markers.push(start("i-b", 11, 1_300), end("i-b", 11, 2_300));
    expect(checkOneSuccess(run).map((v) => v.invariant)).toEqual(["one-success", "one-success"]);
  });
  it("reports a command that completed twice even if only one leader said so", () => {
    const run = clean();
    run.markers.push(start("i-b", 11, 1_300), end("i-b", 11, 2_300));
    expect(checkOneSuccess(run)).toHaveLength(1);
  });
  it("counts per deployment: one success each for two deployments is fine", () => {
    const run = clean();
    run.exits.push(exit("i-d", { deployment: "d2", role: "leader", exitedAt: 3_000 }));
    run.markers.push(start("i-d", 12, 1_300, "d2"), end("i-d", 12, 2_300, 0, "d2"));
    expect(checkOneSuccess(run)).toEqual([]);
  });
  it("excuses a re-run after a completed command whose instance the chaos killed before recording it", () => {
    const run = clean();
    run.exits[0] = exit("i-a", { role: undefined, exitCode: null, signal: "SIGKILL", killedByChaos: true, exitedAt: 1_150 });
    run.markers.push(start("i-b", 11, 5_000), end("i-b", 11, 6_000));
    run.exits[1] = exit("i-b", { role: "leader", exitedAt: 6_100 });
    expect(checkOneSuccess(run)).toEqual([]);
  });
});

describe("never two commands at once", () => {
  it("reports overlapping commands", () => {
    const run = clean();
    run.markers.push(start("i-b", 11, 900), end("i-b", 11, 1_900, 1));
    expect(checkNoOverlap(run)).toHaveLength(1);
  });
  it("treats a command without an end line as still running", () => {
    const run = clean();
    run.markers = [start("i-a", 10, 100), start("i-b", 11, 5_000), end("i-b", 11, 6_000)];
    expect(checkNoOverlap(run).map((v) => v.invariant)).toEqual(["no-overlap"]);
  });
  it("counts a background worker as part of the command that forked it", () => {
    const run = clean();
    // i-a's worker lives on to 3,000 ms; i-b's command (1,300..2,300) overlaps it, not i-a's own span.
    run.markers.push(start("i-a/worker-of-10", 20, 150), end("i-a/worker-of-10", 20, 3_000, 137), start("i-b", 11, 1_300), end("i-b", 11, 2_300, 1));
    expect(checkNoOverlap(run).map((v) => v.detail)).toEqual(["commands on i-a (d1) and i-b (d1) ran at the same time"]);
    // A worker beside its own command is no overlap.
    run.markers = [start("i-a", 10, 100), start("i-a/worker-of-10", 20, 150), end("i-a/worker-of-10", 20, 1_150, 137), end("i-a", 10, 1_100)];
    expect(checkNoOverlap(run)).toEqual([]);
  });
  it("accepts commands one after the other, across deployments too", () => {
    const run = clean();
    run.markers.push(start("i-d", 12, 1_100, "d2"), end("i-d", 12, 2_000, 0, "d2"));
    expect(checkNoOverlap(run)).toEqual([]);
  });
});

describe("followers exit 0 only after the leader's success", () => {
  it("reports a follower that exited 0 before the command ended", () => {
    const run = clean();
    run.exits[1] = exit("i-b", { exitedAt: 500 });
    expect(checkFollowersAfterLeader(run)).toHaveLength(1);
  });
  it("reports a skipping instance when nothing succeeded", () => {
    const run = clean();
    run.markers = [start("i-a", 10, 100), end("i-a", 10, 1_100, 1)];
    run.exits = [exit("i-a", { role: "leader", exitCode: 1 }), exit("i-b", { role: "skipped" })];
    expect(checkFollowersAfterLeader(run)).toHaveLength(1);
  });
  it("matches the success of the follower's own deployment", () => {
    const run = clean();
    run.exits.push(exit("i-d", { deployment: "d2", exitedAt: 9_000 }));
    expect(checkFollowersAfterLeader(run)).toHaveLength(1);
  });
  it("does not hold a fallback follower to it (it goes on by design, loudly)", () => {
    const run = clean();
    run.exits[1] = exit("i-b", { role: "fallback-follower", exitedAt: 50 });
    expect(checkFollowersAfterLeader(run)).toEqual([]);
  });
});

describe("no lease left held", () => {
  it("reports a holder after all exits", () => {
    expect(checkLeaseReleased({ ...clean(), leaseHolder: "i-a" })).toEqual([{ invariant: "lease-left-held", detail: expect.stringContaining("i-a") }]);
  });
  it("excuses a holder whose process the chaos SIGKILLed (its lease expires by design)", () => {
    const run = clean();
    run.exits[0] = exit("i-a", { exitCode: null, signal: "SIGKILL", killedByChaos: true });
    expect(checkLeaseReleased({ ...run, leaseHolder: "i-a" })).toEqual([]);
    expect(checkLeaseReleased({ ...run, leaseHolder: "i-b" })).toHaveLength(1);
  });
});

describe("exit codes from the contract", () => {
  it.each([[5], [137], [null]])("reports exit %s of a process the chaos did not kill", (code) => {
    const run = clean();
    run.exits[2] = exit("i-c", { exitCode: code, signal: code === null ? "SIGSEGV" : null });
    expect(checkExitCodes(run)).toHaveLength(1);
  });
  it("accepts 0-4 and anything from a process the chaos killed", () => {
    const run = clean();
    run.exits = [0, 1, 2, 3, 4].map((c, n) => exit(`i-${n}`, { exitCode: c })).concat(exit("i-k", { exitCode: null, signal: "SIGKILL", killedByChaos: true }));
    expect(checkExitCodes(run)).toEqual([]);
  });
});

describe("marker lines", () => {
  it("parses start and end lines and ignores anything else", () => {
    const text = "start i-a d1 42 1000\ngarbage\nend i-a d1 42 2000 0\nend i-b d1 43 2500 143\n";
    expect(parseMarkers(text)).toEqual([start("i-a", 42, 1_000), end("i-a", 42, 2_000), end("i-b", 43, 2_500, 143)]);
  });
});
