// Loads TypeScript for the tools and both test suites, transpiled by SWC: several times faster than
// TypeScript's own transpiler, which matters to a plan or a test run that loads the whole program.
// Types are checked by `npm run typecheck`; `pulumi up` compiles index.ts its own way, unaffected.
require("ts-node").register({ transpileOnly: true, swc: true });
