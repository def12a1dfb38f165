import { strict as assert } from "assert";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { serviceEndpoints, serviceHost } from "../../../components/config/names";
import { awsCliImage } from "../../../components/services/backups";
import { objectStorageSecretName } from "../../../components/sparkStack";
import { podSecurityRules } from "../../../policies/kubernetes/podSecurity";
import { violations } from "../../support/policyArgs";
import { runWithStandIns } from "../../support/commandStandIn";
import { assertHelp, assertUsageError, recipe, runPlain } from "./recipes";

const script = recipe("s3-check.sh");
const minio = `http://${serviceHost(serviceEndpoints.minio)}:${serviceEndpoints.minio.port}`;

interface Container {
    name: string;
    image: string;
    command: string[];
    env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
    securityContext: Record<string, unknown> & { capabilities: { drop: string[]; add?: string[] } };
    resources: { requests: Record<string, string>; limits: Record<string, string> };
    volumeMounts: { name: string; mountPath: string }[];
}
interface Pod {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace: string };
    spec: Record<string, unknown> & { serviceAccountName: string; securityContext: Record<string, unknown>; containers: Container[]; volumes: Record<string, unknown>[] };
}

/** The manifest --dry-run prints, parsed as YAML (JSON is YAML). */
function dryRun(args: string[]): Pod {
    const run = runPlain(script, [...args, "--dry-run"]);
    assert.equal(run.status, 0, run.stderr);
    return parse(run.stdout) as Pod;
}
const env = (c: Container): Record<string, string> => Object.fromEntries(c.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));

describe("scripts/recipes/s3-check.sh", () => {
    it("--help documents every flag, MinIO's endpoint and the exit codes", () => {
        assertHelp(script, ["--bucket", "--endpoint", "--region", "--namespace", "--service-account", "--image", "--credentials-secret", "--timeout", "--dry-run"]);
        assert.ok(runPlain(script, ["--help"]).stdout.includes(minio));
    });

    it("refuses bad flags with exit 2, naming the flag", () => {
        assertUsageError(script, ["--bucket", "data", "--region", "eu-west-1", "--profile", "x"], "--profile");
        assertUsageError(script, ["--region", "eu-west-1"], "--bucket is required");
        assertUsageError(script, ["--bucket", "Data_Lake", "--region", "eu-west-1"], "--bucket");
        assertUsageError(script, ["--bucket", "data", "--endpoint", "minio:9000"], "--endpoint");
        assertUsageError(script, ["--bucket", "data", "--region", "mars"], "--region");
        assertUsageError(script, ["--bucket", "data"], /--endpoint .* or --region/);
        assertUsageError(script, ["--bucket", "data", "--region", "eu-west-1", "--timeout", "0"], "--timeout");
        assertUsageError(script, ["--bucket", "data", "--region", "eu-west-1", "--image", "evil;rm"], "--image");
    });

    it("--dry-run prints a restricted Pod Security compliant pod, as the spark service account, with the platform's AWS CLI image", async () => {
        const pod = dryRun(["--bucket", "spark-k8s-local-data", "--endpoint", minio]);
        assert.equal(pod.kind, "Pod");
        assert.equal(pod.metadata.namespace, "spark-jobs");
        assert.equal(pod.spec.serviceAccountName, "spark");
        assert.equal(pod.spec.restartPolicy, "Never");
        const [c] = pod.spec.containers;
        assert.equal(pod.spec.containers.length, 1);
        assert.equal(c.image, awsCliImage, "the default image is the platform's AWS CLI pin");
        // The restricted profile's fields, read directly.
        assert.equal(pod.spec.securityContext.runAsNonRoot, true);
        assert.ok((pod.spec.securityContext.runAsUser as number) > 0);
        assert.deepEqual(pod.spec.securityContext.seccompProfile, { type: "RuntimeDefault" });
        assert.equal(c.securityContext.runAsNonRoot, true);
        assert.equal(c.securityContext.allowPrivilegeEscalation, false);
        assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] });
        assert.deepEqual(c.securityContext.seccompProfile, { type: "RuntimeDefault" });
        assert.equal(c.securityContext.readOnlyRootFilesystem, true);
        assert.equal(c.securityContext.privileged, undefined);
        for (const key of ["hostNetwork", "hostPID", "hostIPC"]) assert.equal(pod.spec[key], undefined, key);
        for (const v of pod.spec.volumes) assert.deepEqual(Object.keys(v).sort(), ["emptyDir", "name"]);
        assert.equal(c.resources.limits.memory, c.resources.requests.memory, "memory limited at the request, as quota needs");
        // And the platform's own Pod Security policy rules find nothing.
        for (const rule of podSecurityRules) assert.deepEqual(await violations(rule, { type: "kubernetes:core/v1:Pod", name: "s3-check", props: pod as unknown as Record<string, unknown> }), [], rule.name);
        // MinIO: the endpoint split for the DNS and TCP checks, and the keys from the platform's Secret.
        assert.deepEqual(
            { S3_ENDPOINT: env(c).S3_ENDPOINT, S3_HOST: env(c).S3_HOST, S3_PORT: env(c).S3_PORT, S3_BUCKET: env(c).S3_BUCKET, AWS_REGION: env(c).AWS_REGION },
            { S3_ENDPOINT: minio, S3_HOST: serviceHost(serviceEndpoints.minio), S3_PORT: String(serviceEndpoints.minio.port), S3_BUCKET: "spark-k8s-local-data", AWS_REGION: "us-east-1" },
        );
        assert.deepEqual(c.env.filter((e) => e.valueFrom).map((e) => [e.name, e.valueFrom!.secretKeyRef.name, e.valueFrom!.secretKeyRef.key]), [
            ["AWS_ACCESS_KEY_ID", objectStorageSecretName, "AWS_ACCESS_KEY_ID"],
            ["AWS_SECRET_ACCESS_KEY", objectStorageSecretName, "AWS_SECRET_ACCESS_KEY"],
        ]);
        assert.deepEqual(c.command.slice(0, 2), ["bash", "-c"]);
    });

    it("on AWS: the regional endpoint, no Secret (Pod Identity), and the namespace, account and image asked for", () => {
        const pod = dryRun(["--bucket", "prod-data-lake", "--region", "eu-west-1", "-n", "team-a", "--service-account", "etl", "--image", "registry.example/aws-cli:2.37.5"]);
        const [c] = pod.spec.containers;
        assert.equal(pod.metadata.namespace, "team-a");
        assert.equal(pod.spec.serviceAccountName, "etl");
        assert.equal(c.image, "registry.example/aws-cli:2.37.5");
        assert.deepEqual([env(c).S3_ENDPOINT, env(c).S3_HOST, env(c).S3_PORT, env(c).AWS_REGION], ["https://s3.eu-west-1.amazonaws.com", "s3.eu-west-1.amazonaws.com", "443", "eu-west-1"]);
        assert.deepEqual(c.env.filter((e) => e.valueFrom), []);
    });

    it("runs the pod with kubectl run --rm and the manifest as overrides, and reports a failed check with exit 1", () => {
        const failed = "CHECK credentials ok access key from Secret object-storage-credentials\nCHECK dns ok minio.minio.svc.cluster.local resolves to 10.96.14.7\nCHECK tcp ok minio.minio.svc.cluster.local:9000 accepts connections\nCHECK list FAIL s3://spark-k8s-local-data does not list: An error occurred (NoSuchBucket) when calling the ListObjectsV2 operation: The specified bucket does not exist\npod spark-jobs/s3-check-01234 terminated (Error)\n";
        const run = runWithStandIns(script, ["--bucket", "spark-k8s-local-data", "--endpoint", minio], [{ command: "kubectl", match: "^run ", stdout: failed, exitCode: 1 }]);
        assert.equal(run.status, 1, run.stdout + run.stderr);
        assert.match(run.stdout, /^list +FAIL +s3:\/\/spark-k8s-local-data does not list: .*NoSuchBucket/m);
        assert.match(run.stdout, /^dns +ok /m);
        const [call] = run.calls;
        assert.equal(run.calls.length, 1);
        const name = call.argv[1];
        assert.match(name, /^s3-check-\d{5}$/);
        assert.deepEqual(call.argv.slice(0, -1), ["run", name, "--namespace", "spark-jobs", "--image", awsCliImage, "--restart", "Never", "--attach", "--rm", "--quiet", "--pod-running-timeout", "120s", "--override-type", "merge", "--overrides"]);
        const overrides = parse(call.argv[call.argv.length - 1]) as Pod;
        assert.equal(overrides.metadata.name, name);
        assert.equal(overrides.spec.containers[0].securityContext.allowPrivilegeEscalation, false);

        const ok = runWithStandIns(script, ["--bucket", "spark-k8s-local-data", "--endpoint", minio], [{ command: "kubectl", match: "^run ", stdout: failed.replace(/CHECK list FAIL .*\n/, "CHECK list ok s3://spark-k8s-local-data lists (first keys: warehouse/a.parquet)\n").replace(/pod .*\n/, "") }]);
        assert.equal(ok.status, 0, ok.stdout);
        assert.match(ok.stdout, /^OK /m);

        const refused = runWithStandIns(script, ["--bucket", "spark-k8s-local-data", "--endpoint", minio], [{ command: "kubectl", match: "^run ", stderr: 'Error from server (Forbidden): pods "s3-check-01234" is forbidden: exceeded quota: team\n', exitCode: 1 }]);
        assert.equal(refused.status, 1);
        assert.match(refused.stdout, /the check pod did not run[\s\S]*exceeded quota/);
    });

    it("the pod's own script: DNS, TCP to a listening port and the listing, each reported; a closed port fails", async () => {
        const pod = dryRun(["--bucket", "spark-k8s-local-data", "--endpoint", minio]);
        const [c] = pod.spec.containers;
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "s3-check-pod-"));
        const server = net.createServer((s) => s.destroy());
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const open = (server.address() as net.AddressInfo).port;
        try {
            const podScript = path.join(dir, "pod.sh");
            fs.writeFileSync(podScript, c.command[2]);
            const standIns = [
                { command: "getent", match: "^hosts 127\\.0\\.0\\.1$", stdout: "127.0.0.1       localhost\n" },
                { command: "getent", match: "^hosts ", exitCode: 2 },
                { command: "aws", match: "^s3api list-objects-v2 --endpoint-url http://127\\.0\\.0\\.1:[0-9]+ --bucket spark-k8s-local-data --max-keys 5 ", stdout: "warehouse/orders/part-0.parquet\twarehouse/orders/part-1.parquet\n" },
            ];
            const podEnv = (port: number, host = "127.0.0.1") => ({ ...env(c), S3_HOST: host, S3_PORT: String(port), S3_ENDPOINT: `http://127.0.0.1:${port}`, AWS_ACCESS_KEY_ID: "minio-test" });
            const good = runWithStandIns(podScript, [], standIns, { env: podEnv(open) });
            assert.equal(good.status, 0, good.stdout + good.stderr);
            assert.deepEqual(good.stdout.trim().split("\n").map((l) => l.split(" ").slice(1, 3).join(" ")), ["credentials ok", "dns ok", "tcp ok", "list ok"]);
            assert.match(good.stdout, /lists \(first keys: warehouse\/orders\/part-0\.parquet warehouse\/orders\/part-1\.parquet/);

            const closedServer = net.createServer();
            await new Promise<void>((resolve) => closedServer.listen(0, "127.0.0.1", resolve));
            const closed = (closedServer.address() as net.AddressInfo).port;
            await new Promise<void>((resolve) => closedServer.close(() => resolve()));
            const refused = runWithStandIns(podScript, [], standIns, { env: podEnv(closed) });
            assert.equal(refused.status, 1);
            assert.match(refused.stdout, /CHECK tcp FAIL 127\.0\.0\.1:\d+ does not accept a connection/);
            assert.match(refused.stdout, /CHECK list FAIL skipped/);
            assert.equal(refused.calls.filter((x) => x.command === "aws").length, 0);

            const unresolved = runWithStandIns(podScript, [], standIns, { env: podEnv(open, "minio.minio.svc.cluster.local") });
            assert.equal(unresolved.status, 1);
            assert.match(unresolved.stdout, /CHECK dns FAIL minio\.minio\.svc\.cluster\.local does not resolve/);
        } finally {
            await new Promise<void>((resolve) => server.close(() => resolve()));
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
