import { strict as assert } from "assert";
import { sparkRules, dynamicAllocationNeedsShuffle, executorFitsNode, executorsOnSpotOnlyExecutors, gpuIsolation, sparkResourcesDeclared } from "../../../policies/spark";
import { environments, PlatformRule } from "../../../policies/lib/rule";
import { runStack, unwrapSecrets, RunOptions } from "../../../tools/harness";
import { stackRun } from "../../support";
import { FakeResource, unknownCheckingProxy, unknownString, violations } from "../../support/policyArgs";
import { devNodeGroups, nodeGroup, sparkApp, sparkConfMap, t, workload } from "../../support/policies/spark";

describe("spark policy rules", () => {
    describe("metadata", () => {
        it("every rule has a unique kebab-case name, the spark family and complete metadata", () => {
            const names = sparkRules.map((r) => r.name);
            assert.equal(new Set(names).size, names.length);
            assert.deepEqual(names.sort(), ["dynamic-allocation-needs-shuffle", "executor-fits-node", "executors-on-spot-only-executors", "gpu-isolation", "spark-resources-declared"]);
            for (const rule of sparkRules) {
                assert.match(rule.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
                assert.equal(rule.family, "spark");
                assert.ok(rule.description.length > 20, rule.name);
                assert.ok(rule.remediation.length > 20, rule.name);
                assert.ok(["low", "medium", "high", "critical"].includes(rule.severity), rule.name);
                for (const env of environments) assert.ok(["advisory", "mandatory", "remediate", "disabled"].includes(rule.defaultEnforcement[env]), `${rule.name} ${env}`);
                assert.ok(rule.kind === "stack" ? typeof rule.validateStack === "function" : rule.validateResource !== undefined, rule.name);
            }
            assert.equal(executorFitsNode.kind, "stack");
            assert.deepEqual(executorFitsNode.defaultEnforcement, { local: "advisory", dev: "advisory", staging: "mandatory", prod: "mandatory" });
            for (const rule of [sparkResourcesDeclared, executorsOnSpotOnlyExecutors, gpuIsolation, dynamicAllocationNeedsShuffle]) {
                assert.deepEqual(rule.defaultEnforcement, { local: "mandatory", dev: "mandatory", staging: "mandatory", prod: "mandatory" }, rule.name);
            }
            assert.deepEqual(Object.keys(sparkResourcesDeclared.configSchema?.properties ?? {}).sort(), ["maxCores", "maxMemory"]);
        });
    });

    describe("values unknown during preview", () => {
        const unknownApp = (): FakeResource => {
            const app = sparkApp({ executor: { memory: unknownString, memoryOverhead: unknownString, cores: unknownString, tolerations: unknownString, nodeSelector: unknownString } });
            return app;
        };

        it("skips unknown values without violations or errors, as plain sentinels", async () => {
            for (const rule of sparkRules) {
                assert.deepEqual(await violations(rule, [unknownApp(), ...devNodeGroups]), [], rule.name);
                const cm: FakeResource = { type: t.configMap, name: "spark-connect-35", props: { data: { "spark-defaults.conf": unknownString, "executor-pod-template.yaml": unknownString } } };
                assert.deepEqual(await violations(rule, [cm, ...devNodeGroups]), [], rule.name);
                const partial = sparkConfMap({ "spark.executor.memory": unknownString, "spark.dynamicAllocation.shuffleTracking.enabled": unknownString });
                assert.deepEqual(await violations(rule, [partial, ...devNodeGroups]), [], rule.name);
                const deployment = workload(t.deployment, { tolerations: unknownString, nodeSelector: unknownString });
                assert.deepEqual(await violations(rule, [deployment, ...devNodeGroups]), [], rule.name);
            }
        });

        it("skips unknown values behind the analyzer's unknown-checking proxy", async () => {
            const proxied = (r: FakeResource): FakeResource => ({ ...r, props: unknownCheckingProxy(r.props) });
            for (const rule of sparkRules) {
                const resources = [
                    proxied(unknownApp()),
                    proxied({ type: t.configMap, name: "c", props: { data: unknownString } }),
                    proxied(sparkConfMap({ "spark.executor.memory": unknownString })),
                    proxied(workload(t.deployment, { tolerations: [{ key: unknownString, operator: "Exists" }], nodeSelector: { "spark-k8s/node-role": unknownString } })),
                    ...devNodeGroups.map(proxied),
                    proxied({ ...nodeGroup("executor", []), props: { labels: unknownString, instanceTypes: unknownString } }),
                ];
                assert.deepEqual(await violations(rule, resources), [], rule.name);
            }
        });
    });

    describe("the platform's offline plans", function () {
        this.timeout(300000);
        const publicAccess = { cluster: { publicAccessCidrs: ["198.51.100.0/24"] } };
        const runs: [string, string, RunOptions][] = [
            ["local", "local", {}],
            ["dev", "dev", {}],
            ["staging", "staging", {}],
            ["prod", "prod", {}],
            ["prod", "prod with the gpu preset", { config: { spark: { presets: ["gpu"] } } }],
            ["dev", "dev, jupyter-connect-standalone", { config: { spark: { scenarios: ["jupyter-connect-standalone"] }, ...publicAccess } }],
        ];

        async function ruleViolations(rules: PlatformRule[], resources: FakeResource[]): Promise<string[]> {
            const found: string[] = [];
            for (const rule of rules) for (const message of await violations(rule, resources)) found.push(`${rule.name}: ${message}`);
            return found;
        }

        for (const [stack, label, options] of runs) {
            it(`${label}: no Spark rule is violated`, async () => {
                const run = options.config ? await runStack(stack, options) : await stackRun(stack);
                const resources: FakeResource[] = run.resources.map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: unwrapSecrets(r.inputs) as Record<string, unknown> }));
                assert.ok(resources.some((r) => r.type === t.configMap && JSON.stringify(r.props).includes("spark-defaults.conf")), "the plan has Spark configuration to check");
                assert.deepEqual(await ruleViolations(sparkRules, resources), []);
            });
        }
    });
});
