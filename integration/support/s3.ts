/**
 * A local S3-compatible server for the integration suite: moto's S3 server (pinned, from PyPI) on a
 * loopback port. It starts empty; tests put in it only what the program itself creates.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { run } from "./cache";
import { ensureVenv } from "./python";
import { freePort, Server, startServer } from "./processes";

/** moto's server, pinned; `moto[server]` brings Flask for the HTTP endpoint. */
export const motoRequirements = ["moto[s3,server]==5.2.5"] as const;

/** Credentials the local server accepts (moto accepts any; these are test values, not secrets). */
export const localS3Credentials = { accessKeyId: "it-access-key", secretAccessKey: "it-secret-key", region: "us-east-1" } as const;

export interface LocalS3 {
    readonly endpoint: string;
    readonly server: Server;
    /** Runs a small boto3 snippet against the server: `s3` is a client bound to it; prints JSON. */
    python(code: string): string;
    createBucket(name: string): void;
    putObject(bucket: string, key: string, body?: string): void;
    /** Every key in a bucket (all pages). */
    listKeys(bucket: string, prefix?: string): string[];
    listBuckets(): string[];
    /**
     * The requests the server received while `action` ran, bodies included (moto's request
     * recorder): what a client really sent, including what moto itself does not model.
     */
    recordRequests(action: () => Promise<unknown>): Promise<RecordedRequest[]>;
    stop(): Promise<void>;
}

/** One request as moto's recorder keeps it, the body decoded to text. */
export interface RecordedRequest {
    readonly method: string;
    readonly url: string;
    readonly body: string;
}

/** Starts an empty moto S3 server on a free loopback port. */
export async function startLocalS3(): Promise<LocalS3> {
    const venv = ensureVenv({ name: "moto", requirements: motoRequirements });
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const recording = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "moto-recording-")), "requests.jsonl");
    const server = await startServer({
        name: "moto-s3",
        command: venv.bin("moto_server"),
        args: ["-H", "127.0.0.1", "-p", String(port)],
        env: { MOTO_RECORDER_FILEPATH: recording },
        ready: { http: `${endpoint}/moto-api/` },
        timeoutMs: 60000,
    });
    const python = (code: string): string =>
        run(venv.python, ["-c", `import boto3, json\ns3 = boto3.client("s3", endpoint_url=${JSON.stringify(endpoint)}, aws_access_key_id=${JSON.stringify(localS3Credentials.accessKeyId)}, aws_secret_access_key=${JSON.stringify(localS3Credentials.secretAccessKey)}, region_name=${JSON.stringify(localS3Credentials.region)})\n${code}`], { what: "boto3 against the local S3 server" });
    return {
        endpoint,
        server,
        python,
        createBucket: (name) => void python(`s3.create_bucket(Bucket=${JSON.stringify(name)})`),
        putObject: (bucket, key, body = "") => void python(`s3.put_object(Bucket=${JSON.stringify(bucket)}, Key=${JSON.stringify(key)}, Body=${JSON.stringify(body)}.encode())`),
        listKeys: (bucket, prefix = "") =>
            JSON.parse(python(`keys = []\nfor page in s3.get_paginator("list_objects_v2").paginate(Bucket=${JSON.stringify(bucket)}, Prefix=${JSON.stringify(prefix)}):\n    keys += [o["Key"] for o in page.get("Contents", [])]\nprint(json.dumps(keys))`)) as string[],
        listBuckets: () => JSON.parse(python(`print(json.dumps([b["Name"] for b in s3.list_buckets()["Buckets"]]))`)) as string[],
        recordRequests: async (action) => {
            const recorder = (verb: string) => fetch(`${endpoint}/moto-api/recorder/${verb}`, { method: "POST" }).then((r) => r.text());
            await recorder("reset-recording");
            await recorder("start-recording");
            try {
                await action();
            } finally {
                await recorder("stop-recording");
            }
            const rows = (await recorder("download-recording")).split("\n").filter((l) => l.trim() !== "");
            return rows.map((l) => {
                const r = JSON.parse(l) as { method: string; url: string; body?: string | null; body_encoded?: boolean };
                return { method: r.method, url: r.url, body: r.body ? (r.body_encoded ? Buffer.from(r.body, "base64").toString("utf8") : r.body) : "" };
            });
        },
        stop: () => server.stop(),
    };
}
