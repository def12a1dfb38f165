/**
 * Every External Secrets object the program writes, taken from real stack runs, validated against
 * the CRDs of the External Secrets release the pinned chart deploys (config/crds/bases of its Go
 * module at that tag: what the chart's templates/crds holds once released).
 */
import { strict as assert } from "assert";
import * as path from "path";
import { charts } from "../../components/services/charts";
import { clusterSecretStore, storeProviders } from "../../components/services/externalSecrets";
import { externalSecretManifest, field, secretDelivery } from "../../components/services/secretDelivery";
import { metadataConnectionParts } from "../../components/services/airflow";
import { exampleStoreSettings } from "../../test/support/secretStores";
import { stackArtefacts } from "../support/artefacts";
import { crdProblems, CrdValidators, groupObjects } from "../support/crds";
import { chartModules, goModuleDir } from "../support/helm";
import { unwrapSecrets } from "../../tools/harness";

const group = "external-secrets.io";
const source = chartModules.externalSecrets!;

describe(`External Secrets objects against the ${source.version} CRDs`, function () {
    this.timeout(20 * 60 * 1000);
    let crds: CrdValidators;
    before(function () {
        assert.equal(source.version, `v${charts.externalSecrets.version}`, "the CRDs of the chart's own release");
        crds = new CrdValidators(path.join(goModuleDir(source.module, source.version), "config/crds/bases"));
        assert.ok(crds.kinds.includes(`${group}/v1:ClusterSecretStore`), crds.kinds.join(", "));
        assert.ok(!crds.kinds.includes(`${group}/v1beta1:ClusterSecretStore`), "v1beta1 is not served by this release");
    });

    for (const stack of ["dev", "staging", "prod"] as const) {
        it(`${stack}: every ${group} object fits its CRD`, async function () {
            const run = await stackArtefacts(stack);
            const objects = groupObjects(run, group);
            assert.ok(objects.some((o) => o.kind === "ClusterSecretStore"), `${stack} writes the platform's ClusterSecretStore`);
            assert.ok(objects.filter((o) => o.kind === "ExternalSecret").length >= 6, `${stack} delivers its credential Secrets as ExternalSecrets`);
            const found = crdProblems(crds, objects);
            assert.deepEqual(found, [], found.join("\n"));
        });
    }

    for (const provider of storeProviders) {
        it(`the ${provider} store fits the ClusterSecretStore CRD`, function () {
            const store = clusterSecretStore({ ...exampleStoreSettings(provider), provider }, "eu-west-1");
            assert.deepEqual(crds.problems(store), []);
        });
    }

    /** An ExternalSecret of each store provider: plain fields and a derived connection URL. */
    const sampleExternalSecret = (provider: (typeof storeProviders)[number]) => {
        const plan = secretDelivery({ provider, refreshInterval: "15m", revision: "" }, "spark-prod");
        if (plan.kind !== "externalSecret") throw new Error(`${provider} is a store provider`);
        return externalSecretManifest(plan, {
            name: "airflow-metadata-connection",
            namespace: "airflow",
            labels: { "app.kubernetes.io/part-of": "spark-k8s" },
            data: {
                connection: metadataConnectionParts({ host: "db.internal", port: 5432, sslMode: "require", name: "airflow" }),
                username: [field("airflowDatabase", "username")],
            },
        }, "0123456789abcdef");
    };

    for (const provider of storeProviders) {
        it(`an ExternalSecret from the ${provider} store fits the ExternalSecret CRD`, function () {
            assert.deepEqual(crds.problems(sampleExternalSecret(provider)), []);
        });
    }

    it("would catch a misspelt ExternalSecret field, a refreshInterval that is no string and a bad template engine", function () {
        const good = sampleExternalSecret("vault") as { spec: Record<string, unknown> & { target: Record<string, unknown> & { template: Record<string, unknown> } } };
        const withSpec = (spec: Record<string, unknown>) => crds.problems({ ...good, spec });
        assert.deepEqual(withSpec({ ...good.spec, refreshIntervall: "15m" }), ["/spec/refreshIntervall: unknown field (the API server prunes it)"]);
        assert.ok(withSpec({ ...good.spec, refreshInterval: 3600 }).some((p) => p.startsWith("/spec/refreshInterval: must be string")), withSpec({ ...good.spec, refreshInterval: 3600 }).join("\n"));
        const badEngine = withSpec({ ...good.spec, target: { ...good.spec.target, template: { ...good.spec.target.template, engineVersion: "v1" } } });
        assert.ok(badEngine.some((p) => p.startsWith("/spec/target/template/engineVersion: must be equal to one of the allowed values")), badEngine.join("\n"));
    });

    it("would catch a misspelt field, a bad enum and a missing region", async function () {
        const run = await stackArtefacts("dev");
        const [store] = run.resources
            .filter((r) => r.type === `kubernetes:${group}/v1:ClusterSecretStore`)
            .map((r) => unwrapSecrets(r.inputs) as { spec: { provider: { aws: Record<string, unknown> } } });
        const withAws = (aws: Record<string, unknown>) => crds.problems({ ...store, spec: { ...store.spec, provider: { aws } } });
        const aws = store.spec.provider.aws;
        assert.deepEqual(withAws({ ...aws, regoin: aws.region }), ["/spec/provider/aws/regoin: unknown field (the API server prunes it)"]);
        assert.ok(withAws({ ...aws, service: "SecretManager" }).some((p) => p.startsWith("/spec/provider/aws/service: must be equal to one of the allowed values")));
        const withoutRegion = Object.fromEntries(Object.entries(aws).filter(([k]) => k !== "region"));
        assert.ok(withAws(withoutRegion).some((p) => p.includes("must have required property 'region'")), withAws(withoutRegion).join("\n"));
        assert.ok(crds.problems({ ...store, apiVersion: `${group}/v1beta1` }).some((p) => p.includes("no served CRD version")));
    });
});
