import { existsSync, readdirSync } from "node:fs";
import { defineConfig } from "vitest/config";

// One Vitest project per package (run one with `npx vitest run --project ledger`), plus the
// cross-package tests in test/. Every project shares one embedded PostgreSQL (see testkit).
const packages = readdirSync("packages").filter((name) => existsSync(`packages/${name}/package.json`));

export default defineConfig({
  test: {
    globalSetup: ["packages/testkit/src/vitest-global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    projects: [
      ...packages.map((name) => ({
        extends: true as const,
        test: { name, include: [`packages/${name}/src/**/*.test.ts`, `packages/${name}/test/**/*.test.ts`] },
      })),
      { extends: true as const, test: { name: "e2e", include: ["test/**/*.test.ts"] } },
    ],
  },
});
