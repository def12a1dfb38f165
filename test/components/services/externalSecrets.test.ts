import { strict as assert } from "assert";
import { namespaces, serviceIdentities } from "../../../components/config/names";
import { charts, isExactChartVersion } from "../../../components/services/charts";
import { awsSecretsManagerStore, externalSecretsImage, externalSecretsValues, platformSecretStoreName } from "../../../components/services/externalSecrets";
import { assertBlocksAt, at, hardeningProblems, systemSelector } from "../../support/chartValues";
import { awsStacks, inputs, ofType, stackRun } from "../../support";

describe("services: External Secrets Operator", () => {
    const values = externalSecretsValues({ serviceAccountName: "external-secrets", nodeGroups: true });

    it("pins the chart and runs one image tag for all three deployments", () => {
        assert.ok(isExactChartVersion(charts.externalSecrets.version));
        assert.equal(externalSecretsImage.tag, `v${charts.externalSecrets.version}`);
        for (const p of ["image", "webhook.image", "certController.image"]) assert.deepEqual(at(values, p), externalSecretsImage, p);
    });

    it("hardens controller, webhook and cert controller, on the system nodes", () => {
        assertBlocksAt(values, "resources", ["resources", "webhook.resources", "certController.resources"]);
        assertBlocksAt(values, "container", ["securityContext", "webhook.securityContext", "certController.securityContext"]);
        assertBlocksAt(values, "pod", ["podSecurityContext", "webhook.podSecurityContext", "certController.podSecurityContext"]);
        assert.deepEqual(hardeningProblems(values), []);
        for (const p of ["", "webhook.", "certController."]) {
            // The chart renders a security context only when enabled is true.
            assert.equal(at(values, `${p}podSecurityContext.enabled`), true);
            assert.equal(at(values, `${p}securityContext.enabled`), true);
            assert.equal(at(values, `${p}securityContext.readOnlyRootFilesystem`), true);
            assert.deepEqual(at(values, `${p}nodeSelector`), systemSelector);
        }
        assert.equal(at(externalSecretsValues({ serviceAccountName: "x", nodeGroups: false }), "nodeSelector"), undefined);
    });

    it("creates the service account the Pod Identity role is associated with", () => {
        assert.deepEqual(at(values, "serviceAccount"), { create: true, name: "external-secrets" });
        assert.equal(at(values, "livenessProbe.enabled"), true, "the controller's liveness probe is off by default");
        assert.equal(at(values, "bitwarden-sdk-server.enabled"), false, "the integration suite renders the chart without this subchart");
    });

    it("reads Secrets Manager in the stack's region with the pod's own credentials", () => {
        const store = awsSecretsManagerStore("eu-west-1");
        assert.deepEqual(store.spec, { provider: { aws: { service: "SecretsManager", region: "eu-west-1" } } });
        assert.equal(store.kind, "ClusterSecretStore");
    });

    for (const stack of awsStacks) {
        it(`${stack}: installs the operator in its restricted namespace with a Pod Identity role and the store`, async () => {
            const run = await stackRun(stack);
            const chart = ofType(run, "kubernetes:helm.sh/v4:Chart").filter((r) => inputs(r).chart === charts.externalSecrets.chart);
            assert.equal(chart.length, 1);
            assert.equal(inputs(chart[0]).namespace, namespaces.externalSecrets);
            const ns = ofType(run, "kubernetes:core/v1:Namespace").find((r) => inputs<{ metadata: { name: string } }>(r).metadata.name === namespaces.externalSecrets);
            assert.equal(inputs<{ metadata: { labels: Record<string, string> } }>(ns!).metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
            const sa = serviceIdentities.externalSecrets;
            const association = ofType(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation").filter((r) => inputs(r).serviceAccount === sa.serviceAccount && inputs(r).namespace === sa.namespace);
            assert.equal(association.length, 1);
            const stores = ofType(run, "kubernetes:external-secrets.io/v1:ClusterSecretStore");
            assert.deepEqual(stores.map((r) => inputs<{ metadata: { name: string } }>(r).metadata.name), [platformSecretStoreName]);
        });
    }

    it("local: no operator", async () => {
        const run = await stackRun("local");
        assert.equal(ofType(run, "kubernetes:helm.sh/v4:Chart").filter((r) => inputs(r).chart === charts.externalSecrets.chart).length, 0);
    });
});
