import { strict as assert } from "assert";
import { platformId, serviceIdentities } from "../../../components/config/names";

describe("names", () => {
    it("names the platform <platform.name>-<stack>", () => {
        assert.equal(platformId({ platform: { name: "spark" }, stack: "prod" }), "spark-prod");
    });

    it("gives each workload its own namespace and service account", () => {
        const pairs = Object.values(serviceIdentities).map((i) => `${i.namespace}/${i.serviceAccount}`);
        assert.equal(new Set(pairs).size, pairs.length);
    });
});
