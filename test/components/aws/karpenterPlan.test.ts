import { strict as assert } from "assert";
import {
    amiAlias,
    ec2NodeClassManifest,
    interruptionRules,
    karpenterDiscoveryTag,
    karpenterKinds,
    nodePoolManifest,
    nodePoolPlans,
} from "../../../components/aws/karpenterPlan";
import { subnetTags } from "../../../components/aws/network";
import { tierDefaults } from "../../../components/config";
import { instanceShape } from "../../../components/config/instanceTypes";
import { capacityLabel, executorTaint, gpuTaint, nodeRoleLabel } from "../../../components/config/nodeRoles";
import { nodeGroupPlan } from "../../../components/aws/nodeGroups";

type Obj = Record<string, unknown>;
const at = (o: unknown, path: string): unknown => path.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Obj)[k] : undefined), o);

describe("aws: Karpenter plan", () => {
    const prod = tierDefaults("prod").nodeGroups;

    it("plans one NodePool per enabled Karpenter role, none for system and driver", () => {
        assert.deepEqual(nodePoolPlans(prod).map((p) => p.role), ["executor", "gpu"]);
        assert.deepEqual(nodePoolPlans({ ...prod, gpu: { ...prod.gpu, enabled: false } }).map((p) => p.role), ["executor"]);
    });

    it("lets executors take spot first and on-demand when spot runs out, and GPUs on-demand only", () => {
        const [executor, gpu] = nodePoolPlans(prod);
        assert.deepEqual(executor.capacityTypes, ["spot", "on-demand"]);
        assert.deepEqual(gpu.capacityTypes, ["on-demand"]);
        // A mixed pool cannot say one capacity in its label; a single-capacity pool says it.
        assert.equal(executor.labels[capacityLabel], undefined);
        assert.equal(gpu.labels[capacityLabel], "on-demand");
    });

    it("keeps the node groups' instance types, role labels and taints", () => {
        for (const plan of nodePoolPlans(prod)) {
            const group = nodeGroupPlan(plan.role, prod[plan.role]);
            assert.deepEqual(plan.instanceTypes, prod[plan.role].instanceTypes, plan.role);
            assert.equal(plan.labels[nodeRoleLabel], group.labels[nodeRoleLabel]);
            assert.deepEqual(plan.taints, group.taints);
        }
        assert.deepEqual(nodePoolPlans(prod)[0].taints, [executorTaint]);
        assert.deepEqual(nodePoolPlans(prod)[1].taints, [gpuTaint]);
    });

    it("limits a pool to maxSize nodes of its smallest shape (the cost estimate prices maxNodes of them)", () => {
        const [executor, gpu] = nodePoolPlans(prod);
        const m6i = instanceShape("m6i.4xlarge")!;
        assert.equal(executor.maxNodes, prod.executor.maxSize);
        assert.deepEqual(executor.limits, { cpu: String(100 * m6i.vcpu), memory: `${100 * m6i.memoryGiB}Gi` });
        assert.deepEqual(gpu.limits, { cpu: String(8 * 8), memory: `${8 * 32}Gi`, "nvidia.com/gpu": "8" });
        // Mixed GPU sizes: the smallest decides, so no more than maxSize nodes of any of them fit.
        const mixed = nodePoolPlans({ ...prod, gpu: { ...prod.gpu, instanceTypes: ["g5.2xlarge", "g5.xlarge"], maxSize: 3 } })[1];
        assert.deepEqual(mixed.limits, { cpu: "12", memory: "48Gi", "nvidia.com/gpu": "3" });
    });

    it("writes a karpenter.sh/v1 NodePool with the upstream field names", () => {
        const [plan] = nodePoolPlans(tierDefaults("dev").nodeGroups);
        const pool = nodePoolManifest(plan);
        assert.equal(pool.apiVersion, "karpenter.sh/v1");
        assert.equal(pool.kind, "NodePool");
        assert.deepEqual(at(pool, "spec.template.spec.nodeClassRef"), { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: plan.name });
        assert.deepEqual(at(pool, "spec.template.metadata.labels"), { [nodeRoleLabel]: "executor" });
        assert.deepEqual(at(pool, "spec.template.spec.taints"), [{ key: executorTaint.key, value: executorTaint.value, effect: "NoSchedule" }]);
        const requirements = at(pool, "spec.template.spec.requirements") as { key: string; operator: string; values: string[] }[];
        assert.deepEqual(requirements.find((r) => r.key === "node.kubernetes.io/instance-type")?.values, ["m6i.2xlarge", "m6a.2xlarge", "m5.2xlarge"]);
        assert.deepEqual(requirements.find((r) => r.key === "karpenter.sh/capacity-type")?.values, ["spot", "on-demand"]);
        assert.ok(requirements.every((r) => r.operator === "In"));
        assert.equal(at(pool, "spec.disruption.consolidationPolicy"), "WhenEmptyOrUnderutilized");
        assert.equal(at(pool, "spec.limits.cpu"), "80");
    });

    it("writes an EC2NodeClass with IMDSv2 at hop limit 1, an encrypted gp3 root volume with the platform key, and discovery by tag", () => {
        const [, gpuPlan] = nodePoolPlans(prod);
        const nodeClass = ec2NodeClassManifest(gpuPlan, { clusterName: "spark-prod", nodeRoleName: "spark-prod-karpenter-node", kmsKeyArn: "arn:aws:kms:eu-west-1:1:key/k", tags: { "spark-k8s:stack": "prod" } });
        assert.equal(nodeClass.apiVersion, karpenterKinds.nodeClass.apiVersion);
        assert.equal(nodeClass.kind, "EC2NodeClass");
        assert.equal(at(nodeClass, "spec.role"), "spark-prod-karpenter-node");
        assert.deepEqual(at(nodeClass, "spec.amiSelectorTerms"), [{ alias: amiAlias }]);
        assert.match(amiAlias, /^al2023@/);
        assert.deepEqual(at(nodeClass, "spec.metadataOptions"), { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" });
        assert.deepEqual(at(nodeClass, "spec.blockDeviceMappings"), [
            { deviceName: "/dev/xvda", ebs: { volumeSize: `${prod.gpu.diskSizeGiB}Gi`, volumeType: "gp3", encrypted: true, kmsKeyID: "arn:aws:kms:eu-west-1:1:key/k", deleteOnTermination: true } },
        ]);
        const discovery = [{ tags: { [karpenterDiscoveryTag]: "spark-prod" } }];
        assert.deepEqual(at(nodeClass, "spec.subnetSelectorTerms"), discovery);
        assert.deepEqual(at(nodeClass, "spec.securityGroupSelectorTerms"), discovery);
        assert.deepEqual(at(nodeClass, "spec.tags"), { "spark-k8s:stack": "prod", Name: "spark-prod-gpu", [nodeRoleLabel]: "gpu" });
        // The subnets the network creates carry the tag the class selects on.
        assert.equal(subnetTags("spark-prod", "private")[karpenterDiscoveryTag], "spark-prod");
    });

    it("forwards the four instance events of upstream's template to the interruption queue", () => {
        assert.deepEqual(
            interruptionRules.map((r) => `${r.eventPattern.source.join()}: ${r.eventPattern["detail-type"].join()}`),
            [
                "aws.health: AWS Health Event",
                "aws.ec2: EC2 Spot Instance Interruption Warning",
                "aws.ec2: EC2 Instance Rebalance Recommendation",
                "aws.ec2: EC2 Instance State-change Notification",
            ],
        );
    });
});
