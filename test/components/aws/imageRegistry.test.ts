import { strict as assert } from "assert";
import { keepNewestImagesPolicy } from "../../../components/aws/imageRegistry";
import { mockAccountId, mockDigest, runStack } from "../../../tools/harness";
import { inputs, ofType, stackRun } from "../../support";

const ecr = `${mockAccountId}.dkr.ecr.eu-west-1.amazonaws.com`;

describe("image registry of an AWS stack", () => {
    it("creates one immutable, scanned, KMS-encrypted repository per platform image, keeping the newest 30", async () => {
        const run = await stackRun("dev");
        const repos = ofType(run, "aws:ecr/repository:Repository").map((r) => inputs<Record<string, unknown>>(r));
        assert.deepEqual(repos.map((r) => r.name).sort(), ["airflow", "hive-metastore", "jupyter-spark", "spark-rapids", "spark-runtime"].map((n) => `spark-dev/spark-k8s/${n}`));
        for (const repo of repos) {
            assert.equal(repo.imageTagMutability, "IMMUTABLE");
            assert.deepEqual(repo.imageScanningConfiguration, { scanOnPush: true });
            assert.deepEqual(repo.encryptionConfigurations, [{ encryptionType: "KMS", kmsKey: run.outputs.kmsKeyArn }], "the platform key");
            assert.equal(repo.forceDelete, true, "dev has no deletion protection");
        }
        const policies = ofType(run, "aws:ecr/lifecyclePolicy:LifecyclePolicy").map((r) => inputs<{ policy: string }>(r).policy);
        assert.equal(policies.length, repos.length);
        for (const p of policies) assert.deepEqual((JSON.parse(p) as { rules: { selection: unknown }[] }).rules[0].selection, { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 30 });
        assert.equal(run.outputs.registry, `${ecr}/spark-dev`);
    });

    it("keeps prod's images when its repositories are deleted (Pulumi's protect flag is not visible to mocks)", async () => {
        const run = await stackRun("prod");
        const repos = ofType(run, "aws:ecr/repository:Repository");
        assert.equal(repos.length, 5);
        for (const repo of repos) assert.equal(inputs(repo).forceDelete, false);
    });

    it("deploys every image the stack runs by the digest its registry holds, and outputs them", async () => {
        const run = await stackRun("dev");
        const images = run.outputs.images as Record<string, string>;
        assert.deepEqual(Object.keys(images), ["spark35", "spark41", "hiveMetastore", "jupyter35", "jupyter41", "airflow"]);
        assert.equal(images.airflow, `${ecr}/spark-dev/spark-k8s/airflow:3.2.2-p3@${mockDigest("spark-dev/spark-k8s/airflow:3.2.2-p3")}`);
    });

    it("points at another stack's registry without creating repositories", async () => {
        const run = await runStack("prod", { config: { registry: { url: `${ecr}/spark-staging` } } });
        assert.deepEqual(ofType(run, "aws:ecr/repository:Repository"), []);
        assert.equal((run.outputs.images as Record<string, string>).spark35, `${ecr}/spark-staging/spark-k8s/spark-runtime:3.5.9-p3@${mockDigest("spark-staging/spark-k8s/spark-runtime:3.5.9-p3")}`);
    });

    it("fails with every missing image and the command that builds it", async () => {
        const missing = [
            { repositoryName: "spark-staging/spark-k8s/spark-runtime", tag: "4.1.4-p3" },
            { repositoryName: "spark-staging/spark-k8s/airflow" },
        ];
        await assert.rejects(runStack("prod", { config: { registry: { url: `${ecr}/spark-staging` } }, missingImages: missing }), (err: Error) => {
            assert.match(err.message, /^platform images not found:/);
            assert.ok(err.message.includes(`spark.images.spark41: "spark-k8s/spark-runtime:4.1.4-p3" resolves to ${ecr}/spark-staging/spark-k8s/spark-runtime:4.1.4-p3, which is not in the registry (no image has that tag). Build and push it: REGISTRY=${ecr}/spark-staging PUSH=1 images/build.sh spark-runtime-4.1`), err.message);
            assert.ok(err.message.includes("spark.images.airflow: ") && err.message.includes("(its repository does not exist)"), err.message);
            return true;
        });
    });

    it("deploys by tag while the stack's own repository is new, until the image is pushed", async () => {
        const run = await runStack("dev", { missingImages: [{ repositoryName: "spark-dev/spark-k8s/hive-metastore" }] });
        assert.equal((run.outputs.images as Record<string, string>).hiveMetastore, `${ecr}/spark-dev/spark-k8s/hive-metastore:3.1.3-p3`);
    });

    it("writes a lifecycle policy ECR accepts: one rule expiring images beyond the count", () => {
        assert.deepEqual(JSON.parse(keepNewestImagesPolicy(5)), {
            rules: [{ rulePriority: 1, description: "Keep the newest 5 images", selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 5 }, action: { type: "expire" } }],
        });
    });
});
