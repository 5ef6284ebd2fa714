// Other migrate runners in the deployed app (the same findings as init's): each deploy would
// run migrate beside eb-migrate's — on every instance, or on EB's one-time leader.
import { findExistingRunners } from "../../scaffold/existing-runners.js";
import { pass, warn, type CheckResult } from "../checklist.js";

export async function checkExistingRunners(appDir: string): Promise<CheckResult> {
  const found = await findExistingRunners(appDir);
  if (found.length === 0) return pass("other migrate runners", `none in ${appDir}`);
  return warn(
    "other migrate runners",
    `${found.length} in ${appDir}: ${found.map((r) => `${r.file}:${r.line} ${r.what}`).join("; ")}`,
    `${found.map((r) => r.fix).join("; ")}; then deploy again (until then every deploy migrates more than once)`,
  );
}
