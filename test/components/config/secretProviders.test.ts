import { strict as assert } from "assert";
import { resolveConfig, secretProviders, tierDefaults } from "../../../components/config";
import { secretProviderSettings } from "../../../components/config/validate";
import { ctx, problems } from "../../support/config";

describe("config: secrets.provider", () => {
    it("defaults to Secrets Manager on AWS tiers and to Kubernetes Secrets locally", () => {
        for (const tier of ["dev", "staging", "prod"] as const) assert.equal(tierDefaults(tier).secrets.provider, "aws-secrets-manager", tier);
        assert.equal(tierDefaults("local").secrets.provider, "kubernetes");
        assert.equal(resolveConfig({}, { ...ctx, stack: "local", region: undefined }).secrets.provider, "kubernetes");
    });

    it("refuses an unknown provider, listing the allowed ones", () => {
        assert.deepEqual(problems({ secrets: { provider: "hashicorp" } }), [`secrets.provider: "hashicorp" is not allowed; expected one of ${secretProviders.map((p) => `"${p}"`).join(", ")}`]);
    });

    it("refuses Secrets Manager on the local tier", () => {
        assert.deepEqual(problems({ secrets: { provider: "aws-secrets-manager" } }, { stack: "local" }), [
            'secrets.provider: "aws-secrets-manager" is not allowed; expected a provider other than "aws-secrets-manager" on the local tier, which has no AWS ("kubernetes" writes the generated values into Secrets)',
        ]);
    });

    it("reports every missing setting of the chosen provider at once", () => {
        assert.deepEqual(problems({ secrets: { provider: "gcp-secret-manager" } }), [
            'secrets.gcpSecretManager.projectId: "" is not allowed; expected a value when provider is "gcp-secret-manager" (docs/secrets.md)',
            'secrets.gcpSecretManager.workloadIdentity.gcpServiceAccount: "" is not allowed; expected a value when provider is "gcp-secret-manager" (docs/secrets.md)',
            'secrets.gcpSecretManager.workloadIdentity.clusterLocation: "" is not allowed; expected a value when provider is "gcp-secret-manager" (docs/secrets.md)',
            'secrets.gcpSecretManager.workloadIdentity.clusterName: "" is not allowed; expected a value when provider is "gcp-secret-manager" (docs/secrets.md)',
        ]);
        for (const [provider, paths] of Object.entries(secretProviderSettings)) {
            assert.equal(problems({ secrets: { provider } }).length, paths.length, provider);
        }
    });

    it("refuses settings of a provider that is not chosen", () => {
        assert.deepEqual(problems({ secrets: { vault: { server: "https://vault.example.com" } } }), ['secrets.vault.server: "https://vault.example.com" is not allowed; expected "" unless provider is "vault"']);
        assert.deepEqual(problems({ secrets: { gcpSecretManager: { workloadIdentity: { clusterProjectId: "other-project" } } } }), [
            'secrets.gcpSecretManager.workloadIdentity.clusterProjectId: "other-project" is not allowed; expected "" unless provider is "gcp-secret-manager"',
        ]);
    });

    it("checks the form of each setting and refuses unknown keys", () => {
        const found = problems({
            secrets: {
                provider: "azure-key-vault",
                azureKeyVault: { vaultUrl: "http://kv.example.com", tenantId: "not-a-uuid", workloadIdentityClientId: "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", clientSecret: "x" },
            },
        });
        assert.deepEqual(found, [
            'secrets.azureKeyVault.vaultUrl: "http://kv.example.com" is not allowed; expected a Key Vault URL such as https://platform-kv.vault.azure.net',
            'secrets.azureKeyVault.tenantId: "not-a-uuid" is not allowed; expected the Entra ID tenant: a UUID in lower case',
            "secrets.azureKeyVault.clientSecret: unknown key; expected one of: vaultUrl, tenantId, workloadIdentityClientId",
        ]);
    });

    it("accepts each provider with its settings", () => {
        assert.deepEqual(problems({ secrets: { provider: "vault", vault: { server: "https://vault.example.com:8200", authRole: "spark-platform", mountPath: "platform/kv" } } }), []);
        assert.deepEqual(problems({ secrets: { provider: "ibm-secrets-manager", ibmSecretsManager: { serviceUrl: "https://0a1b2c3d.eu-de.secrets-manager.appdomain.cloud", apiKeySecretRef: { namespace: "external-secrets", name: "ibm-api-key", key: "apiKey" } } } }), []);
        assert.deepEqual(problems({ secrets: { provider: "sealed-secrets" } }, { stack: "local" }), []);
        assert.deepEqual(problems({ secrets: { provider: "kubernetes" } }), []);
    });
});

describe("config: secrets.refreshInterval and secrets.revision", () => {
    it("defaults the refresh per tier and accepts Go durations of h, m and s", () => {
        assert.deepEqual((["dev", "staging", "prod", "local"] as const).map((t) => tierDefaults(t).secrets.refreshInterval), ["5m", "15m", "1h", "5m"]);
        for (const refreshInterval of ["1h", "30m", "90s", "1h30m", "2h0m10s"]) assert.deepEqual(problems({ secrets: { refreshInterval } }), [], refreshInterval);
    });

    it("refuses anything else, naming the key, the value and what is allowed", () => {
        const expected = 'expected a Go duration of hours, minutes and seconds above zero, such as "1h", "15m" or "1h30m"';
        for (const refreshInterval of ["1 hour", "0s", "", "1d", "-5m", "15"]) {
            assert.deepEqual(problems({ secrets: { refreshInterval } }), [`secrets.refreshInterval: ${JSON.stringify(refreshInterval)} is not allowed; ${expected}`], refreshInterval);
        }
    });

    it("takes a revision only where Pulumi cannot see the store", () => {
        const vault = { provider: "vault", vault: { server: "https://vault.example.com:8200", authRole: "spark" } };
        assert.deepEqual(problems({ secrets: { ...vault, revision: "2026-12-06" } }), []);
        assert.deepEqual(problems({ secrets: { provider: "sealed-secrets", revision: "r2" } }), []);
        assert.deepEqual(problems({ secrets: { revision: "r2" } }), [
            'secrets.revision: "r2" is not allowed; expected "" with provider "aws-secrets-manager", whose credential versions Pulumi knows; set it only with a store Pulumi does not write or sealed-secrets (docs/secrets.md)',
        ]);
        assert.equal(problems({ secrets: { ...vault, revision: "a b" } }).length, 1);
    });
});
