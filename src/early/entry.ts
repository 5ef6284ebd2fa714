// The first part of dist/eb-migrate.cjs (scripts/build.mjs): the early skip, and the modules
// it shares with the rest of the bundle, which takes them from here instead of a second copy.
export { earlySkip } from "./skip.js";
