// Partial faults against the sandbox with the built bundle: one instance's DynamoDB connections
// hang (accepted, never answered) while the others' work. A cut-off leader's fence stops its
// command before a successor starts one; a cut-off follower still ends — exit 3 at its wait
// timeout, and exit 3 on SIGTERM.
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { Harness } from "../../src/chaos/harness.js";
import { checkNoOverlap } from "../../src/chaos/invariants.js";

const BUNDLE = fileURLToPath(new URL("../../dist/eb-migrate.cjs", import.meta.url));

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

const running = (h: Harness) => h.waitFor((_p, l) => l.state === "running", 30_000);

describe("one instance's DynamoDB blackholed", () => {
  it("the leader's: its command is stopped at the fence, the successor's runs alone, the command completes exactly once", async () => {
    const h = (harness = await Harness.start({ bundle: BUNDLE, instances: 3, leaseSeconds: 3, sleepSeconds: 5 }));
    for (const i of h.instances()) h.spawn(i);
    const first = (await running(h))!;
    h.sandbox.injectFault({ service: "dynamodb", instance: first.proc.id, hang: true });
    const successor = await h.waitFor((p, l) => p.id !== first.proc.id && l.state === "running", 30_000);
    expect(successor, "another instance took over").toBeDefined();
    await h.waitForMarker((m) => m.kind === "end" && m.instance === successor!.proc.id, 30_000);
    h.sandbox.clearFaults();
    const exits = await h.allDone(60_000);
    const observation = await h.observe(exits);
    expect(checkNoOverlap(observation)).toEqual([]);
    const completions = observation.markers.filter((m) => m.kind === "end" && m.exitCode === 0);
    expect(completions.map((m) => m.instance)).toEqual([successor!.proc.id]);
    // The cut-off leader's command was stopped (SIGTERM, as the marker's trap writes it).
    expect(observation.markers.filter((m) => m.kind === "end" && m.instance === first.proc.id).map((m) => m.exitCode)).toEqual([143]);
    expect(exits.map((e) => e.exitCode)).toEqual([0, 0, 0]);
  }, 120_000);

  it("a waiting follower's: it exits 3 at its wait timeout; another one exits 3 on SIGTERM", async () => {
    const h = (harness = await Harness.start({ bundle: BUNDLE, instances: 3, leaseSeconds: 3, sleepSeconds: 8, waitTimeoutSeconds: 12 }));
    for (const i of h.instances()) h.spawn(i);
    const leader = (await running(h))!;
    const followers = h.procs.filter((p) => p !== leader.proc);
    // Both have seen the table (they wait), so none may take the fallback.
    await Promise.all(followers.map((p) => h.waitFor((q, l) => q === p && l.state === "waiting", 20_000)));
    for (const p of followers) h.sandbox.injectFault({ service: "dynamodb", instance: p.id, hang: true });
    // Let both be inside hung calls, then stop one of them as EB's command timeout would.
    await new Promise((r) => setTimeout(r, 1_500));
    followers[1]!.child.kill("SIGTERM");
    const exits = await h.allDone(60_000);
    const exitOf = (instance: string) => exits.find((e) => e.id === instance)!;
    expect(exitOf(leader.proc.id).exitCode).toBe(0);
    expect(exitOf(followers[0]!.id).exitCode).toBe(3);
    expect(exitOf(followers[0]!.id).lines.some((l) => /waited 12 s for the release/.test(l.msg))).toBe(true);
    expect(exitOf(followers[1]!.id).exitCode).toBe(3);
    expect(exitOf(followers[1]!.id).lines.some((l) => /stopped by SIGTERM while waiting/.test(l.msg))).toBe(true);
  }, 120_000);
});
