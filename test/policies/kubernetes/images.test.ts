import { imagesPinned } from "../../../policies/kubernetes/images";
import { deployContainer, deployPodSpec, digestImage, expectNone, expectOne, goodContainer, tagImage } from "../../support/policies/kubernetes";

describe("policies/kubernetes", () => {
    describe("pod-level and per-rule details", () => {
        const deploy = deployPodSpec;

        it("images-pinned: no tag, latest, digest", async () => {
            const img = (image: unknown) => deploy({ containers: [goodContainer("app", { image })], initContainers: [] });
            await expectOne(imagesPinned, img("apache/spark"), /has no tag/);
            await expectOne(imagesPinned, img("registry:5000/spark"), /has no tag/);
            await expectOne(imagesPinned, img("apache/spark:LATEST"), /latest tag/);
            await expectNone(imagesPinned, img(digestImage));
            await expectNone(imagesPinned, img("registry:5000/spark:3.5.3"));
            // not a string: unknown at preview, skipped
            await expectNone(imagesPinned, img(undefined));
            await expectNone(imagesPinned, img({ unknown: true }));
        });
    });

    describe("config", () => {
        const deploy = deployContainer;

        it("requireDigest (default false; prod turns it on)", async () => {
            await expectNone(imagesPinned, deploy(goodContainer("app", { image: tagImage })));
            await expectOne(imagesPinned, deploy(goodContainer("app", { image: tagImage })), /pinned by tag only; requireDigest/, { requireDigest: true });
            await expectNone(imagesPinned, deploy(goodContainer("app", { image: digestImage })), { requireDigest: true });
            await expectNone(imagesPinned, deploy(goodContainer("app", { image: `apache/spark:3.5.3@sha256:${"b".repeat(64)}` })), { requireDigest: true });
        });
    });
});
