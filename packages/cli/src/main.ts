import { buildProgram } from "./program.ts";

try {
  await (await buildProgram(process.argv)).parseAsync(process.argv);
} catch (error) {
  // A failure no command turned into its own message: one line for the user, the stack only when
  // asked for (a bug report).
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${message}\n`);
  if (process.env.PITHEAD_DEBUG) process.stderr.write(`${error instanceof Error ? error.stack : ""}\n`);
  else process.stderr.write("(set PITHEAD_DEBUG=1 to see where it came from)\n");
  process.exit(1);
}
