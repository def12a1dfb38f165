/**
 * The object storage the program itself creates, put into the local S3 server: on AWS stacks the
 * plan's bucket and bucket-object resources, on the local tier what the MinIO bucket Job's script
 * creates, run with a real mc. Nothing else is ever put there, so a folder the program forgets is
 * missing here too.
 */
import { execFile } from "child_process";
import * as path from "path";
import { minioClientImage } from "../../components/services/minio";
import { RecordedResource, StackRun } from "../../tools/harness";
import { resourcesOfType } from "./artefacts";
import { ensureMc } from "./mc";
import { jobContainer } from "./postgres";
import { LocalS3 } from "./s3";

/** A bucket and the objects in it, as the program creates them. */
export interface PlannedBucket {
    readonly name: string;
    readonly objects: readonly { readonly key: string; readonly content: string }[];
}

/**
 * The plan's AWS buckets and bucket objects. Physical bucket names: a Bucket's `bucket` input, or, when the provider names it from
 * `bucketPrefix`, the name the program reports in its `buckets` stack output.
 */
export function awsBuckets(run: StackRun): PlannedBucket[] {
    const reported = Object.values((run.outputs.buckets ?? {}) as Record<string, string>);
    const byUrn = new Map<string, { name: string; objects: { key: string; content: string }[] }>();
    for (const r of resourcesOfType(run, "aws:s3/bucket:Bucket")) {
        const given = r.inputs.bucket as string | undefined;
        const prefix = r.inputs.bucketPrefix as string | undefined;
        const matches = given !== undefined ? [given] : reported.filter((n) => prefix !== undefined && n.startsWith(prefix));
        if (matches.length !== 1) throw new Error(`${run.stack}: cannot tell the physical name of bucket ${r.name} (bucket ${given ?? "-"}, prefix ${prefix ?? "-"}; outputs ${reported.join(", ")})`);
        byUrn.set(r.urn, { name: matches[0], objects: [] });
    }
    for (const o of resourcesOfType(run, "aws:s3/bucketObject:BucketObject")) {
        const owners = o.dependencies.map((u) => byUrn.get(u)).filter((b) => b !== undefined);
        if (owners.length !== 1) throw new Error(`${run.stack}: bucket object ${o.name} does not depend on exactly one planned bucket`);
        if (o.inputs.source !== undefined) throw new Error(`${run.stack}: bucket object ${o.name} has a file source; the suite only seeds inline content`);
        owners[0].objects.push({ key: o.inputs.key as string, content: (o.inputs.content as string | undefined) ?? "" });
    }
    return [...byUrn.values()];
}

/** The MinIO bucket Job of a local-tier plan (the Job that runs the program's mc client image). */
function minioBucketJob(run: StackRun): RecordedResource | undefined {
    const jobs = resourcesOfType(run, "kubernetes:batch/v1:Job").filter((j) =>
        (j.inputs.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers.some((c) => c.image === minioClientImage),
    );
    if (jobs.length > 1) throw new Error(`${run.stack}: ${jobs.length} Jobs run ${minioClientImage}`);
    return jobs[0];
}

/**
 * Runs the MinIO bucket Job's script as its container does (sh -c, the container's environment)
 * with a real mc of the release it pins, against the local S3 server: the only change is
 * MINIO_SERVER, the loopback server instead of minio.<namespace>:9000.
 */
async function runMinioBucketJob(run: StackRun, job: RecordedResource, s3: LocalS3): Promise<void> {
    const container = jobContainer(run, job);
    if (container.command.length !== 3 || container.command[0] !== "sh" || container.command[1] !== "-c") throw new Error(`${run.stack}: the bucket Job's command is not sh -c <script>`);
    const mc = ensureMc();
    const env = { PATH: `${path.dirname(mc)}:/usr/local/bin:/usr/bin:/bin`, ...container.env, MINIO_SERVER: new URL(s3.endpoint).host };
    await new Promise<void>((resolve, reject) => {
        execFile("sh", ["-c", container.command[2]], { env, timeout: 5 * 60 * 1000 }, (err, stdout, stderr) => {
            if (err) reject(new Error(`${run.stack}: the MinIO bucket Job's script failed: ${err.message}\n${stdout}${stderr}`));
            else resolve();
        });
    });
}

/**
 * Puts in the local S3 server what the program itself creates (idempotent): on AWS tiers the
 * plan's Bucket and BucketObject resources; where a MinIO bucket Job exists, its script with a real mc.
 */
export async function seedBucketsFromPlan(run: StackRun, s3: LocalS3): Promise<void> {
    const job = minioBucketJob(run);
    if (job) return runMinioBucketJob(run, job, s3);
    const existing = new Set(s3.listBuckets());
    for (const b of awsBuckets(run)) {
        if (!existing.has(b.name)) s3.createBucket(b.name);
        for (const o of b.objects) s3.putObject(b.name, o.key, o.content);
    }
}
