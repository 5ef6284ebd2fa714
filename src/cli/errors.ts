// Errors that carry the exit code of PRODUCT.md and a message a user can act on.
import { credentialsProblem } from "../aws/errors.js";

/** Exit codes of `eb-migrate run` (PRODUCT.md): the only numbers the CLI ever exits with. */
export const ExitCode = {
  ok: 0,
  releaseFailed: 1,
  badConfiguration: 2,
  waitTimedOut: 3,
  noElection: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Base error: `message` is the one line shown to the user (cause, then the fix). */
export class EbMigrateError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad setting, flag or usage: nothing was written or run. */
export class ConfigError extends EbMigrateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.badConfiguration, options);
  }
}

/**
 * Missing, expired or invalid AWS credentials are the user's configuration: exit 2 wherever the
 * call was, with the one line that says how to fix them (`what` names the call that failed).
 * Undefined for every other error.
 */
export function credentialsError(error: unknown, what?: string): ConfigError | undefined {
  const problem = credentialsProblem(error);
  if (problem === undefined) return undefined;
  return new ConfigError(what ? `${what} failed: ${problem}` : problem, { cause: error });
}

/** The release command failed, on this instance or on the leader a follower waited for. */
export class ReleaseFailedError extends EbMigrateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.releaseFailed, options);
  }
}

/** Waited longer than EB_MIGRATE_WAIT_TIMEOUT_SECONDS. */
export class WaitTimeoutError extends EbMigrateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.waitTimedOut, options);
  }
}

/** Neither the lease table nor the fallback could elect a leader. */
export class NoElectionError extends EbMigrateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.noElection, options);
  }
}

/** Short description of any thrown value, for log lines (never a stack trace). */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const name = error.name && error.name !== "Error" ? `${error.name}: ` : "";
    return `${name}${error.message}`;
  }
  return String(error);
}
