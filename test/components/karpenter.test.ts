/**
 * Stacks with cluster.nodeProvisioner "karpenter": what they create on AWS and in the cluster, and
 * that the policy pack passes them as it passes the cluster-autoscaler stacks.
 */
import { strict as assert } from "assert";
import { karpenterDiscoveryTag } from "../../components/aws/karpenterPlan";
import { serviceIdentities } from "../../components/config";
import { executorTaint, nodeRoleLabel } from "../../components/config/nodeRoles";
import { parseSparkDefaults } from "../../components/spark/sparkDefaults";
import { formatViolations } from "../../tools/policyCheck";
import { runProgram, StackRun } from "../../tools/harness";
import { WorkloadIdentity } from "../../components/aws/workloadIdentity";
import { awsStacks, inputs, ofType, stackConfig, stackRun, stackRunWith } from "../support";
import { stackViolations } from "../support/policies/pack";

const T = {
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
    nodePool: "kubernetes:karpenter.sh/v1:NodePool",
    nodeClass: "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass",
    chart: "kubernetes:helm.sh/v4:Chart",
    accessEntry: "aws:eks/accessEntry:AccessEntry",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    podIdentity: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
    queue: "aws:sqs/queue:Queue",
    queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
    rule: "aws:cloudwatch/eventRule:EventRule",
    target: "aws:cloudwatch/eventTarget:EventTarget",
    ec2Tag: "aws:ec2/tag:Tag",
    configMap: "kubernetes:core/v1:ConfigMap",
};

/** The stack's own cluster settings with Karpenter switched on (a config key is replaced whole). */
function withKarpenter(stack: string): Promise<StackRun> {
    return stackRunWith(stack, { cluster: { ...stackConfig(stack).cluster, nodeProvisioner: "karpenter" } });
}

const runs = new Map<string, Promise<StackRun>>();
const karpenterRun = (stack: string) => {
    if (!runs.has(stack)) runs.set(stack, withKarpenter(stack));
    return runs.get(stack)!;
};

const labelsOf = (r: { inputs: Record<string, unknown> }) => (r.inputs.labels ?? {}) as Record<string, string>;

describe("stacks with Karpenter", function () {
    this.timeout(120000);

    it("keeps system and driver as managed node groups and gives executors and GPUs NodePools instead", async () => {
        const run = await karpenterRun("prod");
        assert.deepEqual(ofType(run, T.nodeGroup).map((g) => labelsOf(g)[nodeRoleLabel]).sort(), ["driver", "system"]);
        const pools = ofType(run, T.nodePool);
        assert.deepEqual(pools.map((p) => inputs<{ metadata: { name: string } }>(p).metadata.name).sort(), ["spark-executor", "spark-gpu"]);
        const executor = inputs<{ spec: { template: { spec: { requirements: { key: string; values: string[] }[]; taints: unknown[] } } } }>(pools.find((p) => p.name.endsWith("spark-executor"))!);
        const config = stackConfig("prod");
        assert.deepEqual(executor.spec.template.spec.requirements.find((r) => r.key === "node.kubernetes.io/instance-type")?.values, config.nodeGroups.executor.instanceTypes);
        assert.deepEqual(executor.spec.template.spec.taints, [{ key: executorTaint.key, value: executorTaint.value, effect: executorTaint.effect }]);
        assert.deepEqual(run.outputs.nodePools, { executor: "spark-executor", gpu: "spark-gpu" });
        assert.deepEqual(Object.keys(run.outputs.nodeGroups as object).sort(), ["driver", "system"]);
        assert.equal((await stackRun("prod")).outputs.nodePools, undefined, "no NodePools without Karpenter");
        // The cluster-autoscaler still runs, for the managed groups that remain.
        assert.ok(ofType(run, T.chart).some((c) => inputs(c).chart === "cluster-autoscaler"));
    });

    it("runs the pinned OCI chart on the system nodes under its Pod Identity, pointed at the cluster and its interruption queue", async () => {
        const run = await karpenterRun("prod");
        const chart = ofType(run, T.chart).find((c) => inputs(c).chart === "oci://public.ecr.aws/karpenter/karpenter");
        assert.ok(chart, "karpenter chart");
        const v = inputs<{ version: string; namespace: string; repositoryOpts?: unknown; values: { settings: Record<string, string>; serviceAccount: { name: string }; nodeSelector: Record<string, string>; replicas: number } }>(chart);
        assert.equal(v.version, "1.13.0");
        assert.equal(v.repositoryOpts, undefined);
        assert.equal(v.namespace, "kube-system");
        assert.equal(v.values.settings.clusterName, "spark-prod");
        assert.equal(v.values.nodeSelector[nodeRoleLabel], "system");
        assert.equal(v.values.replicas, 2, "prod keeps at least two system nodes");
        const queue = ofType(run, T.queue)[0];
        assert.equal(v.values.settings.interruptionQueue, inputs(queue).name);
        assert.equal(v.values.serviceAccount.name, serviceIdentities.karpenter.serviceAccount);
        assert.ok(ofType(run, T.podIdentity).some((a) => inputs(a).namespace === "kube-system" && inputs(a).serviceAccount === "karpenter"));
        // Its policy passes the node role that the EC2NodeClasses name, and no other.
        const nodeRole = ofType(run, T.role).find((r) => r.name.endsWith("-karpenter-node"))!;
        const nodeRoleArn = `arn:aws:iam::${"123456789012"}:role/${nodeRole.name}`;
        const policy = JSON.parse(String(inputs(ofType(run, T.rolePolicy).find((p) => p.name.endsWith("-karpenter"))!).policy)) as { Statement: { Action: string | string[]; Resource: string | string[] }[] };
        const passRole = policy.Statement.filter((s) => [s.Action].flat().includes("iam:PassRole"));
        assert.deepEqual(passRole.map((s) => s.Resource), [nodeRoleArn]);
        for (const nodeClass of ofType(run, T.nodeClass)) {
            const spec = inputs<{ spec: { role: string; blockDeviceMappings: { ebs: { kmsKeyID: string; encrypted: boolean } }[] } }>(nodeClass).spec;
            assert.equal(spec.role, `${String(inputs(nodeRole).namePrefix)}${nodeRole.name}`);
            assert.match(spec.blockDeviceMappings[0].ebs.kmsKeyID, /^arn:aws:kms:eu-west-1:/);
        }
        // dev keeps one system node at times: one controller replica.
        const dev = await karpenterRun("dev");
        assert.equal(inputs<{ values: { replicas: number } }>(ofType(dev, T.chart).find((c) => String(inputs(c).chart).endsWith("/karpenter"))!).values.replicas, 1);
    });

    it("keeps Karpenter's node role and queue out of every other identity's policy", async () => {
        const run = await karpenterRun("prod");
        const nodeRole = ofType(run, T.role).find((r) => r.name.endsWith("-karpenter-node"))!;
        const [queue] = ofType(run, T.queue);
        const [own, ...others] = [...ofType(run, T.rolePolicy)].sort((a) => (a.name.endsWith("-karpenter") ? -1 : 1));
        assert.ok(own.name.endsWith("-karpenter") && own.dependencies.includes(nodeRole.urn) && own.dependencies.includes(queue.urn));
        for (const p of others) assert.ok(!p.dependencies.includes(nodeRole.urn) && !p.dependencies.includes(queue.urn), p.name);
    });

    it("installs the chart once its nodes can join, its classes after its CRDs, each pool after its class", async () => {
        const run = await karpenterRun("staging");
        const chart = ofType(run, T.chart).find((c) => String(inputs(c).chart).endsWith("/karpenter"))!;
        const entry = ofType(run, T.accessEntry).find((e) => inputs(e).type === "EC2_LINUX")!;
        for (const r of [entry, ...ofType(run, T.queuePolicy), ...ofType(run, T.ec2Tag)]) assert.ok(chart.dependencies.includes(r.urn), `the chart waits for ${r.name}`);
        for (const cls of ofType(run, T.nodeClass)) assert.ok(cls.dependencies.includes(chart.urn), `${cls.name} waits for the chart`);
        for (const pool of ofType(run, T.nodePool)) {
            const cls = ofType(run, T.nodeClass).find((c) => c.name === `${pool.name}-class`)!;
            assert.ok(pool.dependencies.includes(cls.urn), `${pool.name} waits for ${cls.name}`);
        }
    });

    it("lets Karpenter's nodes join (EC2_LINUX access entry) and find the cluster security group by its discovery tag", async () => {
        const run = await karpenterRun("staging");
        const nodeRole = ofType(run, T.role).find((r) => r.name.endsWith("-karpenter-node"))!;
        const entry = ofType(run, T.accessEntry).find((e) => inputs(e).type === "EC2_LINUX");
        assert.ok(entry, "an EC2_LINUX access entry");
        assert.equal(inputs(entry).principalArn, `arn:aws:iam::123456789012:role/${nodeRole.name}`);
        const sgTag = ofType(run, T.ec2Tag).find((t) => inputs(t).key === karpenterDiscoveryTag);
        assert.deepEqual([inputs(sgTag!).resourceId, inputs(sgTag!).value], ["sg-0mockcluster", "spark-staging"]);
    });

    it("feeds the encrypted interruption queue from the four EventBridge rules, which alone may send to it", async () => {
        const run = await karpenterRun("dev");
        const [queue] = ofType(run, T.queue);
        assert.equal(inputs(queue).sqsManagedSseEnabled, true);
        assert.equal(inputs(queue).messageRetentionSeconds, 300);
        const rules = ofType(run, T.rule);
        assert.equal(rules.length, 4);
        assert.equal(ofType(run, T.target).length, 4);
        const queueArn = `arn:aws:sqs:eu-west-1:123456789012:${String(inputs(queue).name)}`;
        for (const t of ofType(run, T.target)) assert.equal(inputs(t).arn, queueArn);
        const policy = JSON.parse(String(inputs(ofType(run, T.queuePolicy)[0]).policy)) as { Statement: { Effect: string; Principal: unknown; Condition: { ArnEquals?: { "aws:SourceArn": string[] } } }[] };
        const allow = policy.Statement.filter((s) => s.Effect === "Allow");
        assert.deepEqual(allow.map((s) => s.Principal), [{ Service: "events.amazonaws.com" }]);
        assert.deepEqual(allow[0].Condition.ArnEquals?.["aws:SourceArn"].sort(), rules.map((r) => `arn:aws:events:eu-west-1:123456789012:rule/${String(inputs(r).name)}`).sort());
        assert.deepEqual(rules.map((r) => inputs(r).name).sort(), ["instance-state-change", "rebalance", "scheduled-change", "spot-interruption"].map((n) => `spark-dev-karpenter-${n}`));
    });

    it("sizes executors exactly as the managed executor group does: the NodePool has the same instance types", async () => {
        const executorConf = (run: StackRun) =>
            ofType(run, T.configMap)
                .map((c) => inputs<{ data?: Record<string, string> }>(c).data?.["spark-defaults.conf"])
                .filter((t): t is string => typeof t === "string" && t.includes("spark.executor.memory"))
                .map((t) => parseSparkDefaults(t))
                .map((c) => `${c["spark.executor.cores"]} ${c["spark.executor.memory"]} ${c["spark.executor.memoryOverhead"]}`);
        const [withNodeGroups, withKarpenterNodes] = [executorConf(await stackRun("dev")), executorConf(await karpenterRun("dev"))];
        assert.ok(withNodeGroups.length > 0);
        assert.deepEqual(withKarpenterNodes, withNodeGroups);
    });

    it("keeps Karpenter from moving running executors: their pods carry do-not-disrupt, and a node's drain is bounded", async () => {
        const executorTemplates = (run: StackRun) =>
            ofType(run, T.configMap)
                .map((c) => inputs<{ data?: Record<string, string> }>(c).data?.["executor-pod-template.yaml"])
                .filter((t): t is string => typeof t === "string")
                .map((t) => JSON.parse(t) as { metadata: { annotations?: Record<string, string> } });
        const withKarpenterNodes = executorTemplates(await karpenterRun("dev"));
        assert.ok(withKarpenterNodes.length > 0);
        for (const template of withKarpenterNodes) assert.deepEqual(template.metadata.annotations, { "karpenter.sh/do-not-disrupt": "true" });
        for (const template of executorTemplates(await stackRun("dev"))) assert.equal(template.metadata.annotations, undefined, "no Karpenter annotation without Karpenter");
        for (const pool of ofType(await karpenterRun("dev"), T.nodePool)) {
            const spec = inputs<{ spec: { template: { spec: { expireAfter: string; terminationGracePeriod: string } } } }>(pool).spec.template.spec;
            assert.deepEqual([spec.expireAfter, spec.terminationGracePeriod], ["720h", "6h"]);
        }
    });

    it("makes no Karpenter role without what its policy is scoped to", async () => {
        const inputs = { warehouseBucketArn: "a", eventLogBucketArn: "b", airflowLogBucketArn: "c", backupBucketArn: "d", secretArns: [], kmsKeyArn: "k", clusterName: "spark-dev" };
        await assert.rejects(
            runProgram(() => new WorkloadIdentity("wi", { clusterName: "spark-dev", platformId: "spark-dev", inputs, partition: "aws", jobNamespaces: ["spark-jobs"], identities: ["karpenter"] })),
            /the karpenter identity needs inputs\.karpenter/,
        );
    });

    for (const stack of awsStacks) {
        it(`${stack}: the policy pack finds no mandatory violation with Karpenter`, async () => {
            const { violations, env } = await stackViolations(await karpenterRun(stack));
            const mandatory = violations.filter((v) => v.enforcement === "mandatory");
            assert.equal(mandatory.length, 0, formatViolations(mandatory, env));
        });
    }
});
