/**
 * The executor priority as Spark applies it: Spark has no configuration key for an executor's
 * PriorityClass, so the platform sets it in the executor pod template. Each line's own
 * KubernetesExecutorBuilder (ExecutorPod.java) builds executor 1 from the spark-defaults.conf and the
 * executor template the stack writes for its Connect server, and the pod must carry the executor
 * class: Spark keeps the template's priorityClassName and restartPolicy. The pod's grace period
 * must be the platform's decommissioning window on every line: 3.5 keeps the template's, 4.1+
 * overrides it with spark.kubernetes.executor.terminationGracePeriodSeconds (default 30s), which
 * the stack sets to the same value.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { priorityClassName } from "../../components/kubernetes/priorities";
import { serviceEndpoints, namespaces } from "../../components/config/names";
import { SparkVersion } from "../../components/config/schema";
import { executorTerminationGracePeriodSeconds } from "../../components/spark/sparkDefaults";
import { runStack, StackRun } from "../../tools/harness";
import { javaHome, sparkDistribution } from "../support/spark";

function connectConf(run: StackRun, line: SparkVersion): Record<string, string> {
    const name = `${serviceEndpoints.connect(line).name}-conf`;
    const map = run.resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && (r.inputs as { metadata: { name: string; namespace: string } }).metadata.name === name && (r.inputs as { metadata: { namespace: string } }).metadata.namespace === namespaces.jobs);
    assert.ok(map, `the stack writes ConfigMap ${name}`);
    return (map.inputs as { data: Record<string, string> }).data;
}

describe("Spark engine: the executor pod's priority", function () {
    this.timeout(20 * 60 * 1000);
    let run: StackRun;
    before(async function () {
        run = await runStack("prod");
    });

    for (const line of ["3.5", "4.1"] as const) {
        it(`Spark ${line} builds executors from the prod stack's template with the executor PriorityClass`, async function () {
            const dist = await sparkDistribution(line);
            const data = connectConf(run, line);
            assert.ok(data["executor-pod-template.yaml"], "the Connect server ships an executor template");
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-executor-pod-"));
            try {
                const defaults = path.join(dir, "spark-defaults.conf");
                const template = path.join(dir, "executor-pod-template.yaml");
                fs.writeFileSync(defaults, data["spark-defaults.conf"]);
                fs.writeFileSync(template, data["executor-pod-template.yaml"]);
                const java = spawnSync(path.join(javaHome, "bin", "java"), ["-cp", path.join(dist.home, "jars", "*"), path.join(__dirname, "ExecutorPod.java"), defaults, template], { encoding: "utf8", timeout: 300000 });
                assert.equal(java.status, 0, `${java.stdout}\n${java.stderr.slice(-4000)}`);
                const fields = Object.fromEntries(java.stdout.trim().split("\n").filter((l) => /^\w+=/.test(l)).map((l) => l.split("=", 2) as [string, string]));
                assert.equal(fields.priorityClassName, priorityClassName("executor"), java.stdout);
                assert.equal(fields.restartPolicy, "Never", java.stdout);
                assert.equal(fields.terminationGracePeriodSeconds, String(executorTerminationGracePeriodSeconds), java.stdout);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    }
});
