/**
 * The NodePools and EC2NodeClasses the program writes, against the CRDs of the pinned Karpenter
 * (pkg/apis/crds of github.com/aws/karpenter-provider-aws at the chart's version, from the Go module
 * proxy): no field the API server would prune as unknown, and every type, enum and pattern the
 * schema states. CEL rules (x-kubernetes-validations) are left to the API server.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { ec2NodeClassManifest, karpenterKinds, nodePoolManifest, nodePoolPlans } from "../../components/aws/karpenterPlan";
import { tierDefaults } from "../../components/config";
import { platformTags } from "../../components/config/names";
import { charts } from "../../components/services/charts";
import { stackConfig } from "../../tools/harness";
import { CrdValidators } from "../support/crds";
import { goModuleDir } from "../support/helm";

describe("Karpenter objects against the pinned Karpenter's CRDs", function () {
    this.timeout(20 * 60 * 1000);
    let crds: CrdValidators;
    before(function () {
        crds = new CrdValidators(path.join(goModuleDir("github.com/aws/karpenter-provider-aws", `v${charts.karpenter.version}`), "pkg/apis/crds"));
    });

    for (const stack of ["dev", "staging", "prod"] as const) {
        it(`${stack}: every NodePool and EC2NodeClass fits the ${karpenterKinds.nodePool.apiVersion} and ${karpenterKinds.nodeClass.apiVersion} schemas`, function () {
            const config = stackConfig(stack);
            const plans = nodePoolPlans(tierDefaults(stack).nodeGroups);
            assert.deepEqual(plans.map((p) => p.role), ["executor", "gpu"]);
            for (const plan of plans) {
                const pool = nodePoolManifest(plan);
                const cls = ec2NodeClassManifest(plan, { clusterName: `spark-${stack}`, nodeRoleName: `spark-${stack}-karpenter-node-1`, kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/k", tags: platformTags(config) });
                const found = [...crds.problems(pool).map((p) => `NodePool ${plan.name} ${p}`), ...crds.problems(cls).map((p) => `EC2NodeClass ${plan.name} ${p}`)];
                assert.deepEqual(found, [], found.join("\n"));
            }
        });
    }

    it("would catch a misspelt field and a wrong type", function () {
        const [plan] = nodePoolPlans(tierDefaults("dev").nodeGroups);
        const cls = ec2NodeClassManifest(plan, { clusterName: "c", nodeRoleName: "r", kmsKeyArn: "k", tags: {} });
        assert.deepEqual(crds.problems({ ...cls, spec: { ...cls.spec, metadataOption: {} } }), ["/spec/metadataOption: unknown field (the API server prunes it)"]);
        const pool = nodePoolManifest(plan);
        const problems = crds.problems({ ...pool, spec: { ...pool.spec, weight: "10" } });
        assert.ok(problems.some((p) => p.startsWith("/spec/weight: must be integer")), problems.join("\n"));
    });
});
