import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { nodeRoleLabel } from "../../../components/config/nodeRoles";
import { chartLocation, charts } from "../../../components/services/charts";
import { karpenterUid, karpenterValues } from "../../../components/services/karpenter";
import { chartSource, pullArguments, renderPlanCharts } from "../../../tools/charts";
import { hardeningProblems } from "../../support/chartValues";

describe("services: Karpenter values", () => {
    const values = karpenterValues({ clusterName: "spark-prod", interruptionQueueName: "spark-prod-karpenter", serviceAccountName: "karpenter", replicas: 2 });

    it("points the controller at its cluster and interruption queue, under the service account with its Pod Identity", () => {
        assert.deepEqual(values.settings, { clusterName: "spark-prod", interruptionQueue: "spark-prod-karpenter" });
        assert.deepEqual(values.serviceAccount, { create: true, name: "karpenter" });
        assert.equal(values.replicas, 2);
    });

    it("runs on the system nodes, never on a node it provisions, with a PDB and the critical priority", () => {
        assert.equal((values.nodeSelector as Record<string, string>)[nodeRoleLabel], "system");
        assert.equal((values.nodeSelector as Record<string, string>)["kubernetes.io/os"], "linux");
        assert.deepEqual(values.tolerations, []);
        assert.equal(values.affinity, undefined, "the chart's default affinity (no node with karpenter.sh/nodepool) stays");
        assert.equal(values.priorityClassName, "system-cluster-critical");
        assert.deepEqual(values.podDisruptionBudget, { name: "karpenter", maxUnavailable: 1 });
    });

    it("hardens the pod, requests and limits memory, and sets the only container field the chart takes beyond AppArmor and SELinux", () => {
        const pod = values.podSecurityContext as Record<string, unknown>;
        assert.equal(pod.runAsNonRoot, true);
        assert.equal(pod.runAsUser, karpenterUid);
        const problems = hardeningProblems(values);
        // controller.securityContext takes appArmorProfile, seLinuxOptions and seccompProfile; the
        // chart's template sets the rest of the container's context itself (rendered and checked by
        // the policy pack in integration/charts/render.test.ts).
        assert.deepEqual(problems.filter((p) => !p.startsWith("controller.securityContext:")), []);
        assert.deepEqual(values.controller, { resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "1Gi" } }, securityContext: { seccompProfile: { type: "RuntimeDefault" } } });
    });

    it("pulls and finds the OCI chart as helm saves it", () => {
        assert.deepEqual(pullArguments(charts.karpenter, "/tmp/c"), ["pull", "oci://public.ecr.aws/karpenter/karpenter", "--version", "1.13.0", "--destination", "/tmp/c"]);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-oci-"));
        fs.writeFileSync(path.join(dir, "karpenter-1.13.0.tgz"), "");
        assert.equal(chartSource(dir, { chart: chartLocation(charts.karpenter).chart, version: "1.13.0" }), path.join(dir, "karpenter-1.13.0.tgz"));
        fs.rmSync(dir, { recursive: true, force: true });
        // A plan's OCI chart that the directory lacks is named as helm pull would save it.
        const chart = { urn: "urn:pulumi:dev::spark-k8s::kubernetes:helm.sh/v4:Chart::karpenter", type: "kubernetes:helm.sh/v4:Chart", name: "karpenter", parent: null, custom: false, provider: null, inputs: { chart: chartLocation(charts.karpenter).chart, version: "1.13.0", name: "karpenter", namespace: "kube-system", values: {} } };
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-oci-"));
        assert.match(renderPlanCharts([chart], empty, "/nonexistent/helm").missing.join(), /^karpenter@1\.13\.0 \(no karpenter-1\.13\.0\.tgz or karpenter-1\.13\.0\//);
        fs.rmSync(empty, { recursive: true, force: true });
    });
});
