import { strict as assert } from "assert";
import { decodeConfigValues } from "../../../components/config";
import { problems } from "../../support/config";

describe("decoding the CLI's config values", () => {
    it("decodes the CLI's strings: JSON objects, plain text for environment", () => {
        const raw = decodeConfigValues({ network: '{"natGateways":"single"}', platform: '{"deletionProtection":false}', environment: "dev", storage: "{not json" });
        assert.deepEqual(raw.network, { natGateways: "single" });
        assert.deepEqual(raw.platform, { deletionProtection: false });
        assert.equal(raw.environment, "dev");
        assert.equal(raw.storage, "{not json");
        assert.ok(problems(raw, { stack: "dev" }).some((m) => m.startsWith('storage: "{not json" is not allowed; expected an object')));
    });
});
