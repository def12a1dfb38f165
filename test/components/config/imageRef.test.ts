import { strict as assert } from "assert";
import { isDigestPinned, isPinnedImage, parsePinnedImage, unpinnedReason } from "../../../components/config/imageRef";
import { sparkSchema } from "../../../components/config/schema";
import { splitImage } from "../../../components/services/charts";

describe("image pinning", () => {
    const cases: [string, boolean][] = [
        ["apache/spark:3.5.3", true],
        ["apache/spark", false],
        ["apache/spark:latest", false],
        ["apache/spark:LATEST", false],
        [`apache/spark@sha256:${"a".repeat(64)}`, true],
        [`apache/spark:latest@sha256:${"0".repeat(64)}`, true],
        ["apache/spark@sha256:abc", false],
        ["registry.example.com:5000/spark", false],
        ["registry.example.com:5000/spark:4.0.1", true],
        ["localhost:5000/team/spark:latest", false],
        ["123456789012.dkr.ecr.eu-west-1.amazonaws.com/spark:4.0.1-gpu", true],
        ["spark:", false],
        [":3.5", false],
        ["", false],
    ];
    for (const [ref, pinned] of cases) {
        it(`${JSON.stringify(ref)} is ${pinned ? "" : "not "}pinned`, () => assert.equal(isPinnedImage(ref), pinned));
    }

    it("the config schema, the chart values, the Spark configuration and the policy pack agree with it on every case", () => {
        for (const [ref, pinned] of cases) {
            const schemaAccepts = sparkSchema.shape.images.shape.airflow.safeParse(ref).success;
            assert.equal(schemaAccepts, pinned, `schema on ${ref}`);
            let charts = true;
            try {
                splitImage(ref);
            } catch {
                charts = false;
            }
            assert.equal(charts, pinned, `splitImage on ${ref}`);
            if (pinned) assert.equal(isDigestPinned(ref), ref.includes("@sha256:"), ref);
        }
        assert.deepEqual(parsePinnedImage("registry.example.com:5000/spark:4.0.1"), { repository: "registry.example.com:5000/spark", tag: "4.0.1" });
        assert.deepEqual(parsePinnedImage(`a/b@sha256:${"c".repeat(64)}`), { repository: "a/b", digest: `sha256:${"c".repeat(64)}` });
    });

    it("says why a reference is not pinned, and nothing for one that is", () => {
        for (const [ref, pinned] of cases) assert.equal(unpinnedReason(ref) === undefined, pinned, ref);
        assert.equal(unpinnedReason("apache/spark:LATEST"), "uses the latest tag");
        assert.equal(unpinnedReason("registry.example.com:5000/spark"), "has no tag");
        assert.equal(unpinnedReason("apache/spark@sha256:abc"), "has a malformed digest");
        assert.equal(unpinnedReason("spark:bad tag"), "has an invalid tag");
    });
});
