// Mocha settings of the integration suite (npm run test:integration). IT_SPEC=glob[,glob] runs a
// part of it, e.g. IT_SPEC='integration/spark/**/*.test.ts' npm run test:integration.
module.exports = {
    require: ["./tools/register.cjs", "integration/support/hooks.ts"],
    extension: ["ts"],
    spec: process.env.IT_SPEC ? process.env.IT_SPEC.split(",") : ["integration/**/*.test.ts"],
    timeout: 30 * 60 * 1000,
    reporter: "spec",
};
