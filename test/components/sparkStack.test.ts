import { strict as assert } from "assert";
import { configHashAnnotation, inputsHashAnnotation } from "../../components/kubernetes/rollout";
import { parseSparkDefaults } from "../../components/spark/sparkDefaults";
import { executorTaint, gpuTaint } from "../../components/config/nodeRoles";
import { mockAccountId, mockDigest, RecordedResource, StackRun, unwrapSecrets } from "../../tools/harness";
import { validatedHere, validateK8sObject } from "../support/k8sSchema";
import { inputs, ofType, stackRun, stackRunWith } from "../support";

type Toleration = { key: string; value?: string; effect?: string };
type PodSpec = { containers: { name: string; command?: string[]; args?: string[] }[]; tolerations?: Toleration[]; nodeSelector?: Record<string, string>; serviceAccountName?: string };

const allStacks = ["local", "dev", "staging", "prod"] as const;
const localCidrs = { cluster: { publicAccessCidrs: ["198.51.100.0/24"] } };

function configMap(run: StackRun, name: string): Record<string, string> {
    const cm = ofType(run, "kubernetes:core/v1:ConfigMap").find((r) => (inputs<{ metadata: { name: string } }>(r).metadata.name) === name);
    assert.ok(cm, `ConfigMap ${name}`);
    return inputs<{ data: Record<string, string> }>(cm).data;
}

function sparkConf(run: StackRun, configMapName: string): Record<string, string> {
    return parseSparkDefaults(configMap(run, configMapName)["spark-defaults.conf"]);
}

function podSpecOf(r: RecordedResource): PodSpec {
    return inputs<{ spec: { template: { spec: PodSpec } } }>(r).spec.template.spec;
}

function workload(run: StackRun, kind: "Deployment" | "StatefulSet", name: string): RecordedResource {
    const w = ofType(run, `kubernetes:apps/v1:${kind}`).find((r) => inputs<{ metadata: { name: string } }>(r).metadata.name === name);
    assert.ok(w, `${kind} ${name}`);
    return w;
}

const tolerates = (spec: { tolerations?: Toleration[] }, taint: { key: string }) => (spec.tolerations ?? []).some((t) => t.key === taint.key);

describe("the Spark stack", function () {
    this.timeout(60000);

    for (const stack of allStacks) {
        it(`${stack}: Connect writes event logs where the History Server reads them`, async () => {
            const run = await stackRun(stack);
            const history = sparkConf(run, "spark-history-server-conf");
            for (const version of ["35", "41"]) {
                const connect = sparkConf(run, `spark-connect-${version}-conf`);
                assert.equal(connect["spark.eventLog.enabled"], "true");
                assert.equal(connect["spark.eventLog.dir"], history["spark.history.fs.logDirectory"], version);
            }
            assert.match(history["spark.history.fs.logDirectory"], /^s3a:\/\/[^/]+\/spark-events\/$/);
        });

        it(`${stack}: every Kubernetes object the program writes is valid against the Kubernetes OpenAPI schema`, async () => {
            const run = await stackRun(stack);
            const objects = run.resources.filter((r) => r.custom && validatedHere(r.type));
            assert.ok(objects.length > 10);
            for (const r of objects) {
                const errors = validateK8sObject(unwrapSecrets(r.inputs));
                assert.deepEqual(errors, [], `${r.type} ${r.name}`);
            }
        });
    }

    for (const stack of ["local", "prod"]) {
        it(`${stack}: sizes each Connect server's driver heap to its container, leaving Spark's driver overhead off-heap`, async () => {
            const run = await stackRun(stack);
            for (const name of ["spark-connect-35", "spark-connect-41"]) {
                const limit = (podSpecOf(workload(run, "Deployment", name)).containers[0] as { resources?: { limits?: { memory?: string } } }).resources?.limits?.memory ?? "";
                const limitMiB = Number(/^(\d+)Mi$/.exec(limit)?.[1]);
                const heap = sparkConf(run, `${name}-conf`)["spark.driver.memory"];
                const heapMiB = Number(/^(\d+)m$/.exec(heap ?? "")?.[1]);
                assert.ok(heapMiB >= 0.8 * limitMiB, `${name}: -Xmx ${heap} in a ${limit} container; without it Spark's driver takes 1g`);
                assert.ok(heapMiB + Math.max(384, Math.ceil(0.1 * heapMiB)) <= limitMiB, `${name}: ${heap} heap leaves no room for the driver's off-heap memory in ${limit}`);
            }
        });
    }

    it("runs Connect in the foreground as the Kubernetes driver, reachable through a headless Service", async () => {
        const run = await stackRun("dev");
        const conf = sparkConf(run, "spark-connect-35-conf");
        assert.equal(conf["spark.master"], "k8s://https://kubernetes.default.svc:443");
        assert.equal(conf["spark.driver.host"], "spark-connect-35-driver.spark-jobs.svc.cluster.local");
        const headless = ofType(run, "kubernetes:core/v1:Service").find((s) => inputs<{ metadata: { name: string } }>(s).metadata.name === "spark-connect-35-driver");
        assert.equal(inputs<{ spec: { clusterIP: string } }>(headless!).spec.clusterIP, "None");
        const spec = podSpecOf(workload(run, "Deployment", "spark-connect-35"));
        const command = spec.containers[0].command ?? [];
        assert.equal(command[0], "/opt/spark/bin/spark-submit");
        assert.ok(command.includes("org.apache.spark.sql.connect.service.SparkConnectServer"));
        assert.ok(!command.join(" ").includes("start-connect-server.sh"), "the daemon script would fork away from the container");
        assert.equal(spec.serviceAccountName, "spark");
        const service = ofType(run, "kubernetes:core/v1:Service").find((s) => inputs<{ metadata: { name: string } }>(s).metadata.name === "spark-connect-35")!;
        assert.deepEqual(inputs<{ spec: { ports: { port: number }[] } }>(service).spec.ports.map((p) => p.port), [15002, 4040]);
    });

    it("enables dynamic allocation with shuffle tracking and sizes executors from the executor node group", async () => {
        const conf = sparkConf(await stackRun("prod"), "spark-connect-41-conf");
        assert.equal(conf["spark.dynamicAllocation.enabled"], "true");
        assert.equal(conf["spark.dynamicAllocation.shuffleTracking.enabled"], "true");
        // prod executors run on m6i.4xlarge-shaped nodes: 4 executors of 4 cores fill one.
        assert.equal(conf["spark.executor.cores"], "4");
        assert.ok(Number(conf["spark.executor.memory"].replace(/m$/i, "")) > 12000, conf["spark.executor.memory"]);
    });

    it("gives drivers an API token through the spark service account, and executors none, with time to decommission", async () => {
        const run = await stackRun("prod");
        const sa = ofType(run, "kubernetes:core/v1:ServiceAccount").find((r) => inputs<{ metadata: { name: string; namespace: string } }>(r).metadata.name === "spark")!;
        assert.equal(inputs(sa).automountServiceAccountToken, true);
        const template = JSON.parse(configMap(run, "spark-connect-35-conf")["executor-pod-template.yaml"]) as { spec: { automountServiceAccountToken: boolean; terminationGracePeriodSeconds: number } };
        assert.equal(template.spec.automountServiceAccountToken, false);
        assert.equal(template.spec.terminationGracePeriodSeconds, 120);
    });

    it("puts executors on the spot group through the pod template, and never the Connect driver", async () => {
        const run = await stackRun("prod");
        const template = JSON.parse(configMap(run, "spark-connect-35-conf")["executor-pod-template.yaml"]) as { spec: PodSpec };
        assert.ok(tolerates(template.spec, executorTaint), "executors tolerate the spot taint");
        assert.equal(template.spec.nodeSelector?.["spark-k8s/node-role"], "executor");
        const driver = podSpecOf(workload(run, "Deployment", "spark-connect-35"));
        assert.ok(!tolerates(driver, executorTaint), "the driver does not tolerate spot");
        assert.equal(driver.nodeSelector?.["spark-k8s/node-role"], "driver");
    });

    it("with the gpu preset, puts executors on the GPU group with RAPIDS", async () => {
        const run = await stackRunWith("prod", { spark: { presets: ["gpu"] } });
        const template = JSON.parse(configMap(run, "spark-connect-35-conf")["executor-pod-template.yaml"]) as {
            spec: PodSpec & { containers: { resources: { limits: Record<string, string> }; image: string }[] };
        };
        assert.ok(tolerates(template.spec, gpuTaint));
        assert.equal(template.spec.nodeSelector?.["spark-k8s/node-role"], "gpu");
        assert.equal(template.spec.containers[0].resources.limits["nvidia.com/gpu"], "1");
        assert.match(template.spec.containers[0].image, /spark-rapids/);
        const conf = sparkConf(run, "spark-connect-35-conf");
        assert.equal(conf["spark.plugins"], "com.nvidia.spark.SQLPlugin");
        assert.equal(conf["spark.executor.resource.gpu.amount"], "1");
        // No RAPIDS image exists for 4.1: that line keeps CPU executors rather than failing to start.
        const conf41 = sparkConf(run, "spark-connect-41-conf");
        assert.equal(conf41["spark.plugins"], undefined);
        const template41 = JSON.parse(configMap(run, "spark-connect-41-conf")["executor-pod-template.yaml"]) as { spec: PodSpec & { containers: { image: string }[] } };
        assert.equal(template41.spec.nodeSelector?.["spark-k8s/node-role"], "executor");
        assert.match(template41.spec.containers[0].image, /spark-runtime:4\.1\./);
    });

    it("runs one Connect server per listed line, each on its own image, and the History Server on the newest", async () => {
        const run = await stackRunWith("dev", { ...localCidrs, spark: { versions: ["3.5", "4.1", "4.3"] } });
        const images = Object.fromEntries(
            ["35", "41", "43"].map((v) => [v, podSpecOf(workload(run, "Deployment", `spark-connect-${v}`)).containers.map((c) => (c as { image?: string }).image)]),
        );
        // Each tag in the stack's own ECR repositories deploys as the digest the registry holds for it.
        const ecr = `${mockAccountId}.dkr.ecr.eu-west-1.amazonaws.com`;
        const deployed = (tag: string) => `${ecr}/spark-dev/spark-k8s/spark-runtime:${tag}@${mockDigest(`spark-dev/spark-k8s/spark-runtime:${tag}`)}`;
        assert.deepEqual(images, { 35: [deployed("3.5.9-p3")], 41: [deployed("4.1.4-p3")], 43: [deployed("4.3.0-p3")] });
        const history = podSpecOf(workload(run, "Deployment", "spark-history-server")).containers.map((c) => (c as { image?: string }).image);
        assert.deepEqual(history, [deployed("4.3.0-p3")]);
        const conf43 = sparkConf(run, "spark-connect-43-conf");
        assert.equal(conf43["spark.hadoop.fs.s3a.aws.credentials.provider"], "org.apache.hadoop.fs.s3a.auth.IAMInstanceCredentialsProvider");
        assert.equal(conf43["spark.driver.host"], "spark-connect-43-driver.spark-jobs.svc.cluster.local");
        const defaults = await stackRun("dev");
        assert.equal(ofType(defaults, "kubernetes:apps/v1:Deployment").some((d) => inputs<{ metadata: { name: string } }>(d).metadata.name === "spark-connect-43"), false, "4.3 runs only when listed");
    });

    for (const stack of ["local", "prod"]) {
        it(`${stack}: every Kubernetes object sits under the one SparkPlatform component, the cluster-autoscaler included, none at the stack root`, async () => {
            const run = await stackRun(stack);
            const platforms = ofType(run, "spark-k8s:platform:SparkPlatform");
            assert.equal(platforms.length, 1);
            const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
            const underPlatform = (r: RecordedResource): boolean => {
                for (let p = r.parent; p; p = byUrn.get(p)?.parent ?? null) if (p === platforms[0].urn) return true;
                return false;
            };
            const kubernetes = run.resources.filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers:"));
            assert.ok(kubernetes.length > 20);
            // The one exception: the EKS cluster's default StorageClass, which belongs to its EBS CSI driver.
            const outside = kubernetes.filter((r) => !underPlatform(r)).map((r) => `${r.type} ${byUrn.get(r.parent ?? "")?.type ?? "(root)"}`);
            assert.deepEqual(outside, stack === "prod" ? ["kubernetes:storage.k8s.io/v1:StorageClass spark-k8s:aws:EksCluster"] : []);
            const components = run.resources.filter((r) => !r.custom && r.type.startsWith("spark-k8s:") && r !== platforms[0]);
            // The base's own components: AWS, and the generated credentials both sides receive.
            const baseOwned = (t: string) => t.startsWith("spark-k8s:aws:") || t === "spark-k8s:services:GeneratedCredentials";
            for (const r of components.filter((c) => !baseOwned(c.type))) assert.ok(underPlatform(r), `${r.type} ${r.name} is not under the SparkPlatform`);
            const autoscaler = ofType(run, "spark-k8s:services:ClusterAutoscaler");
            assert.equal(autoscaler.length, stack === "prod" ? 1 : 0, "the autoscaler runs where the base has node groups to scale");
            if (autoscaler.length) assert.equal(autoscaler[0].parent, platforms[0].urn);
        });
    }

    describe("roll-on-change", () => {
        type Template = { metadata: { annotations?: Record<string, string> }; spec: { volumes?: { configMap?: { name: string }; secret?: unknown }[]; containers: { env?: { valueFrom?: { secretKeyRef?: unknown } }[]; envFrom?: { secretRef?: unknown }[] }[] } };
        type Workload = { metadata: { name: string; namespace: string }; spec: { template: Template } };
        const composed = { spark: { scenarios: ["jupyter-connect-k8s", "airflow-connect-standalone"] } };
        const workloads = (run: StackRun) =>
            ["Deployment", "StatefulSet"].flatMap((k) => ofType(run, `kubernetes:apps/v1:${k}`)).map((r) => inputs<Workload>(r));
        const configMaps = (run: StackRun) =>
            new Map(ofType(run, "kubernetes:core/v1:ConfigMap").map((r) => inputs<{ metadata: { name: string; namespace: string }; data?: Record<string, string> }>(r)).map((c) => [`${c.metadata.namespace}/${c.metadata.name}`, JSON.stringify(c.data)]));

        it("every workload that mounts generated configuration or reads credentials carries a hash of them", async () => {
            const run = await stackRunWith("local", composed);
            const names = configMaps(run);
            let checked = 0;
            for (const w of workloads(run)) {
                const t = w.spec.template;
                const annotations = t.metadata.annotations ?? {};
                const mountsConfig = (t.spec.volumes ?? []).some((v) => v.configMap && names.has(`${w.metadata.namespace}/${v.configMap.name}`));
                const readsSecrets = (t.spec.volumes ?? []).some((v) => v.secret) || t.spec.containers.some((c) => (c.env ?? []).some((e) => e.valueFrom?.secretKeyRef) || (c.envFrom ?? []).some((e) => e.secretRef));
                if (!mountsConfig && !readsSecrets) continue;
                checked++;
                assert.ok(annotations[configHashAnnotation] ?? annotations[inputsHashAnnotation], `${w.metadata.name}: no roll-on-change hash`);
                if (readsSecrets) assert.ok(annotations[inputsHashAnnotation], `${w.metadata.name} reads Secrets but carries no ${inputsHashAnnotation}`);
            }
            assert.ok(checked >= 8, `only ${checked} workloads checked`);
        });

        it("every workload restarts when the configuration it mounts changes (Connect on both backends, the standalone master and workers among them)", async () => {
            const before = await stackRunWith("local", composed);
            const after = await stackRunWith("local", { spark: { ...composed.spark, dynamicAllocation: { maxExecutors: 3 }, standalone: { workerCores: 3 } } });
            const [mapsBefore, mapsAfter] = [configMaps(before), configMaps(after)];
            const byName = (run: StackRun) => new Map(workloads(run).map((w) => [w.metadata.name, w]));
            const [b, a] = [byName(before), byName(after)];
            const changed: string[] = [];
            for (const [name, w] of b) {
                const mounted = (w.spec.template.spec.volumes ?? []).flatMap((v) => (v.configMap ? [`${w.metadata.namespace}/${v.configMap.name}`] : []));
                const differs = mounted.some((m) => mapsBefore.get(m) !== mapsAfter.get(m));
                const hash = (x: Workload | undefined) => x?.spec.template.metadata.annotations?.[configHashAnnotation] ?? x?.spec.template.metadata.annotations?.[inputsHashAnnotation];
                if (differs) {
                    changed.push(name);
                    assert.notEqual(hash(a.get(name)), hash(w), `${name}: its configuration changed but its pods would not restart`);
                }
            }
            for (const name of ["spark-connect-35", "spark-connect-35-standalone", "spark-master-35", "spark-worker-35"]) assert.ok(changed.includes(name), `${name} did not see a change: ${changed.join(", ")}`);
        });
    });

    it("the standalone backend runs a master and workers per line, and Connect submits to the master", async () => {
        const run = await stackRunWith("dev", { ...localCidrs, spark: { scenarios: ["jupyter-connect-standalone"] } });
        const master = podSpecOf(workload(run, "StatefulSet", "spark-master-35"));
        const jobsNamespace = ofType(run, "kubernetes:core/v1:Namespace").find((n) => inputs<{ metadata: { name: string } }>(n).metadata.name === "spark-jobs")!;
        for (const [kind, name] of [["StatefulSet", "spark-master-35"], ["Deployment", "spark-worker-35"]] as const) {
            assert.ok(workload(run, kind, name).dependencies.includes(jobsNamespace.urn), `${name} does not wait for its namespace`);
        }
        assert.ok(master.containers[0].args?.includes("spark-master-35-0.spark-master-35.spark-jobs.svc.cluster.local"));
        const worker = podSpecOf(workload(run, "Deployment", "spark-worker-35"));
        assert.ok(tolerates(worker, executorTaint), "workers host executors on the spot group");
        assert.equal(worker.serviceAccountName, "spark", "workers' executors reach the buckets through the spark identity");
        const conf = sparkConf(run, "spark-connect-35-standalone-conf");
        assert.equal(conf["spark.master"], "spark://spark-master-35-0.spark-master-35.spark-jobs.svc.cluster.local:7077");
        assert.equal(conf["spark.driver.host"], "spark-connect-35-standalone-driver.spark-jobs.svc.cluster.local");
        assert.equal(configMap(run, "spark-connect-35-standalone-conf")["executor-pod-template.yaml"], undefined);
    });

    it("with both backends listed, each line runs a Connect server on Kubernetes executors and one on its standalone cluster, side by side", async () => {
        const run = await stackRunWith("dev", { ...localCidrs, spark: { scenarios: ["jupyter-connect-k8s", "airflow-connect-standalone"] } });
        for (const line of ["35", "41"]) {
            const k8sConf = sparkConf(run, `spark-connect-${line}-conf`);
            const standaloneConf = sparkConf(run, `spark-connect-${line}-standalone-conf`);
            assert.match(k8sConf["spark.master"], /^k8s:\/\//);
            assert.equal(standaloneConf["spark.master"], `spark://spark-master-${line}-0.spark-master-${line}.spark-jobs.svc.cluster.local:7077`);
            assert.notEqual(k8sConf["spark.driver.host"], standaloneConf["spark.driver.host"], "each server's executors reach their own driver");
            assert.ok(configMap(run, `spark-connect-${line}-conf`)["executor-pod-template.yaml"]);
            // The standalone workers run the line's conf with the master, not the k8s server's.
            assert.equal(sparkConf(run, `spark-master-${line}-conf`)["spark.master"], standaloneConf["spark.master"]);
        }
        const selectors = ofType(run, "kubernetes:core/v1:Service")
            .map((r) => inputs<{ metadata: { name: string }; spec: { selector?: Record<string, string> } }>(r))
            .filter((svc) => svc.metadata.name.startsWith("spark-connect-"))
            .map((svc) => JSON.stringify(svc.spec.selector));
        assert.equal(new Set(selectors).size * 2, selectors.length, "each server's two Services select its pods only");
    });

    it("the local stack creates no AWS resource and reaches MinIO with path-style S3A", async () => {
        const run = await stackRun("local");
        assert.deepEqual(run.resources.filter((r) => r.type.startsWith("aws:") || r.type.startsWith("pulumi:providers:aws")), []);
        const conf = sparkConf(run, "spark-connect-35-conf");
        assert.equal(conf["spark.hadoop.fs.s3a.endpoint"], "http://minio.minio.svc.cluster.local:9000");
        assert.equal(conf["spark.hadoop.fs.s3a.path.style.access"], "true");
    });

    it("on MinIO, Connect and the History Server restart when the MinIO credentials change", async () => {
        const annotationsOf = (run: StackRun, name: string) =>
            inputs<{ spec: { template: { metadata: { annotations?: Record<string, unknown> } } } }>(workload(run, "Deployment", name)).spec.template.metadata.annotations ?? {};
        const local = await stackRun("local");
        for (const name of ["spark-connect-35", "spark-history-server"]) {
            const hash = annotationsOf(local, name)["spark-k8s/inputs-hash"];
            assert.match(String(hash), /^[0-9a-f]{32}$/, `${name}: a plain (non-secret) hash, so the spec stays reviewable`);
        }
        assert.equal(annotationsOf(await stackRun("prod"), "spark-connect-35")["spark-k8s/inputs-hash"], undefined, "S3 needs no credentials");
    });

    it("AWS stacks reach S3 through Pod Identity, with no endpoint override and no keys", async () => {
        const run = await stackRun("prod");
        const conf = sparkConf(run, "spark-connect-35-conf");
        assert.equal(conf["spark.hadoop.fs.s3a.endpoint"], undefined);
        assert.ok(!JSON.stringify(podSpecOf(workload(run, "Deployment", "spark-connect-35"))).includes("AWS_SECRET_ACCESS_KEY"));
    });
});
