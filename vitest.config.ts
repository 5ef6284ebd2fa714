import { defineConfig } from "vitest/config";

export default defineConfig({
  define: { __EB_MIGRATE_VERSION__: JSON.stringify("0.0.0-test") },
  test: {
    // The SDK's Node 20 notice is for users of the SDK, not for our test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ["test/support/global-setup.ts"],
    pool: "forks",
    fileParallelism: true,
    maxWorkers: 2,
  },
});
