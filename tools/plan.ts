/**
 * Offline plan: evaluates a stack under Pulumi mocks (no CLI, cloud or cluster), prints a summary
 * and optionally writes the plan JSON of docs/operations.md ("Offline plan").
 *
 *   npm run plan -- --stack <name> [--json FILE] [--dir DIR] [--policy [--charts DIR]]
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { CommandResult, failure, runMain, usageError } from "./cli";
import { ConfigError } from "../components/config";
import { loadStackConfig, missingStackFile, repoRoot, runStack, unwrapSecrets } from "./harness";
import { formatSummary, summarizePlan, toPlanJson } from "./planSummary";
import type { PolicyExemption } from "./policyCheck";

export const usage = `usage: npm run plan -- --stack <name> [--json FILE] [--dir DIR] [--policy [--charts DIR]]

Evaluates a stack offline under Pulumi mocks and prints what it would create.

  --stack NAME   stack to evaluate (reads Pulumi.<NAME>.yaml)
  --json FILE    also write the plan as JSON; secret values appear as "[secret]"
  --dir DIR      directory holding Pulumi.yaml and the stack files (default: the repository root);
                 --dir deployment evaluates the delivery program (Deployments settings, ESC)
  --policy       also run the policy rules with the defaults of the stack's environment tier
                 (its environment config, else the stack name); exit 1 on a mandatory violation
  --charts DIR   with --policy: render each chart of the plan found in DIR (<chart>-<version>.tgz, as
                 npm run charts:pull saves them) with helm ($HELM or helm on PATH), with the values and
                 release the program passes, and check the rendered objects too, as a preview would;
                 says which charts were not rendered
  -h, --help     show this help
`;

export type { CommandResult } from "./cli";

const planUsageError = (message: string): CommandResult => usageError("plan", usage, message);
const planFailure = (message: string): CommandResult => failure("plan", message);

function parseCommandLine(argv: readonly string[]) {
    return parseArgs({
        args: [...argv],
        strict: true,
        allowPositionals: false,
        options: {
            stack: { type: "string" },
            json: { type: "string" },
            dir: { type: "string" },
            policy: { type: "boolean" },
            charts: { type: "string" },
            help: { type: "boolean", short: "h" },
        },
    }).values;
}

/** Runs the plan command for the given arguments (without node and script). */
export async function planCommand(argv: readonly string[]): Promise<CommandResult> {
    let values: ReturnType<typeof parseCommandLine>;
    try {
        values = parseCommandLine(argv);
    } catch (err) {
        return planUsageError(err instanceof Error ? err.message : String(err));
    }
    if (values.help) return { code: 0, stdout: usage, stderr: "" };
    if (!values.stack) return planUsageError("--stack is required");
    if (values.charts !== undefined && !values.policy) return planUsageError("--charts needs --policy: rendered charts are checked by the policy pack");

    // npm runs scripts from the package root; relative paths mean the caller's directory.
    const cwd = process.env.INIT_CWD ?? process.cwd();
    const dir = values.dir ? path.resolve(cwd, values.dir) : repoRoot;
    const jsonFile = values.json ? path.resolve(cwd, values.json) : undefined;
    const chartsDir = values.charts !== undefined ? path.resolve(cwd, values.charts) : undefined;
    if (!fs.existsSync(path.join(dir, "Pulumi.yaml"))) return planFailure(`no Pulumi.yaml in ${dir}`);
    if (chartsDir && !fs.statSync(chartsDir, { throwIfNoEntry: false })?.isDirectory()) return planFailure(`--charts ${chartsDir} is not a directory`);
    const missing = missingStackFile(values.stack, dir);
    if (missing) return planFailure(missing);
    try {
        const run = await runStack(values.stack, { dir });
        let stdout = formatSummary(summarizePlan(run));
        if (jsonFile) {
            fs.writeFileSync(jsonFile, JSON.stringify(toPlanJson(run), null, 2) + "\n");
            stdout += `\nPlan JSON written to ${jsonFile}\n`;
        }
        if (values.policy) {
            // The policy code loads only when asked for: a plan without --policy does not pay for it.
            const { environmentFromStack } = await import("../policies/config");
            const { checkPlan, formatExemptions, formatViolations, mandatoryCount } = await import("./policyCheck");
            const file = loadStackConfig(values.stack, dir);
            const env = environmentFromStack(values.stack, file.values[`${file.project}:environment`]);
            const resources = run.resources.map((r) => ({ ...r, inputs: unwrapSecrets(r.inputs) as Record<string, unknown> }));
            if (chartsDir) {
                // Rendered objects join the check only: the plan JSON keeps the chart as one resource, secrets masked.
                const { renderPlanCharts } = await import("./charts");
                const charts = renderPlanCharts(resources, chartsDir);
                resources.push(...charts.resources.map((r) => ({ ...r, dependencies: [] })));
                stdout += `\nCharts rendered from ${chartsDir}: ${charts.rendered.join(", ") || "none"} (${charts.resources.length} objects)\n`;
                if (charts.missing.length > 0) stdout += `Charts not rendered:\n${charts.missing.map((m) => `  ${m}\n`).join("")}`;
            }
            const exempt: PolicyExemption[] = [];
            const violations = await checkPlan(resources, env, {}, undefined, exempt);
            stdout += `\n${formatViolations(violations, env)}${formatExemptions(exempt)}`;
            if (mandatoryCount(violations) > 0) return { code: 1, stdout, stderr: "plan: mandatory policy violations\n" };
        }
        return { code: 0, stdout, stderr: "" };
    } catch (err) {
        if (err instanceof ConfigError) return { code: 1, stdout: "", stderr: `${err.message}\n` };
        return planFailure(err instanceof Error ? err.message : String(err));
    }
}

if (require.main === module) runMain(planCommand);
