import { strict as assert } from "assert";
import { booleanOf, describeResource, isUnknown, known, read, readList, textHasUnknown, UNKNOWN, unknownSentinels } from "../../../policies/lib/props";
import { unknownCheckingProxy, unknownString } from "../../support/policyArgs";

describe("policies/lib/props", () => {
    it("knows @pulumi/policy's sentinel for each kind of unknown value", () => {
        assert.equal(unknownSentinels.size, 7);
        assert.ok(isUnknown(unknownString));
        assert.ok(!isUnknown("04da6b54"));
        assert.ok(textHasUnknown(`spark.master=k8s://${unknownString}`));
    });

    it("read tells absent from unknown, through the analyzer's proxy and as plain sentinels", () => {
        const plain = { spec: { name: "x", later: unknownString, list: ["a", unknownString] } };
        const proxied = unknownCheckingProxy(plain);
        for (const props of [plain, proxied]) {
            assert.equal(read(props, "spec", "name"), "x");
            assert.equal(read(props, "spec", "missing"), undefined);
            assert.equal(read(props, "spec", "later"), UNKNOWN);
            assert.equal(read(props, "spec", "name", "deeper"), UNKNOWN, "a string where an object is needed cannot be read");
            assert.deepEqual(readList(props, "spec", "list"), ["a", UNKNOWN]);
            assert.equal(readList(props, "spec", "absent"), undefined);
        }
    });

    it("known skips only the check that met an unknown, and lets every other error through", () => {
        const proxied = unknownCheckingProxy({ later: unknownString });
        const reached: string[] = [];
        assert.equal(
            known(() => {
                reached.push("before");
                return String(proxied.later);
            }),
            UNKNOWN,
        );
        assert.equal(known(() => 42), 42);
        assert.deepEqual(reached, ["before"]);
        assert.throws(() => known(() => { throw new TypeError("a bug"); }), TypeError);
    });

    it("booleanOf reads flags given as booleans or strings, and nothing else", () => {
        assert.equal(booleanOf(true), true);
        assert.equal(booleanOf(" TRUE "), true);
        assert.equal(booleanOf("false"), false);
        for (const v of ["yes", "1", 1, undefined, null]) assert.equal(booleanOf(v), undefined, String(v));
    });

    it("describeResource names the kind and metadata.name, falling back to the resource name", () => {
        assert.equal(describeResource("kubernetes:apps/v1:Deployment", "urn-name", { metadata: { name: "web" } }), "Deployment web");
        assert.equal(describeResource("kubernetes:apps/v1:Deployment", "urn-name", { metadata: { name: unknownString } }), "Deployment urn-name");
        assert.equal(describeResource("kubernetes:core/v1:ConfigMap", "conf"), "ConfigMap conf");
    });
});
