import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { inputsHashAnnotation } from "../../../components/kubernetes/rollout";
import { metadataConnection, metadataConnectionParts, minioConnection, minioConnectionParts } from "../../../components/services/airflow";
import { generatedSecrets, GeneratedSecretName } from "../../../components/services/credentials";
import { platformSecretStoreName, storeProviders } from "../../../components/services/externalSecrets";
import { InClusterPostgres } from "../../../components/services/postgres";
import {
    CredentialDelivery,
    externalSecretManifest,
    field,
    forceSyncAnnotation,
    renderParts,
    SecretDeliveryPlan,
    secretDelivery,
    storeEntries,
    storeKey,
    templateOf,
    writeSecrets,
} from "../../../components/services/secretDelivery";
import { RecordedResource } from "../../../tools/harness";
import { build } from "../../support/chartValues";
import { inputs } from "../../support";

const settings = (provider: Parameters<typeof secretDelivery>[0]["provider"]) => ({ provider, refreshInterval: "15m", revision: "r1" });
type External = Extract<SecretDeliveryPlan, { kind: "externalSecret" }>;
const vault = secretDelivery(settings("vault"), "spark-staging") as External;

describe("secret delivery: the decision", () => {
    it("writes Secrets with kubernetes, ExternalSecrets from every store provider, nothing with sealed-secrets", () => {
        assert.deepEqual(secretDelivery(settings("kubernetes"), "spark-local"), { kind: "secret" });
        assert.deepEqual(secretDelivery(settings("sealed-secrets"), "spark-dev"), { kind: "sealed", revision: "r1" });
        for (const provider of storeProviders) {
            assert.deepEqual(secretDelivery(settings(provider), "spark-dev"), { kind: "externalSecret", provider, platformId: "spark-dev", refreshInterval: "15m", revision: "r1" });
        }
    });

    it("names each credential in the store by the rules of the store's names", () => {
        assert.equal(storeKey("aws-secrets-manager", "spark-prod", "metastoreDatabase"), "spark-prod/metastore-db");
        assert.equal(storeKey("vault", "spark-prod", "airflow"), "spark-prod/airflow");
        assert.equal(storeKey("azure-key-vault", "spark-prod", "minioRoot"), "spark-prod-minio-root");
        assert.equal(storeKey("gcp-secret-manager", "spark-prod", "grafanaAdmin"), "spark-prod-grafana-admin");
        assert.equal(storeKey("ibm-secrets-manager", "spark-prod", "databaseAdmin"), "default/kv/spark-prod-database-admin");
        // Azure Key Vault names: 1-127 letters, digits and dashes; GCP secret ids add underscores.
        for (const name of Object.keys(generatedSecrets) as GeneratedSecretName[]) {
            assert.match(storeKey("azure-key-vault", "spark-prod", name), /^[0-9A-Za-z-]{1,127}$/);
            assert.match(storeKey("gcp-secret-manager", "spark-prod", name), /^[\w-]{1,255}$/);
        }
    });

    it("lists every generated credential and its fields for the operator's store", () => {
        const entries = storeEntries("vault", "spark-prod");
        assert.equal(entries.length, Object.keys(generatedSecrets).length);
        assert.deepEqual(entries.find((e) => e.key === "spark-prod/airflow")?.properties, ["fernetKey", "webserverSecretKey", "apiSecretKey", "jwtSecret"]);
    });
});

describe("secret delivery: templates", () => {
    const values = { airflowDatabase: { username: "airflow", password: "Pw0rd" }, minioRoot: { username: "minio-root", password: "M1n10" } };

    it("renders each part as the template would: literal text, raw, URL- and JSON-encoded fields", () => {
        const parts = ["a{{b ", field("minioRoot", "username"), " ", field("minioRoot", "password", "url"), " ", field("minioRoot", "password", "json")];
        assert.equal(renderParts(parts, values), 'a{{b minio-root M1n10 "M1n10"');
        assert.equal(templateOf(parts), 'a{{ "{{" }}b {{ .minioRoot_username }} {{ .minioRoot_password | urlquery }} {{ .minioRoot_password | toJson }}');
        assert.throws(() => renderParts([field("grafanaAdmin", "password")], values), /no field password in credential grafanaAdmin/);
    });

    it("builds Airflow's connections from parts exactly as before", async () => {
        const db = { host: "db.internal", port: 5432, sslMode: "require", name: "airflow" };
        assert.equal(renderParts(metadataConnectionParts(db), values), "postgresql://airflow:Pw0rd@db.internal:5432/airflow?sslmode=require");
        assert.equal(templateOf(metadataConnectionParts(db)), "postgresql://{{ .airflowDatabase_username | urlquery }}:{{ .airflowDatabase_password | urlquery }}@db.internal:5432/airflow?sslmode=require");
        const conn = JSON.parse(renderParts(minioConnectionParts("http://minio:9000"), values)) as Record<string, unknown>;
        assert.deepEqual(conn, { conn_type: "aws", login: "minio-root", password: "M1n10", extra: { endpoint_url: "http://minio:9000", region_name: "us-east-1" } });
        const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
        assert.equal(await value(metadataConnection(db, values.airflowDatabase)), "postgresql://airflow:Pw0rd@db.internal:5432/airflow?sslmode=require");
        assert.deepEqual(JSON.parse(await value(minioConnection("http://minio:9000", values.minioRoot))), conn);
    });

    it("makes an ExternalSecret of the Secret's name that reads each field once from the platform store", () => {
        const es = externalSecretManifest(vault, {
            name: "airflow-metadata-connection",
            namespace: "airflow",
            labels: { app: "x" },
            data: { connection: metadataConnectionParts({ host: "db", port: 5432, sslMode: "disable", name: "airflow" }), user: [field("airflowDatabase", "username")] },
        }, "abc") as { metadata: { annotations: Record<string, string> }; spec: Record<string, unknown> & { target: Record<string, unknown>; data: unknown[] } };
        assert.equal(es.metadata.annotations[forceSyncAnnotation], "abc");
        assert.equal(es.spec.refreshInterval, "15m");
        assert.deepEqual(es.spec.secretStoreRef, { kind: "ClusterSecretStore", name: platformSecretStoreName });
        assert.equal(es.spec.target.name, "airflow-metadata-connection");
        assert.deepEqual(es.spec.data, [
            { secretKey: "airflowDatabase_username", remoteRef: { key: "spark-staging/airflow-db", property: "username" } },
            { secretKey: "airflowDatabase_password", remoteRef: { key: "spark-staging/airflow-db", property: "password" } },
        ]);
        const template = es.spec.target.template as { engineVersion: string; data: Record<string, string> };
        assert.equal(template.engineVersion, "v2");
        assert.deepEqual(Object.keys(template.data), ["connection", "user"]);
        assert.equal(template.data.user, "{{ .airflowDatabase_username }}");
    });
});

describe("secret delivery: rolling on a new credential version", () => {
    const admin = pulumi.secret<Record<string, string>>({ username: "platform_admin", password: "first-password" });
    const annotation = async (delivery: CredentialDelivery): Promise<{ hash: string; resources: RecordedResource[] }> => {
        const { resources } = await build(() => new InClusterPostgres("postgres", { namespace: "spark-platform", admin, delivery, storageGiB: 5, nodeGroups: false }));
        const sts = resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet")!;
        const hash = inputs<{ spec: { template: { metadata: { annotations: Record<string, string> } } } }>(sts).spec.template.metadata.annotations[inputsHashAnnotation];
        return { hash, resources };
    };
    const aws = secretDelivery({ provider: "aws-secrets-manager", refreshInterval: "1h", revision: "" }, "spark-prod");

    it("from Secrets Manager: a new version id changes the pod annotation and the ExternalSecret's force-sync", async () => {
        const v1 = await annotation({ plan: aws, values: {}, versions: { databaseAdmin: "version-1" } });
        const again = await annotation({ plan: aws, values: {}, versions: { databaseAdmin: "version-1" } });
        const v2 = await annotation({ plan: aws, values: {}, versions: { databaseAdmin: "version-2" } });
        assert.match(v1.hash, /^[0-9a-f]{32}$/);
        assert.equal(v1.hash, again.hash, "stable while the version stays");
        assert.notEqual(v1.hash, v2.hash);
        const forceSync = (r: RecordedResource[]) => inputs<{ metadata: { annotations: Record<string, string> } }>(r.find((x) => x.type === "kubernetes:external-secrets.io/v1:ExternalSecret")!).metadata.annotations[forceSyncAnnotation];
        assert.notEqual(forceSync(v1.resources), forceSync(v2.resources));
        assert.equal(v1.resources.filter((r) => r.type === "kubernetes:core/v1:Secret").length, 0, "no Secret written");
    });

    it("from a store Pulumi does not write: a new secrets.revision changes it", async () => {
        const plan = (revision: string) => secretDelivery({ provider: "vault", refreshInterval: "1h", revision }, "spark-prod");
        const a = await annotation({ plan: plan("2026-12-01"), values: {} });
        const b = await annotation({ plan: plan("2026-12-06"), values: {} });
        assert.notEqual(a.hash, b.hash);
    });

    it("with Pulumi writing the Secret: a new value changes it", async () => {
        const a = await annotation(writeSecrets({ databaseAdmin: admin }));
        const b = await annotation(writeSecrets({ databaseAdmin: pulumi.secret<Record<string, string>>({ username: "platform_admin", password: "second-password" }) }));
        assert.notEqual(a.hash, b.hash);
        assert.ok(!a.hash.includes("first-password"));
    });
});
