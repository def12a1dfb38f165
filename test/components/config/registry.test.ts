import { strict as assert } from "assert";
import { tierDefaults } from "../../../components/config";
import { parsePinnedImage } from "../../../components/config/imageRef";
import { buildTarget, ecrRegistry, imageKeys, imageSources, missingImageMessage, registryHost, stackRegistryUrl, stackRepositories } from "../../../components/config/registry";
import { componentPlan, usedImageKeys } from "../../../components/spark/scenarios";
import { problems } from "../../support/config";
import { readFileSync } from "fs";
import * as path from "path";
import { repoRoot } from "../../../tools/harness";

const ecr = "111122223333.dkr.ecr.eu-west-1.amazonaws.com";
/** A dev stack's own settings, which its tier requires (the public endpoint's ranges). */
const dev = { cluster: { publicAccessCidrs: ["203.0.113.0/24"] } };
const images = tierDefaults("dev").spark.images;

describe("image registry", () => {
    it("reads a registry host as Docker does: a first component with a dot or a port, or localhost", () => {
        assert.equal(registryHost(`${ecr}/spark-dev/spark-k8s/airflow:3.2.2-p3`), ecr);
        assert.equal(registryHost("localhost:5000/spark-k8s/airflow:1.0"), "localhost:5000");
        assert.equal(registryHost("localhost/spark:1.0"), "localhost");
        assert.equal(registryHost("spark-k8s/spark-runtime:3.5.9-p3"), undefined);
        assert.equal(registryHost("postgres:16.14-bookworm"), undefined);
        assert.deepEqual(ecrRegistry(ecr), { accountId: "111122223333", region: "eu-west-1" });
        assert.deepEqual(ecrRegistry("111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn"), { accountId: "111122223333", region: "cn-north-1" });
        assert.equal(ecrRegistry("ghcr.io"), undefined);
        assert.equal(ecrRegistry("11112222333.dkr.ecr.eu-west-1.amazonaws.com"), undefined, "an account id has 12 digits");
    });

    it("parses a tag beside a digest, and the digest decides", () => {
        assert.deepEqual(parsePinnedImage(`${ecr}/a/b:1.0@sha256:${"a".repeat(64)}`), { repository: `${ecr}/a/b`, tag: "1.0", digest: `sha256:${"a".repeat(64)}` });
        assert.deepEqual(parsePinnedImage(`localhost:5000/b@sha256:${"a".repeat(64)}`), { repository: "localhost:5000/b", digest: `sha256:${"a".repeat(64)}` });
        assert.equal(parsePinnedImage(`a/b:bad tag@sha256:${"a".repeat(64)}`), undefined);
    });

    it("names the build.sh target of every spark.images key, and build.sh knows each", () => {
        const script = readFileSync(path.join(repoRoot, "images", "build.sh"), "utf8");
        assert.deepEqual(imageKeys.map(buildTarget), [
            "spark-runtime-3.5", "spark-runtime-4.1", "spark-runtime-4.3", "spark-rapids", "hive-metastore",
            "jupyter-spark-3.5", "jupyter-spark-4.1", "jupyter-spark-4.3", "airflow",
        ]);
        assert.deepEqual(Object.keys(images).sort(), [...imageKeys].sort(), "imageKeys covers spark.images");
        // build.sh names its targets in one comment line per group; every target must appear there.
        for (const target of imageKeys.map(buildTarget)) assert.ok(script.includes(target), `build.sh does not name ${target}`);
    });

    it("places references without a host under the registry and looks a digest up only for tags in ECR", () => {
        const registry = stackRegistryUrl("111122223333", "eu-west-1", "spark-dev");
        const sources = imageSources(
            { ...images, airflow: "ghcr.io/acme/airflow:3.2.2", hiveMetastore: `${ecr}/shared/spark-k8s/hive-metastore@sha256:${"b".repeat(64)}` },
            registry,
        );
        const spark35 = sources.find((s) => s.key === "spark35");
        assert.deepEqual(spark35, {
            key: "spark35",
            configured: images.spark35,
            reference: `${ecr}/spark-dev/${images.spark35}`,
            lookup: { registryId: "111122223333", region: "eu-west-1", repositoryName: "spark-dev/spark-k8s/spark-runtime", tag: "3.5.9-p3" },
        });
        assert.equal(sources.find((s) => s.key === "airflow")?.lookup, undefined, "a tag outside ECR deploys as it is");
        assert.equal(sources.find((s) => s.key === "hiveMetastore")?.lookup, undefined, "a digest deploys as it is");
        assert.deepEqual(stackRepositories(sources, registry), [
            "spark-dev/spark-k8s/jupyter-spark",
            "spark-dev/spark-k8s/spark-rapids",
            "spark-dev/spark-k8s/spark-runtime",
        ]);
        // The local tier has no registry: references stay as configured.
        assert.deepEqual(imageSources(images, "").map((s) => s.reference), imageKeys.map((k) => images[k]));
    });

    it("says which image is missing and the command that builds and pushes it", () => {
        const [source] = imageSources(images, stackRegistryUrl("111122223333", "eu-west-1", "spark-dev"), ["jupyter41"]);
        assert.ok(source.lookup);
        assert.equal(
            missingImageMessage(source, source.lookup, "no image has that tag"),
            `spark.images.jupyter41: "spark-k8s/jupyter-spark:4.1.4-p3" resolves to ${ecr}/spark-dev/spark-k8s/jupyter-spark:4.1.4-p3, which is not in the registry ` +
                `(no image has that tag). Build and push it: REGISTRY=${ecr}/spark-dev PUSH=1 images/build.sh jupyter-spark-4.1`,
        );
    });

    it("resolves only the images a stack runs", () => {
        const plan = (scenarios: Parameters<typeof componentPlan>[0]["scenarios"], presets: Parameters<typeof componentPlan>[0]["presets"] = []) =>
            componentPlan({ scenarios, presets, versions: ["3.5", "4.1"], tier: "dev", minioEnabled: false });
        assert.deepEqual(usedImageKeys(plan(["airflow-operator"]), ["3.5", "4.1"]), ["spark35", "spark41", "hiveMetastore", "airflow"]);
        assert.deepEqual(usedImageKeys(plan(["jupyter-connect-k8s"], ["gpu"]), ["3.5"]), ["spark35", "sparkRapids", "hiveMetastore", "jupyter35"]);
    });

    describe("config", () => {
        it("refuses an ECR registry in another region, where the stack cannot look digests up", () => {
            assert.deepEqual(problems({ ...dev, registry: { url: "111122223333.dkr.ecr.us-east-1.amazonaws.com/spark-shared" } }, { stack: "dev" }), [
                'registry.url: "111122223333.dkr.ecr.us-east-1.amazonaws.com/spark-shared" is not allowed; expected an ECR registry in the stack\'s region (eu-west-1), where the stack looks image digests up, or a registry outside ECR',
            ]);
            assert.deepEqual(problems({ ...dev, registry: { url: "111122223333.dkr.ecr.eu-west-1.amazonaws.com/spark-staging" } }, { stack: "dev" }), []);
            assert.deepEqual(problems({ ...dev, registry: { url: "ghcr.io/acme" } }, { stack: "dev" }), []);
        });

        it("refuses a malformed registry URL and keepImages out of range, and the registry area on local", () => {
            const found = problems({ ...dev, registry: { url: "https://ghcr.io/acme", keepImages: 0 } }, { stack: "dev" });
            assert.equal(found.length, 2);
            assert.match(found[0], /^registry\.url: "https:\/\/ghcr\.io\/acme" is not allowed; expected a registry host with an optional path/);
            assert.match(found[1], /^registry\.keepImages: 0 is not allowed/);
            assert.match(problems({ registry: { keepImages: 5 } }, { stack: "local", region: "" }).join("\n"), /^registry: .* expected no value on the local tier/);
        });

        it("prod deploys by digest: a tag outside ECR is refused, a digest or a tag in ECR is not", () => {
            assert.deepEqual(problems({ registry: { url: "ghcr.io/acme" } }), imageKeys.map((k) =>
                `spark.images.${k}: "${images[k]}" is not allowed; expected a reference by digest (repository@sha256:...) or a tag in an ECR registry, which the stack deploys by digest: prod deploys its images by digest only (ghcr.io/acme/${images[k]} is a tag outside ECR)`,
            ));
            const digests = Object.fromEntries(imageKeys.map((k) => [k, `ghcr.io/acme/${k.toLowerCase()}@sha256:${"c".repeat(64)}`]));
            assert.deepEqual(problems({ registry: { url: "ghcr.io/acme" }, spark: { images: digests } }), []);
            assert.deepEqual(problems({}), [], "the default: prod's own ECR repositories, resolved to digests");
            assert.deepEqual(problems({ ...dev, registry: { url: "ghcr.io/acme" } }, { stack: "staging" }), [], "staging may deploy tags");
        });
    });
});
