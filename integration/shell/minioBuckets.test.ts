/**
 * The local stack's MinIO bucket Job script, run for real: the program's own script, taken from the
 * plan, with a real mc of the release the Job's image pins, against the local S3 server.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { BucketPurpose, expiryRules } from "../../components/aws/dataLake";
import { minioClientImage } from "../../components/services/minio";
import { RecordedResource, StackRun, stackConfig } from "../../tools/harness";
import { configMapData, resourcesOfType, stackArtefacts } from "../support/artefacts";
import { run } from "../support/cache";
import { ensureMc, mcRelease, mcSources, mcVersionLine } from "../support/mc";
import { jobContainer } from "../support/postgres";
import { LocalS3, RecordedRequest, startLocalS3 } from "../support/s3";
import { describeRun, ensureShells, PodShell, runPodScript } from "./pod";

/**
 * What differs from the pod: the server address (the loopback S3 server instead of
 * minio.<namespace>:9000). Everything else (script, credentials, HOME) is the plan's.
 */
export const bucketJobOverrides = ["MINIO_SERVER"] as const;

/** The mc image's /bin/sh is bash (Red Hat ubi9-micro, minio/mc Dockerfile.release); dash holds it to POSIX sh too. */
const shells: readonly PodShell[] = ["bash-as-sh", "dash"];

function bucketJob(stackRun: StackRun): RecordedResource {
    const jobs = resourcesOfType(stackRun, "kubernetes:batch/v1:Job").filter((j) =>
        ((j.inputs.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers ?? []).some((c) => c.image === minioClientImage),
    );
    assert.equal(jobs.length, 1, `${stackRun.stack}: one Job runs ${minioClientImage}`);
    return jobs[0];
}

/** s3a://bucket/prefix/ of every event-log directory the plan's Spark configurations name. */
function eventLogFolders(stackRun: StackRun): { bucket: string; prefix: string }[] {
    const dirs = new Set<string>([String(stackRun.outputs.eventLogDir)]);
    for (const cm of resourcesOfType(stackRun, "kubernetes:core/v1:ConfigMap")) {
        const meta = cm.inputs.metadata as { name: string; namespace: string };
        for (const [key, text] of Object.entries(configMapData(stackRun, meta.name, meta.namespace))) {
            if (!key.endsWith(".conf")) continue;
            for (const line of text.split("\n")) {
                const m = /^\s*(spark\.eventLog\.dir|spark\.history\.fs\.logDirectory)\s*[=\s]\s*(\S+)\s*$/.exec(line);
                if (m) dirs.add(m[2]);
            }
        }
    }
    return [...dirs].map((d) => {
        const m = /^s3a:\/\/([^/]+)\/(.+?)\/?$/.exec(d);
        assert.ok(m, `event-log directory ${d} is s3a://bucket/prefix`);
        return { bucket: m[1], prefix: `${m[2]}/` };
    });
}

/** Each bucket's lifecycle rules as the server stores them (S3 GetBucketLifecycleConfiguration); none when it has none. */
function bucketLifecycles(s3: LocalS3, buckets: readonly string[]): Record<string, unknown[]> {
    return JSON.parse(s3.python(`
import json
out = {}
for b in ${JSON.stringify(buckets)}:
    try:
        out[b] = s3.get_bucket_lifecycle_configuration(Bucket=b)["Rules"]
    except s3.exceptions.ClientError as e:
        if e.response["Error"]["Code"] != "NoSuchLifecycleConfiguration":
            raise
        out[b] = []
print(json.dumps(out))`)) as Record<string, unknown[]>;
}

/** Each bucket's rules' "ID:size" pairs, from the lifecycle PUTs mc sent (S3's XML). */
function sentSizeFilters(requests: readonly RecordedRequest[]): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const r of requests.filter((x) => x.method === "PUT" && /[?&]lifecycle(=|&|$)/.test(x.url))) {
        const bucket = new URL(r.url, "http://s3").pathname.split("/")[1];
        const rules = [...r.body.matchAll(/<Rule>(.*?)<\/Rule>/gs)].map((m) => m[1]);
        const sized = rules.flatMap((rule) => {
            const size = /<And>.*<ObjectSizeGreaterThan>(\d+)<\/ObjectSizeGreaterThan>.*<\/And>/s.exec(rule);
            return size ? [`${/<ID>(.*?)<\/ID>/.exec(rule)?.[1]}:${size[1]}`] : [];
        });
        if (sized.length > 0) out[bucket] = sized;
    }
    return out;
}

function sizeFilters(lifecycles: Record<string, unknown[]>): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [bucket, rules] of Object.entries(lifecycles)) {
        const sized = (rules as { ID: string; Filter: { And?: { ObjectSizeGreaterThan?: number } } }[]).filter((r) => r.Filter.And?.ObjectSizeGreaterThan !== undefined).map((r) => `${r.ID}:${r.Filter.And!.ObjectSizeGreaterThan}`);
        if (sized.length > 0) out[bucket] = sized;
    }
    return out;
}

/** The rules the local stack's retention settings call for, in the S3 API's shape. */
function expectedLifecycles(stackRun: StackRun): Record<string, unknown[]> {
    const buckets = stackRun.outputs.buckets as Record<BucketPurpose, string>;
    const rules = expiryRules(stackConfig("local").storage);
    return Object.fromEntries(Object.entries(buckets).map(([purpose, bucket]) => [
        bucket,
        rules[purpose as BucketPurpose].map((r) => ({
            ID: r.id,
            Status: "Enabled",
            Filter: r.objectSizeGreaterThan !== undefined ? { And: { Prefix: r.prefix, ObjectSizeGreaterThan: Math.max(1, r.objectSizeGreaterThan) } } : { Prefix: r.prefix },
            Expiration: { Days: r.expirationDays },
        })),
    ]));
}

describe("shell: the MinIO bucket Job script with a real mc against the local S3 server", function () {
    this.timeout(15 * 60 * 1000);
    let stackRun: StackRun;
    let mc: string;
    let s3: LocalS3;
    let script: string;
    let env: Record<string, string>;

    before(async function () {
        this.timeout(40 * 60 * 1000);
        ensureShells(shells);
        mc = ensureMc();
        stackRun = await stackArtefacts("local");
        const container = jobContainer(stackRun, bucketJob(stackRun), "mc");
        assert.deepEqual(container.command.slice(0, 2), ["sh", "-c"], "the Job runs its script with sh -c");
        script = container.command[2];
        s3 = await startLocalS3();
        env = { ...container.env, MINIO_SERVER: new URL(s3.endpoint).host };
    });
    after(async () => s3?.stop());

    it("uses an mc built from the release commit of the Job's image", function () {
        const release = mcRelease();
        assert.equal(run(mc, ["--version"]).split("\n")[0], mcVersionLine(release, mcSources[release]));
    });

    it("refuses to run without the root credentials, creating nothing", async function () {
        const withoutUser = Object.fromEntries(Object.entries(env).filter(([k]) => k !== "MINIO_ROOT_USER"));
        const result = await runPodScript({ shell: "dash", script, env: withoutUser, path: [path.dirname(mc)], privateTmp: true, timeoutMs: 60000 });
        assert.notEqual(result.code, 0, describeRun(result));
        assert.match(result.stderr, /MINIO_ROOT_USER is not set/);
        assert.deepEqual(s3.listBuckets(), []);
    });

    for (const shell of shells) {
        it(`creates every bucket of the stack and the event-log folder markers, and a second run succeeds (${shell})`, async function () {
            for (const b of s3.listBuckets()) s3.python(`for o in s3.list_objects_v2(Bucket=${JSON.stringify(b)}).get("Contents", []):\n    s3.delete_object(Bucket=${JSON.stringify(b)}, Key=o["Key"])\ns3.delete_bucket(Bucket=${JSON.stringify(b)})`);
            const buckets = Object.values(stackRun.outputs.buckets as Record<string, string>).sort();
            const folders = eventLogFolders(stackRun);
            let first: Awaited<ReturnType<typeof runPodScript>> | undefined;
            const requests = await s3.recordRequests(async () => {
                first = await runPodScript({ shell, script, env, path: [path.dirname(mc)], privateTmp: true, timeoutMs: 5 * 60 * 1000 });
            });
            assert.ok(first);
            assert.equal(first.code, 0, describeRun(first));
            assert.deepEqual(s3.listBuckets().sort(), buckets);
            for (const f of folders) assert.ok(s3.listKeys(f.bucket).includes(f.prefix), `marker ${f.prefix} in ${f.bucket}; keys ${JSON.stringify(s3.listKeys(f.bucket))}\n${describeRun(first)}`);
            const keys = Object.fromEntries(buckets.map((b) => [b, s3.listKeys(b)]));
            const lifecycles = expectedLifecycles(stackRun);
            // moto keeps a rule's prefix but models no size filter: what mc sent is read from the request itself.
            const stored = (rules: unknown[]) => rules.map((r) => JSON.parse(JSON.stringify(r, (k, v: unknown) => (k === "ObjectSizeGreaterThan" ? undefined : v))) as unknown);
            assert.deepEqual(bucketLifecycles(s3, buckets), Object.fromEntries(Object.entries(lifecycles).map(([b, r]) => [b, stored(r)])), describeRun(first));
            assert.deepEqual(sentSizeFilters(requests), sizeFilters(lifecycles), "mc sends each size filter inside the rule's And");

            const second = await runPodScript({ shell, script, env, path: [path.dirname(mc)], privateTmp: true, timeoutMs: 5 * 60 * 1000 });
            assert.equal(second.code, 0, describeRun(second));
            assert.deepEqual(s3.listBuckets().sort(), buckets);
            assert.deepEqual(Object.fromEntries(buckets.map((b) => [b, s3.listKeys(b)])), keys, "the second run changes nothing");
            assert.deepEqual(bucketLifecycles(s3, buckets), Object.fromEntries(Object.entries(lifecycles).map(([b, r]) => [b, stored(r)])), "the second run leaves one copy of each rule");
        });
    }
});
