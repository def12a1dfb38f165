import { strict as assert } from "assert";
import { namespaces, serviceIdentities } from "../../../components/config/names";
import { charts, isExactChartVersion } from "../../../components/services/charts";
import { SecretProvider, tierDefaults } from "../../../components/config";
import { clusterSecretStore, externalSecretsFlows, externalSecretsImage, externalSecretsPlan, externalSecretsValues, operatorIdentity, platformSecretStoreName, storeEndpoint, StoreProvider, storeProviders } from "../../../components/services/externalSecrets";
import { sealedSecretsImage, sealedSecretsRelease, sealedSecretsValues } from "../../../components/services/sealedSecrets";
import { assertBlocksAt, at, hardeningProblems, systemSelector } from "../../support/chartValues";
import { awsStacks, inputs, ofType, stackRun, stackRunWith } from "../../support";
import { exampleStoreSettings } from "../../support/secretStores";

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
        const store = clusterSecretStore({ ...exampleStoreSettings("aws-secrets-manager"), provider: "aws-secrets-manager" }, "eu-west-1") as { kind: string; spec: unknown };
        assert.deepEqual(store.spec, { provider: { aws: { service: "SecretsManager", region: "eu-west-1" } } });
        assert.equal(store.kind, "ClusterSecretStore");
        assert.throws(() => clusterSecretStore({ ...exampleStoreSettings("aws-secrets-manager"), provider: "aws-secrets-manager" }, ""), /needs the stack's region/);
    });

    const operatorRef = { name: serviceIdentities.externalSecrets.serviceAccount, namespace: serviceIdentities.externalSecrets.namespace };
    const spec = (p: StoreProvider) => (clusterSecretStore({ ...exampleStoreSettings(p), provider: p }, "eu-west-1") as { spec: { provider: Record<string, unknown> } }).spec.provider;

    it("logs in to Vault's Kubernetes auth method as the operator, reading KV v2 under the mount path", () => {
        assert.deepEqual(spec("vault"), {
            vault: { server: "https://vault.example.com:8200", path: "secret", version: "v2", auth: { kubernetes: { mountPath: "kubernetes", role: "spark-platform", serviceAccountRef: operatorRef } } },
        });
    });

    it("reads Azure Key Vault with workload identity, the client id on the operator's service account", () => {
        assert.deepEqual(spec("azure-key-vault"), {
            azurekv: { authType: "WorkloadIdentity", vaultUrl: "https://platform-kv.vault.azure.net", tenantId: "0b6a3c1e-2f4d-4e5a-9b7c-1d2e3f4a5b6c", serviceAccountRef: operatorRef },
        });
        const id = operatorIdentity(exampleStoreSettings("azure-key-vault"));
        assert.deepEqual(id, { serviceAccountAnnotations: { "azure.workload.identity/client-id": "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f" }, podLabels: { "azure.workload.identity/use": "true" } });
        const values = externalSecretsValues({ serviceAccountName: "external-secrets", nodeGroups: false, ...id });
        assert.deepEqual(at(values, "serviceAccount.annotations"), id.serviceAccountAnnotations);
        assert.deepEqual(at(values, "podLabels"), id.podLabels);
    });

    it("reads GCP Secret Manager with GKE workload identity, the cluster's project defaulting to the secrets' project", () => {
        assert.deepEqual(spec("gcp-secret-manager"), {
            gcpsm: { projectID: "data-platform-prod", auth: { workloadIdentity: { clusterLocation: "europe-west1", clusterName: "spark", clusterProjectID: "data-platform-prod", serviceAccountRef: operatorRef } } },
        });
        assert.deepEqual(operatorIdentity(exampleStoreSettings("gcp-secret-manager")), { serviceAccountAnnotations: { "iam.gke.io/gcp-service-account": "eso@data-platform-prod.iam.gserviceaccount.com" } });
    });

    it("reads IBM Secrets Manager with the API key of the referenced Secret", () => {
        assert.deepEqual(spec("ibm-secrets-manager"), {
            ibm: { serviceUrl: "https://0a1b2c3d.eu-de.secrets-manager.appdomain.cloud", auth: { secretRef: { secretApiKeySecretRef: { namespace: "external-secrets", name: "ibm-api-key", key: "apiKey" } } } },
        });
    });

    it("tells the flow table where each store is: Vault at its URL's port, the cloud services on HTTPS outside the VPC", () => {
        const endpoint = (p: StoreProvider) => storeEndpoint({ ...exampleStoreSettings(p), provider: p });
        assert.deepEqual(endpoint("vault"), { name: "Vault", port: 8200, outsideVpc: false });
        const vault = exampleStoreSettings("vault");
        assert.equal(storeEndpoint({ ...vault, provider: "vault", vault: { ...vault.vault, server: "https://vault.internal" } }).port, 443);
        for (const p of storeProviders.filter((x) => x !== "vault")) assert.deepEqual([endpoint(p).port, endpoint(p).outsideVpc], [443, true], p);
        assert.equal(externalSecretsFlows(undefined), undefined);
        const sealed = externalSecretsPlan({ tier: "dev", region: "eu-west-1", secrets: { ...tierDefaults("dev").secrets, provider: "sealed-secrets" } });
        assert.deepEqual(externalSecretsFlows(sealed), { store: undefined }, "the operator runs but reads no store");
    });

    it("gives AWS and Vault no identity annotations", () => {
        for (const p of ["aws-secrets-manager", "vault", "ibm-secrets-manager"] as const) assert.deepEqual(operatorIdentity(exampleStoreSettings(p)), {}, p);
    });

    it("runs on every AWS stack, and locally only for a store provider", () => {
        const secrets = (provider: string) => ({ ...tierDefaults("dev").secrets, provider: provider as SecretProvider });
        for (const provider of ["kubernetes", "sealed-secrets", ...storeProviders]) {
            assert.ok(externalSecretsPlan({ tier: "dev", region: "eu-west-1", secrets: secrets(provider) }), `dev with ${provider}`);
            assert.equal(externalSecretsPlan({ tier: "local", region: "", secrets: secrets(provider) }) !== undefined, (storeProviders as readonly string[]).includes(provider), `local with ${provider}`);
        }
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

    const chartsOf = (run: Awaited<ReturnType<typeof stackRun>>, chart: string) => ofType(run, "kubernetes:helm.sh/v4:Chart").filter((r) => inputs(r).chart === chart);

    it("local: no operator and no Sealed Secrets controller by default (kubernetes)", async () => {
        const run = await stackRun("local");
        assert.equal(chartsOf(run, charts.externalSecrets.chart).length, 0);
        assert.equal(chartsOf(run, charts.sealedSecrets.chart).length, 0);
    });

    it("local with Vault: the operator and Vault's store, and no Pod Identity", async () => {
        const s = exampleStoreSettings("vault");
        const run = await stackRunWith("local", { secrets: { provider: "vault", vault: s.vault } });
        assert.equal(chartsOf(run, charts.externalSecrets.chart).length, 1);
        const [store] = ofType(run, "kubernetes:external-secrets.io/v1:ClusterSecretStore").map((r) => inputs<{ spec: { provider: Record<string, unknown> } }>(r));
        assert.deepEqual(Object.keys(store.spec.provider), ["vault"]);
        assert.equal(ofType(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation").length, 0);
    });

    it("dev with sealed-secrets: the controller in its restricted namespace, the operator without a store", async () => {
        const run = await stackRunWith("dev", { secrets: { provider: "sealed-secrets" } });
        const [controller] = chartsOf(run, charts.sealedSecrets.chart);
        assert.equal(inputs(controller).namespace, sealedSecretsRelease.namespace);
        assert.equal(chartsOf(run, charts.externalSecrets.chart).length, 1);
        assert.equal(ofType(run, "kubernetes:external-secrets.io/v1:ClusterSecretStore").length, 0);
        const policies = ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => inputs<{ metadata: { name: string; namespace: string } }>(r).metadata);
        for (const ns of [namespaces.externalSecrets, namespaces.sealedSecrets]) {
            assert.ok(policies.some((m) => m.namespace === ns && m.name === "default-deny"), `${ns} has its default-deny`);
        }
        assert.ok(policies.some((m) => m.namespace === namespaces.sealedSecrets && m.name.includes("api-to-sealed-secrets")), "kubeseal reaches the controller through the API server");
        assert.ok(!policies.some((m) => m.name.includes("external-secrets-to-store")), "no store, no egress to one");
    });
});

describe("services: Sealed Secrets controller", () => {
    const values = sealedSecretsValues({ nodeGroups: true });

    it("is hardened, pinned and named as kubeseal is told", () => {
        assertBlocksAt(values, "resources", ["resources"]);
        assertBlocksAt(values, "container", ["containerSecurityContext"]);
        assertBlocksAt(values, "pod", ["podSecurityContext"]);
        assert.deepEqual(hardeningProblems(values), []);
        assert.equal(at(values, "podSecurityContext.enabled"), true);
        assert.equal(at(values, "containerSecurityContext.enabled"), true);
        assert.deepEqual(at(values, "nodeSelector"), systemSelector);
        assert.deepEqual(at(values, "image"), sealedSecretsImage);
        assert.equal(at(values, "fullnameOverride"), sealedSecretsRelease.controller);
        assert.ok(isExactChartVersion(charts.sealedSecrets.version));
    });
});
