// A FenceView driven by hand, for tests of the command runners: extend it, let it fire.
import type { FenceReason, FenceView } from "../../src/election/fence.js";

export interface ManualFence extends FenceView {
  extend(deadline: number): void;
  fire(reason: FenceReason): void;
}

export function manualFence(deadline: number, killGraceMs: number): ManualFence {
  const controller = new AbortController();
  const listeners = new Set<(deadline: number) => void>();
  let current = deadline;
  return {
    signal: controller.signal,
    deadline: () => current,
    killGraceMs,
    onExtend(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    extend(next) {
      current = next;
      for (const l of listeners) l(next);
    },
    fire(reason) {
      controller.abort(reason);
    },
  };
}
