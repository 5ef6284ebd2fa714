// What each mode refuses in the settings before anything runs (its ReleaseMode.checkSettings):
// kept apart from the modes' run-time code, so the early skip (src/early/), which loads no AWS
// SDK, refuses exactly what `run` refuses.
import type { Mode, Settings } from "../../config/settings.js";
import { checkEcsSettings } from "../../ecs/settings-check.js";

export const MODE_SETTINGS_CHECKS: Record<Mode, (settings: Settings) => void> = {
  local: () => undefined,
  ecs: checkEcsSettings,
};
