// The Node.js the bundle runs on: it works from Node 20 (MINIMUM_NODE_MAJOR, so instances set up
// before keep deploying), but Node 20 is end of life (2026-04-30) and AWS SDK v3 releases from
// January 2027 need Node 22, which the ebextension installs (nodejs22 on Amazon Linux 2023).

export const RECOMMENDED_NODE_MAJOR = 22;

/** One line for the deploy log when running below the recommended Node; undefined otherwise. */
export function nodeVersionWarning(version: string = process.versions.node): string | undefined {
  const major = Number(version.split(".")[0]);
  if (!(major < RECOMMENDED_NODE_MAJOR)) return undefined;
  return `Node.js v${version} is end of life; eb-migrate still runs on it, but later versions will need Node.js ${RECOMMENDED_NODE_MAJOR}: deploy with the current .ebextensions/eb-migrate.config (it installs nodejs${RECOMMENDED_NODE_MAJOR}) or install Node.js ${RECOMMENDED_NODE_MAJOR}+`;
}
