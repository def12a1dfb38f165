/** Store-provider settings for tests: every provider's required fields filled with documented examples. */
import { tierDefaults } from "../../components/config";
import { StoreProvider, StoreSettings } from "../../components/services/externalSecrets";

/** Settings with every store provider's required fields filled (docs/secrets.md examples). */
export const exampleStoreSettings = (provider: StoreProvider): StoreSettings => {
    const d = tierDefaults("dev").secrets;
    return {
        provider,
        vault: provider === "vault" ? { ...d.vault, server: "https://vault.example.com:8200", authRole: "spark-platform" } : d.vault,
        azureKeyVault: provider === "azure-key-vault" ? { vaultUrl: "https://platform-kv.vault.azure.net", tenantId: "0b6a3c1e-2f4d-4e5a-9b7c-1d2e3f4a5b6c", workloadIdentityClientId: "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f" } : d.azureKeyVault,
        gcpSecretManager:
            provider === "gcp-secret-manager"
                ? { projectId: "data-platform-prod", workloadIdentity: { gcpServiceAccount: "eso@data-platform-prod.iam.gserviceaccount.com", clusterProjectId: "", clusterLocation: "europe-west1", clusterName: "spark" } }
                : d.gcpSecretManager,
        ibmSecretsManager: provider === "ibm-secrets-manager" ? { serviceUrl: "https://0a1b2c3d.eu-de.secrets-manager.appdomain.cloud", apiKeySecretRef: { namespace: "external-secrets", name: "ibm-api-key", key: "apiKey" } } : d.ibmSecretsManager,
    };
};
