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

        it("requireDigestForPlatformImages (prod): the images built from images/ by digest, in any registry; others by tag", async () => {
            const config = { requireDigestForPlatformImages: true };
            const ecr = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/spark-prod";
            await expectOne(imagesPinned, deploy(goodContainer("app", { image: `${ecr}/spark-k8s/spark-runtime:3.5.9-p3` })), /platform image .* pinned by tag only; requireDigestForPlatformImages/, config);
            await expectOne(imagesPinned, deploy(goodContainer("app", { image: "spark-k8s/airflow:3.2.2-p3" })), /platform image/, config);
            await expectNone(imagesPinned, deploy(goodContainer("app", { image: `${ecr}/spark-k8s/spark-runtime:3.5.9-p3@sha256:${"c".repeat(64)}` })), config);
            await expectNone(imagesPinned, deploy(goodContainer("app", { image: "postgres:16.14-bookworm" })), config);
            await expectNone(imagesPinned, deploy(goodContainer("app", { image: "acme/not-spark-k8s/airflow:1.0" })), config);
            await expectNone(imagesPinned, deploy(goodContainer("app", { image: `${ecr}/spark-k8s/spark-runtime:3.5.9-p3` })));
        });

        it("requireDigest (default false)", async () => {
            await expectNone(imagesPinned, deploy(goodContainer("app", { image: tagImage })));
            await expectOne(imagesPinned, deploy(goodContainer("app", { image: tagImage })), /pinned by tag only; requireDigest/, { requireDigest: true });
            await expectNone(imagesPinned, deploy(goodContainer("app", { image: digestImage })), { requireDigest: true });
            await expectNone(imagesPinned, deploy(goodContainer("app", { image: `apache/spark:3.5.3@sha256:${"b".repeat(64)}` })), { requireDigest: true });
        });
    });
});
