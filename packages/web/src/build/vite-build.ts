// Builds the dashboard with Vite into the directory given as the first argument (default dist/):
//   node packages/web/src/build/vite-build.ts [outDir]
// ensureDashboardBuilt runs this file as a child process, so the CPU-heavy bundling never stalls
// the event loop of a server (or a spinner) in the parent.

import { resolve } from "node:path";
import react from "@vitejs/plugin-react";
import { build, type InlineConfig } from "vite";
import { appDir, distDir } from "./build-inputs.ts";

export function viteConfig(outDir: string): InlineConfig {
  return {
    configFile: false,
    // Whatever NODE_ENV the caller runs under (a test run sets "test"): the dashboard people use is
    // React's production build; Vite otherwise follows NODE_ENV into a development bundle.
    mode: "production",
    root: appDir,
    // Absolute asset URLs: the SPA's routes are nested (/jobs/<id>), relative ones would break there.
    base: "/",
    logLevel: "warn",
    plugins: [react()],
    build: { outDir, emptyOutDir: true, target: "es2022", sourcemap: true, reportCompressedSize: false },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const outDir = resolve(process.argv[2] ?? distDir);
  process.env.NODE_ENV = "production";
  await build(viteConfig(outDir));
}
