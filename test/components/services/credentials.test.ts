import { strict as assert } from "assert";
import { credential, credentialsNeeded, GeneratedCredentials, generatedSecrets, isProvided, toUrlSafeBase64 } from "../../../components/services/credentials";
import { isSecretValue, runProgram } from "../../../tools/harness";

describe("generated secrets", () => {
    it("turns standard base64 into the URL-safe alphabet Fernet needs", () => {
        assert.equal(toUrlSafeBase64("ab+/cd=="), "ab-_cd==");
    });

    it("knows the credentials of the components the platform installs, and no other", () => {
        assert.deepEqual(Object.keys(generatedSecrets).sort(), ["airflow", "airflowAdmin", "airflowDatabase", "databaseAdmin", "githubOAuth", "grafanaAdmin", "metastoreDatabase", "minioRoot"]);
        assert.equal(generatedSecrets.airflow.fields.fernetKey.kind, "fernetKey");
    });

    it("generates only what the plan's components read: Airflow's with Airflow, MinIO's with MinIO, Grafana's with the monitoring stack", () => {
        const none = { airflow: { enabled: false }, minio: false, jupyterhub: { enabled: false } };
        const native = { observability: { enabled: false }, jupyterhub: { authenticator: "native" } };
        assert.deepEqual(credentialsNeeded(none, native), ["databaseAdmin", "metastoreDatabase"]);
        assert.deepEqual(credentialsNeeded(none, { ...native, jupyterhub: { authenticator: "github" } }), ["databaseAdmin", "metastoreDatabase"], "no hub, no OAuth secret");
        assert.deepEqual(
            credentialsNeeded({ airflow: { enabled: true }, minio: true, jupyterhub: { enabled: true } }, { observability: { enabled: true }, jupyterhub: { authenticator: "github" } }),
            ["databaseAdmin", "metastoreDatabase", "airflowDatabase", "airflow", "airflowAdmin", "minioRoot", "grafanaAdmin", "githubOAuth"],
        );
        assert.deepEqual(credentialsNeeded({ ...none, jupyterhub: { enabled: true } }, native), ["databaseAdmin", "metastoreDatabase"], "native sign-in reads no OAuth secret");
        assert.throws(() => credential({}, "minioRoot", "MinIO"), /MinIO reads the minioRoot credential, which this stack does not generate/);
    });

    it("takes a provided field from the operator's value, as a Pulumi secret, and refuses to invent one", async () => {
        assert.equal(isProvided("githubOAuth"), true);
        assert.equal(isProvided("databaseAdmin"), false);
        const path = generatedSecrets.githubOAuth.fields.clientSecret.configPath;
        const { result } = await runProgram(() => new GeneratedCredentials("c", { passwordLength: 24, names: ["githubOAuth"], provided: { [path]: "FAKE-OAUTH-SECRET-1" } }).values.githubOAuth!);
        assert.ok(isSecretValue(result));
        assert.deepEqual(result.value, { clientSecret: "FAKE-OAUTH-SECRET-1" });
        await assert.rejects(runProgram(() => new GeneratedCredentials("c", { passwordLength: 24, names: ["githubOAuth"] }).values), /githubOAuth\.clientSecret is the operator's value at services\.jupyterhub\.github\.clientSecret/);
    });
});
