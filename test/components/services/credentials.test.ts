import { strict as assert } from "assert";
import { credential, credentialsNeeded, generatedSecrets, toUrlSafeBase64 } from "../../../components/services/credentials";

describe("generated secrets", () => {
    it("turns standard base64 into the URL-safe alphabet Fernet needs", () => {
        assert.equal(toUrlSafeBase64("ab+/cd=="), "ab-_cd==");
    });

    it("knows the credentials of the components the platform installs, and no other", () => {
        assert.deepEqual(Object.keys(generatedSecrets).sort(), ["airflow", "airflowAdmin", "airflowDatabase", "databaseAdmin", "grafanaAdmin", "metastoreDatabase", "minioRoot"]);
        assert.equal(generatedSecrets.airflow.fields.fernetKey.kind, "fernetKey");
    });

    it("generates only what the plan's components read: Airflow's with Airflow, MinIO's with MinIO, Grafana's with the monitoring stack", () => {
        assert.deepEqual(credentialsNeeded({ airflow: { enabled: false }, minio: false }, { observability: { enabled: false } }), ["databaseAdmin", "metastoreDatabase"]);
        assert.deepEqual(credentialsNeeded({ airflow: { enabled: true }, minio: true }, { observability: { enabled: true } }), ["databaseAdmin", "metastoreDatabase", "airflowDatabase", "airflow", "airflowAdmin", "minioRoot", "grafanaAdmin"]);
        assert.throws(() => credential({}, "minioRoot", "MinIO"), /MinIO reads the minioRoot credential, which this stack does not generate/);
    });
});
