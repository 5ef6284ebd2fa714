// Checks that need no AWS call: the Node.js version.
import { MINIMUM_NODE_MAJOR } from "../../scaffold/hook-script.js";
import { nodeVersionWarning, RECOMMENDED_NODE_MAJOR } from "../../runtime/node-version.js";
import { pass, fail, warn, type CheckResult } from "../checklist.js";


export function checkNodeVersion(version: string = process.versions.node): CheckResult {
  const major = Number(version.split(".")[0]);
  if (major < MINIMUM_NODE_MAJOR) {
    return fail("Node.js", `v${version} is older than ${MINIMUM_NODE_MAJOR}`, `install Node.js ${RECOMMENDED_NODE_MAJOR} or newer (the ebextension installs nodejs${RECOMMENDED_NODE_MAJOR} on Amazon Linux 2023)`);
  }
  const warning = nodeVersionWarning(version);
  return warning ? warn("Node.js", `v${version} works but is end of life`, `install Node.js ${RECOMMENDED_NODE_MAJOR}+ (the current ebextension installs nodejs${RECOMMENDED_NODE_MAJOR} on Amazon Linux 2023)`) : pass("Node.js", `v${version}`);
}
