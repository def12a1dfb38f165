/**
 * Policy check of a plan JSON (docs/operations.md, "Offline plan"), and the generators of the files
 * that derive from the rule metadata: policies/config/<env>.json and docs/policies.md.
 *
 *   npm run policy -- --plan FILE.json [--env local|dev|staging|prod] [--json OUT]
 *   npm run policy:config      (writes policies/config/*.json)
 *   npm run policy:docs        (writes docs/policies.md)
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { environmentFromStack, environmentSettings, isEnvironment, policyConfig, policyEnvironmentVariable, schemaDefaults } from "../policies/config";
import { Environment, environments, PlatformRule, RuleFamily } from "../policies/lib/rule";
import { exemptions } from "../policies/exemptions";
import { allRules } from "../policies/rules";
import { textCell } from "./markdown";
import { checkPlan, formatExemptions, formatViolations, mandatoryCount, PolicyExemption } from "./policyCheck";
import { CommandResult, runMain } from "./cli";
import { PlanJson, readPlanJson } from "./planSummary";

/** The repository root (harness.ts has it too, but loading the harness loads the whole program). */
const repoRoot = path.resolve(__dirname, "..");

export const usage = `usage: npm run policy -- --plan FILE.json [--env local|dev|staging|prod] [--json OUT]
       npm run policy -- --write-config | --write-docs

Runs every policy rule over a plan JSON written by \`npm run plan -- --stack <name> --json FILE\`.

  --plan FILE     the plan JSON to check (secret values appear as "[secret]")
  --env ENV       environment whose rule defaults apply (default: the plan's stack name when it
                  is an environment, else prod)
  --json OUT      also write the violations as [{"policy","enforcement","urn","name","message"}]
  --write-config  regenerate policies/config/<env>.json from the rules (npm run policy:config)
  --write-docs    regenerate docs/policies.md from the rules (npm run policy:docs)
  -h, --help      show this help

Exit codes: 0 no mandatory violation, 1 mandatory violations or an unreadable plan, 2 usage error.
`;

const usageError = (message: string): CommandResult => ({ code: 2, stdout: "", stderr: `policy: ${message}\n\n${usage}` });
const failure = (message: string): CommandResult => ({ code: 1, stdout: "", stderr: `policy: ${message}\n` });

/** Where the generated config files live, relative to the repository root. */
export const configDir = "policies/config";
export const docsFile = "docs/policies.md";

/** The generated policy config files: repository-relative path to content. */
export function configFiles(rules: readonly PlatformRule[] = allRules): Record<string, string> {
    return Object.fromEntries(environments.map((env) => [`${configDir}/${env}.json`, JSON.stringify(policyConfig(env, rules), null, 2) + "\n"]));
}

const familyTitles: Record<RuleFamily, string> = { kubernetes: "Kubernetes", aws: "AWS", spark: "Spark" };

function ruleSection(rule: PlatformRule): string[] {
    const lines = [`### ${rule.name}`, ""];
    lines.push(`${rule.kind === "stack" ? "Stack rule (sees every resource at once)" : "Resource rule"}, severity **${rule.severity}**.`, "");
    lines.push(`**Checks:** ${textCell(rule.description)}`, "");
    lines.push(`**Remediation:** ${textCell(rule.remediation)}`, "");
    lines.push(`| ${environments.join(" | ")} |`, `|${environments.map(() => "---").join("|")}|`, `| ${environments.map((env) => rule.defaultEnforcement[env]).join(" | ")} |`, "");
    const properties = Object.entries(rule.configSchema?.properties ?? {});
    if (properties.length > 0) {
        const defaults = schemaDefaults(rule);
        lines.push("| config key | type | default | description |", "|---|---|---|---|");
        for (const [key, schema] of properties) {
            const perEnv = environments.filter((env) => environmentSettings[env]?.[rule.name]?.[key] !== undefined).map((env) => `${env}: \`${JSON.stringify(environmentSettings[env]?.[rule.name]?.[key])}\``);
            const type = Array.isArray(schema.type) ? schema.type.join(" \\| ") : (schema.type ?? "");
            const byDefault = key in defaults ? `\`${JSON.stringify(defaults[key])}\`` : "—";
            lines.push(`| \`${key}\` | ${type} | ${[byDefault, ...perEnv].join("; ")} | ${textCell(schema.description ?? "")} |`);
        }
        lines.push("");
    }
    return lines;
}

/** docs/policies.md, generated from the rule metadata. */
export function policyDocs(rules: readonly PlatformRule[] = allRules): string {
    const levelTable = (family: RuleFamily) => {
        const own = rules.filter((r) => r.family === family);
        if (own.length === 0) return ["No rules yet.", ""];
        return [
            `| rule | kind | severity | ${environments.join(" | ")} |`,
            `|---|---|---|${environments.map(() => "---").join("|")}|`,
            ...own.map((r) => `| [${r.name}](#${r.name}) | ${r.kind} | ${r.severity} | ${environments.map((env) => r.defaultEnforcement[env]).join(" | ")} |`),
            "",
        ];
    };
    const lines = [
        "# Policies",
        "",
        "<!-- Generated by `npm run policy:docs` from the rule metadata in policies/; edit the rules, not this file. -->",
        "",
        `The CrossGuard pack \`spark-k8s-policies\` (policies/) holds ${rules.length} rules in three families. Every rule has a`,
        "default enforcement per environment: *core* rules are mandatory everywhere, *strict* rules advise in local and dev",
        "and bind from staging on, *prodOnly* rules bind in prod only, *advisory* rules never block.",
        "",
        "## Running the pack",
        "",
        "- Offline, without the Pulumi CLI: `npm run plan -- --stack <name> --policy` evaluates the stack under mocks and",
        "  runs every rule with the defaults of the stack's environment tier (its `environment` config, else the stack",
        "  name); it exits 1 on a mandatory violation. `npm run policy -- --plan FILE.json [--env ENV] [--json OUT]` checks a",
        "  plan JSON written by `npm run plan -- --json`.",
        "- Charts as a preview sees them: offline, a Helm chart is one resource, while a real preview checks every object it",
        "  renders. `npm run charts:pull` fetches the pinned charts into `.charts/` (it needs the chart repositories) and",
        "  `npm run plan -- --stack <name> --policy --charts .charts` renders each with helm, with the values the program",
        "  passes, and checks the rendered objects too.",
        "- With the CLI: `pulumi preview --stack <name> --policy-pack policies`. The pack runs from this repository: its",
        "  rules import pure helpers from `components/`, so run `npm ci` at the repository root first; the pack resolves",
        "  `@pulumi/policy`, `@pulumi/pulumi`, `yaml` and `ts-node` from the root `node_modules` (policies/ needs no",
        "  install of its own). Pulumi compiles the TypeScript pack with ts-node, type-checked with policies/tsconfig.json.",
        "- Publishing (`pulumi policy publish`) uploads the policies/ directory alone, without `components/`: publish a",
        "  bundled copy of the pack (for example built with a bundler into one index.js) rather than the directory as it is.",
        "",
        "## Configuring and exempting",
        "",
        `- **Environment.** The pack's built-in config is the defaults of one environment, chosen by \`${policyEnvironmentVariable}\``,
        `  (\`local\`, \`dev\`, \`staging\`, \`prod\`; unset means \`prod\`, the strictest): \`${policyEnvironmentVariable}=dev pulumi preview --stack dev --policy-pack policies\`.`,
        "- **Config files.** `policies/config/<env>.json` holds every rule's level and config values for that environment,",
        "  generated by `npm run policy:config`. Pass one, or your edited copy, with",
        "  `pulumi preview --policy-pack policies --policy-pack-config policies/config/dev.json`; its values replace the",
        "  pack's built-in config rule by rule.",
        "- **Pulumi Cloud.** Policy groups override with policy config: enable the pack for a group of stacks and set each",
        "  rule's level and values in the group's config (the same JSON shape). The built-in config is only the default.",
        "- **Exempting a workload.** A system component that needs host access by nature, or a chart workload that",
        "  cannot carry a probe, is exempted by a declaration in `policies/exemptions.ts`: the namespace, the kind and name",
        "  of the workload, the exact rules waived and the reason (listed below). Each waived rule receives it as its",
        "  `exemptions` config value, so it shows in `policies/config/<env>.json` and in Pulumi Cloud; the rule skips that",
        "  workload and checks every other. A waiver of a Pod Security rule holds only in a namespace the stack labels",
        "  privileged with a recorded reason: the stack rule `exemptions-in-privileged-namespaces` fails it anywhere else. An",
        "  exemption added in a policy group's config must also be listed in that rule's `exemptions` to be checked. No rule",
        "  is switched off for a namespace or a stack.",
        "- **Relaxing a rule.** To stop a rule from blocking at all, set it to `advisory` (it still reports) or `disabled`",
        "  in the stack's policy config, e.g. `{ \"images-pinned\": \"advisory\" }`, and record why in the change.",
        "- **Offline.** `npm run plan -- --policy` and `npm run policy` use the same defaults (`policies/config.ts`) and",
        "  print an `exempt` line for every rule a declaration waives on a resource of the plan.",
        "",
        "## Exemptions",
        "",
        "Charts are one resource in the offline plan; in a real preview each object a chart renders is a resource, and",
        "these are the workloads the pinned charts render that need an exemption (the integration suite renders the",
        "charts it can get with Helm and runs the pack over them: docs/testing.md).",
        "",
        "| component | namespace | workload | rules waived | why |",
        "|---|---|---|---|---|",
        ...exemptions.map((e) => `| ${e.component} | ${e.namespace} | ${e.kind} ${e.name} | ${e.rules.join(", ")} | ${textCell(e.reason)} |`),
        "",
        "## Writing a rule",
        "",
        "A rule is a `PlatformRule` object (`policies/lib/rule.ts`) in its family's folder, listed in the family's index.",
        "The toolkit in `policies/lib/` is the one home of what rules share: `props.ts` reads properties and values",
        "unknown during preview (`read`/`readList` tell absent from unknown; `known` runs a check so that an unknown",
        "value skips that check only), `rule.ts` merges a rule's config over its defaults (`configOf`), `podSpecs.ts`",
        "finds every pod spec a resource carries. Quantities and Spark memory sizes are read by",
        "`components/kubernetes/quantity.ts`, the same parsers the program uses; a Spark size means what Spark reads",
        "(the integration suite checks it against each Spark line).",
        "",
        "## Rules by family",
        "",
    ];
    for (const family of Object.keys(familyTitles) as RuleFamily[]) {
        lines.push(`### ${familyTitles[family]}`, "", ...levelTable(family));
    }
    for (const family of Object.keys(familyTitles) as RuleFamily[]) {
        const own = rules.filter((r) => r.family === family);
        if (own.length === 0) continue;
        lines.push(`## ${familyTitles[family]} rules`, "");
        for (const rule of own) lines.push(...ruleSection(rule));
    }
    return lines.join("\n").replace(/\n+$/, "") + "\n";
}

function parseCommandLine(argv: readonly string[]) {
    return parseArgs({
        args: [...argv],
        strict: true,
        allowPositionals: false,
        options: {
            plan: { type: "string" },
            env: { type: "string" },
            json: { type: "string" },
            "write-config": { type: "boolean" },
            "write-docs": { type: "boolean" },
            help: { type: "boolean", short: "h" },
        },
    }).values;
}

function writeFiles(files: Record<string, string>): CommandResult {
    for (const [rel, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(repoRoot, rel)), { recursive: true });
        fs.writeFileSync(path.join(repoRoot, rel), content);
    }
    return { code: 0, stdout: Object.keys(files).map((f) => `wrote ${f}\n`).join(""), stderr: "" };
}

/** Runs the policy command for the given arguments (without node and script). */
export async function policyCommand(argv: readonly string[]): Promise<CommandResult> {
    let values: ReturnType<typeof parseCommandLine>;
    try {
        values = parseCommandLine(argv);
    } catch (err) {
        return usageError(err instanceof Error ? err.message : String(err));
    }
    if (values.help) return { code: 0, stdout: usage, stderr: "" };
    const generators = [values["write-config"], values["write-docs"]].filter(Boolean).length;
    if (generators > 0) {
        if (values.plan || values.env || values.json) return usageError("--write-config and --write-docs take no other options");
        return writeFiles({ ...(values["write-config"] ? configFiles() : {}), ...(values["write-docs"] ? { [docsFile]: policyDocs() } : {}) });
    }
    if (!values.plan) return usageError("--plan is required");
    if (values.env !== undefined && !isEnvironment(values.env)) return usageError(`--env must be one of ${environments.join(", ")}, not "${values.env}"`);

    const cwd = process.env.INIT_CWD ?? process.cwd();
    let plan: PlanJson;
    try {
        plan = readPlanJson(path.resolve(cwd, values.plan));
    } catch (err) {
        return failure(err instanceof Error ? err.message : String(err));
    }
    const env: Environment = values.env ?? environmentFromStack(plan.stack);
    const exempt: PolicyExemption[] = [];
    const violations = await checkPlan(plan.resources, env, {}, undefined, exempt);
    let stdout = formatViolations(violations, env) + formatExemptions(exempt);
    if (values.json) {
        const out = path.resolve(cwd, values.json);
        fs.writeFileSync(out, JSON.stringify(violations, null, 2) + "\n");
        stdout += `\nViolations JSON written to ${out}\n`;
    }
    const mandatory = mandatoryCount(violations);
    return mandatory > 0 ? { code: 1, stdout, stderr: `policy: ${mandatory} mandatory violation${mandatory === 1 ? "" : "s"}\n` } : { code: 0, stdout, stderr: "" };
}

if (require.main === module) runMain(policyCommand);
