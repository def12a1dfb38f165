import { strict as assert } from "assert";
import * as fs from "fs";
import { generatedSecrets, GeneratedSecretName } from "../../components/services/credentials";
import { storeProviders } from "../../components/services/externalSecrets";
import { storeKey } from "../../components/services/secretDelivery";
import { secretsDoc, storeTableBlock, withStoreTable } from "../../tools/secretStoreTable";

describe("tools/secretStoreTable: the store table of docs/secrets.md", () => {
    it("is committed as the table generates it (node -r ./tools/register.cjs tools/secretStoreTable.ts --write)", () => {
        const doc = fs.readFileSync(secretsDoc, "utf8");
        assert.equal(withStoreTable(doc), doc);
    });

    it("names every credential's store key for every store provider, and its fields", () => {
        const block = storeTableBlock();
        for (const name of Object.keys(generatedSecrets) as GeneratedSecretName[]) {
            for (const provider of storeProviders) assert.ok(block.includes(`\`${storeKey(provider, "<platform id>", name)}\``), `${provider} ${name}`);
            for (const field of Object.keys(generatedSecrets[name].fields)) assert.ok(block.includes(`\`${field}\``), field);
        }
    });

    it("refuses a document without the markers", () => {
        assert.throws(() => withStoreTable("# Secrets\n"), /markers are missing/);
    });
});
