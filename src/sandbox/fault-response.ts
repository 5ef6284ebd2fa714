// Applies one request's fault decision before the stand-in answers: wait the added latency,
// then hold the request for ever (hang), reset the connection (outage) or answer the error in
// the service's wire format.
import type { ServerResponse } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import type { FaultDecision, ServiceName } from "./faults.js";
import { wireError } from "./wire-errors.js";

export type ErrorWriter = (res: ServerResponse, code: string, message: string, status: number) => void;

/** Returns true when the fault answered (or dropped) the request, so the handler must not. */
export async function applyFault(decision: FaultDecision, service: ServiceName, res: ServerResponse, writeError: ErrorWriter): Promise<boolean> {
  if (decision.latencyMs > 0) await delay(decision.latencyMs);
  if (decision.hang) {
    // A blackhole: the connection stays open and silent until the caller gives up (its own
    // timeout or abort) or the sandbox stops (closeServer drops every connection).
    return true;
  }
  if (decision.outage) {
    // Modelled as a connection reset: the SDK sees a network error and retries, as with a real outage.
    res.socket?.destroy();
    return true;
  }
  if (decision.error) {
    const { code, status } = wireError(service, decision.error.code);
    writeError(res, code, decision.error.message ?? `Injected fault: ${code}`, status);
    return true;
  }
  return false;
}
