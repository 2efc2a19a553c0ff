import { buildProgram } from "./program.ts";

await (await buildProgram(process.argv)).parseAsync(process.argv);
