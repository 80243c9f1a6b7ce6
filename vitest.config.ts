import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Builds dist/, the server `npm start` runs, for the tests that start it as a process.
    globalSetup: ["test/support/build-server.ts"],
    // Each file starts its own database and servers; give those room on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 90_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
