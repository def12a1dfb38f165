/**
 * No generated credential reaches a Kubernetes object Pulumi writes when a store or Sealed Secrets
 * delivers the credentials, and with the kubernetes provider every Secret is still written.
 */
import { strict as assert } from "assert";
import { toUrlSafeBase64 } from "../../components/services/credentials";
import { exampleStoreSettings } from "../support/secretStores";
import { mockGeneratedValue, StackRun, unwrapSecrets } from "../../tools/harness";
import { inputs, ofType, stackRun, stackRunWith } from "../support";

const es = "kubernetes:external-secrets.io/v1:ExternalSecret";
const secretType = "kubernetes:core/v1:Secret";

/** Every value the mocks generated for the run's random resources, in each form a component may write it. */
function generatedValues(run: StackRun): string[] {
    return run.resources.flatMap((r) => {
        const value = mockGeneratedValue(r.type, r.name);
        if (value === undefined) return [];
        return r.type.endsWith("RandomBytes") ? [value, toUrlSafeBase64(value)] : [value];
    });
}

/** Kubernetes objects (any type, chart values included) whose inputs hold a generated value, with the value. */
function leaks(run: StackRun): string[] {
    const values = generatedValues(run);
    assert.ok(values.length >= 8, `the run generated its credentials (${values.length})`);
    return run.resources
        .filter((r) => r.type.startsWith("kubernetes:"))
        .flatMap((r) => {
            const text = JSON.stringify(unwrapSecrets(r.inputs));
            return values.filter((v) => text.includes(v)).map((v) => `${r.type} ${r.name}: ${v}`);
        });
}

const namesOf = (run: StackRun, type: string, nameOf: (o: Record<string, unknown>) => string) =>
    ofType(run, type)
        .map((r) => {
            const o = inputs<{ metadata: { namespace: string } } & Record<string, unknown>>(r);
            return `${o.metadata.namespace}/${nameOf(o)}`;
        })
        .sort();
const secretNames = (run: StackRun) => namesOf(run, secretType, (o) => (o.metadata as { name: string }).name);
const externalSecretTargets = (run: StackRun) => namesOf(run, es, (o) => (o.spec as { target: { name: string } }).target.name);

describe("credential delivery on whole stacks", function () {
    this.timeout(300_000);

    for (const stack of ["dev", "staging", "prod"] as const) {
        it(`${stack} (Secrets Manager): no generated value in any Kubernetes object, every credential Secret an ExternalSecret`, async () => {
            const run = await stackRun(stack);
            assert.deepEqual(leaks(run), []);
            assert.ok(externalSecretTargets(run).length >= 6, externalSecretTargets(run).join(", "));
        });
    }

    it("prod with Vault: no generated value in any Kubernetes object", async () => {
        const run = await stackRunWith("prod", { secrets: { ...exampleStoreSettings("vault"), provider: "vault" } });
        assert.deepEqual(leaks(run), []);
        const stores = ofType(run, "kubernetes:external-secrets.io/v1:ClusterSecretStore");
        assert.equal(stores.length, 1);
        assert.ok(ofType(run, es).length >= 6);
    });

    it("prod with Sealed Secrets: Pulumi writes neither the values nor ExternalSecrets", async () => {
        const run = await stackRunWith("prod", { secrets: { provider: "sealed-secrets" } });
        assert.deepEqual(leaks(run), []);
        assert.deepEqual(externalSecretTargets(run), []);
    });

    it("local (kubernetes): the Secrets are written with the generated values, and a store provider delivers the same Secrets", async () => {
        const written = await stackRunWith("local", { spark: { scenarios: ["jupyter-connect-k8s", "airflow-connect-k8s"] } });
        const names = secretNames(written);
        for (const expected of ["spark-platform/hive-metastore-credentials", "spark-platform/database-init-credentials", "spark-platform/postgres-admin", "minio/minio-root", "airflow/airflow-secret-keys", "spark-platform/object-storage-credentials"]) {
            assert.ok(names.includes(expected), `${expected} in ${names.join(", ")}`);
        }
        assert.equal(ofType(written, es).length, 0);
        const inSecrets = JSON.stringify(ofType(written, secretType).map((r) => unwrapSecrets(r.inputs)));
        const missing = generatedValues(written).filter((v) => !inSecrets.includes(v) && !inSecrets.includes(toUrlSafeBase64(v)));
        assert.deepEqual(missing, [], "every generated value reaches a Secret");

        const fromVault = await stackRunWith("local", { spark: { scenarios: ["jupyter-connect-k8s", "airflow-connect-k8s"] }, secrets: { ...exampleStoreSettings("vault"), provider: "vault" } });
        assert.deepEqual(externalSecretTargets(fromVault), names, "the same Secrets, by ExternalSecret");
        assert.deepEqual(secretNames(fromVault), []);
        assert.deepEqual(leaks(fromVault), []);
    });

    describe("the GitHub OAuth client secret, the operator's own credential", () => {
        const fake = "FAKE-GITHUB-CLIENT-SECRET-4711";
        const hub = (clientSecret: string) => ({
            jupyterhub: { authenticator: "github", adminUsers: ["octo-admin"], github: { clientId: "Ov23liFAKECLIENTID", organization: "", callbackUrl: "https://hub.example.com/hub/oauth_callback", clientSecret } },
        });
        const oauthTarget = "jupyterhub/jupyterhub-github-oauth";

        it("dev (Secrets Manager): Pulumi keeps it in Secrets Manager only, and the hub's Secret is an ExternalSecret", async () => {
            const run = await stackRunWith("dev", { services: hub(fake) });
            assert.ok(externalSecretTargets(run).includes(oauthTarget), externalSecretTargets(run).join(", "));
            assert.ok(!secretNames(run).includes(oauthTarget));
            const inKubernetes = run.resources.filter((r) => r.type.startsWith("kubernetes:") && JSON.stringify(unwrapSecrets(r.inputs)).includes(fake));
            assert.deepEqual(inKubernetes.map((r) => r.name), []);
            const stored = run.resources.filter((r) => r.type === "aws:secretsmanager/secretVersion:SecretVersion" && JSON.stringify(unwrapSecrets(r.inputs)).includes(fake));
            assert.equal(stored.length, 1, "one Secrets Manager version holds it");
        });

        it("prod with Vault: Pulumi neither reads nor writes it; the ExternalSecret names the store key", async () => {
            const run = await stackRunWith("prod", { services: hub(""), secrets: { ...exampleStoreSettings("vault"), provider: "vault" } });
            assert.ok(externalSecretTargets(run).includes(oauthTarget));
            const oauth = ofType(run, es).map((r) => inputs<{ spec: { target: { name: string }; data: { remoteRef: { key: string } }[] } }>(r)).find((o) => o.spec.target.name === "jupyterhub-github-oauth")!;
            assert.deepEqual(oauth.spec.data.map((d) => d.remoteRef.key), ["spark-prod/jupyterhub-github-oauth"]);
        });
    });
});
