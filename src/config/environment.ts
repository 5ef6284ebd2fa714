// Where this process runs, as its environment says: the directory the instance's files are
// below, and the region when nothing more specific (a flag, the instance metadata) names one.

/** EB_MIGRATE_ROOT: the instance's files are below it ("/" on an instance; the sandbox and tests set another). */
export function instanceRoot(env: NodeJS.ProcessEnv): string {
  return env.EB_MIGRATE_ROOT || "/";
}

/** The region the environment names, as the AWS CLI reads it: AWS_REGION, else AWS_DEFAULT_REGION. */
export function envRegion(env: NodeJS.ProcessEnv): string | undefined {
  return env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
}
