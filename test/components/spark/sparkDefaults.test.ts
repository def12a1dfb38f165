import { strict as assert } from "assert";
import {
    eventLogDir,
    hadoopAwsProfiles,
    parseSparkDefaults,
    renderSparkDefaults,
    SparkConfInput,
    sparkDefaults,
} from "../../../components/spark/sparkDefaults";
import { icebergRuntimeLines, sparkVersions } from "../../../components/config/schema";
import { unknownKeys } from "../../../components/spark/sparkKeys";

type Presets = SparkConfInput["presets"];
type IcebergPreset = NonNullable<Presets["iceberg"]>;

function input(overrides: Partial<SparkConfInput> = {}): SparkConfInput {
    return {
        version: "3.5",
        backend: "k8s",
        storage: { kind: "s3", region: "eu-west-1" },
        warehouseBucket: "spark-prod-warehouse",
        eventLogBucket: "spark-prod-event-logs",
        eventLogPrefix: "spark-events/",
        kubernetes: {
            namespace: "spark-jobs",
            serviceAccount: "spark",
            image: "ghcr.io/example/spark:3.5.6-1",
            executorPodTemplateFile: "/opt/spark/conf/executor-pod-template.yaml",
        },
        executor: { cores: 4, requestCoresMillis: 3885, memoryMiB: 12974, memoryOverheadMiB: 1298 },
        dynamicAllocation: { minExecutors: 1, maxExecutors: 40, initialExecutors: 2, executorIdleTimeoutSeconds: 120, shuffleTracking: true },
        metastoreUri: "thrift://hive-metastore.spark.svc:9083",
        presets: {},
        ...overrides,
    };
}

const minio: SparkConfInput["storage"] = { kind: "minio", endpoint: "http://minio.spark.svc:9000" };
const icebergOf = (catalogType: IcebergPreset["catalogType"]): IcebergPreset => ({
    catalogName: "lake",
    catalogType,
    warehouse: "s3a://spark-prod-warehouse/iceberg",
    ...(catalogType === "rest" ? { restUri: "http://iceberg-rest.spark.svc:8181" } : {}),
});

function* combinations(): Generator<SparkConfInput> {
    const icebergs: (IcebergPreset | undefined)[] = [undefined, icebergOf("hive"), icebergOf("glue"), icebergOf("rest")];
    for (const version of sparkVersions) {
        for (const backend of ["k8s", "standalone"] as const) {
            for (const storage of [{ kind: "s3", region: "us-east-1" } as const, minio]) {
                for (const gpu of [undefined, { gpusPerExecutor: 1, discoveryScript: "/opt/sparkRapidsPlugin/getGpusResources.sh" }]) {
                    for (const iceberg of icebergs) {
                        for (const costOptimized of [false, true]) {
                            if (iceberg?.catalogType === "glue" && storage.kind === "minio") continue;
                            if (iceberg && !icebergRuntimeLines.includes(version)) continue;
                            yield input({
                                version,
                                backend,
                                storage,
                                ...(backend === "standalone" ? { standaloneMasterUrl: "spark://spark-master.spark.svc:7077" } : {}),
                                kubernetes: {
                                    ...input().kubernetes,
                                    ...(backend === "k8s" ? { driverHost: "connect-driver.spark.svc", driverPort: 7078, blockManagerPort: 7079 } : {}),
                                },
                                presets: { gpu, iceberg, costOptimized },
                            });
                        }
                    }
                }
            }
        }
    }
}

describe("sparkDefaults: every combination", () => {
    const all = [...combinations()];

    it("covers version × backend × storage × presets", () => {
        // Per backend: storage × gpu × iceberg (none, hive, glue, rest) × cost, less glue on MinIO;
        // lines without an Iceberg runtime only have "none".
        const withIceberg = 2 * (2 * 2 * 4 * 2 - 2 * 2);
        const withoutIceberg = 2 * (2 * 2 * 1 * 2);
        assert.equal(all.length, icebergRuntimeLines.length * withIceberg + (sparkVersions.length - icebergRuntimeLines.length) * withoutIceberg);
        assert.deepEqual([...new Set(all.map((c) => c.version))], [...sparkVersions]);
    });

    it("emits only keys in the reference set for the version", () => {
        for (const conf of all) {
            const unknown = unknownKeys(Object.keys(sparkDefaults(conf)), conf.version);
            assert.deepEqual(unknown, [], `${conf.version}/${conf.backend}/${conf.storage.kind}/${JSON.stringify(conf.presets)}`);
        }
    });

    it("emits only non-empty string values", () => {
        for (const conf of all) {
            for (const [key, value] of Object.entries(sparkDefaults(conf))) assert.ok(typeof value === "string" && value.length > 0, key);
        }
    });

    it("always sets the event log, metrics, magic committer and executor keys", () => {
        for (const conf of all) {
            const out = sparkDefaults(conf);
            assert.equal(out["spark.eventLog.enabled"], "true");
            assert.equal(out["spark.eventLog.dir"], `s3a://${conf.eventLogBucket}/${conf.eventLogPrefix}`);
            assert.equal(out["spark.ui.prometheus.enabled"], "true");
            assert.equal(out["spark.metrics.conf.*.sink.prometheusServlet.class"], "org.apache.spark.metrics.sink.PrometheusServlet");
            assert.equal(out["spark.hadoop.fs.s3a.committer.name"], "magic");
            assert.equal(out["spark.sql.sources.commitProtocolClass"], "org.apache.spark.internal.io.cloud.PathOutputCommitProtocol");
            assert.equal(out["spark.sql.parquet.output.committer.class"], "org.apache.spark.internal.io.cloud.BindingParquetOutputCommitter");
            assert.equal(out["spark.executor.memory"], "12974m");
            assert.equal(out["spark.executor.memoryOverhead"], "1298m");
            assert.equal(out["spark.executor.cores"], "4");
        }
    });

    it("keeps shuffle tracking on for dynamic allocation on Kubernetes", () => {
        for (const conf of all.filter((c) => c.backend === "k8s")) {
            const out = sparkDefaults(conf);
            assert.equal(out["spark.dynamicAllocation.enabled"], "true");
            assert.equal(out["spark.dynamicAllocation.shuffleTracking.enabled"], "true");
            assert.equal(out["spark.shuffle.service.enabled"], undefined);
        }
    });
});

describe("sparkDefaults: backends", () => {
    it("points Kubernetes at the in-cluster API with the namespace, account, image and template", () => {
        const out = sparkDefaults(input({ kubernetes: { ...input().kubernetes, driverHost: "connect.spark.svc", driverPort: 7078, blockManagerPort: 7079 } }));
        assert.equal(out["spark.master"], "k8s://https://kubernetes.default.svc:443");
        assert.equal(out["spark.kubernetes.namespace"], "spark-jobs");
        assert.equal(out["spark.kubernetes.authenticate.driver.serviceAccountName"], "spark");
        assert.equal(out["spark.kubernetes.authenticate.executor.serviceAccountName"], "spark");
        assert.equal(out["spark.kubernetes.container.image"], "ghcr.io/example/spark:3.5.6-1");
        assert.equal(out["spark.kubernetes.executor.podTemplateFile"], "/opt/spark/conf/executor-pod-template.yaml");
        assert.equal(out["spark.kubernetes.executor.request.cores"], "3885m");
        assert.equal(out["spark.driver.host"], "connect.spark.svc");
        assert.equal(out["spark.driver.bindAddress"], "0.0.0.0");
        assert.equal(out["spark.driver.port"], "7078");
        assert.equal(out["spark.driver.blockManager.port"], "7079");
        const bare = sparkDefaults(input({ executor: { cores: 2, memoryMiB: 2048, memoryOverheadMiB: 384 } }));
        for (const key of ["spark.driver.host", "spark.driver.port", "spark.driver.blockManager.port", "spark.kubernetes.executor.request.cores"]) {
            assert.equal(bare[key], undefined, key);
        }
    });

    it("refuses dynamic allocation on Kubernetes without shuffle tracking", () => {
        const da = { ...input().dynamicAllocation, shuffleTracking: false };
        assert.throws(() => sparkDefaults(input({ dynamicAllocation: da })), /dynamic allocation on Kubernetes needs dynamicAllocation\.shuffleTracking/);
    });

    it("gives standalone its master URL and no spark.kubernetes keys", () => {
        const out = sparkDefaults(input({ backend: "standalone", standaloneMasterUrl: "spark://spark-master.spark.svc:7077", presets: { gpu: { gpusPerExecutor: 1, discoveryScript: "/opt/x.sh" } } }));
        assert.equal(out["spark.master"], "spark://spark-master.spark.svc:7077");
        assert.deepEqual(Object.keys(out).filter((k) => k.startsWith("spark.kubernetes.")), []);
        assert.equal(out["spark.executor.resource.gpu.vendor"], undefined, "the vendor key is Kubernetes-only");
        const da = { ...input().dynamicAllocation, shuffleTracking: false };
        const withService = sparkDefaults(input({ backend: "standalone", standaloneMasterUrl: "spark://m:7077", dynamicAllocation: da }));
        assert.equal(withService["spark.shuffle.service.enabled"], "true", "without tracking, the workers' shuffle service keeps shuffle files");
        assert.throws(() => sparkDefaults(input({ backend: "standalone" })), /standaloneMasterUrl/);
        assert.throws(() => sparkDefaults(input({ standaloneMasterUrl: "spark://m:7077" })), /only to the standalone backend/);
    });
});

describe("sparkDefaults: storage", () => {
    for (const version of sparkVersions) {
        it(`${version}: S3 uses Pod Identity through Hadoop's container provider and sets no endpoint`, () => {
            const out = sparkDefaults(input({ version }));
            assert.equal(out["spark.hadoop.fs.s3a.impl"], "org.apache.hadoop.fs.s3a.S3AFileSystem");
            assert.equal(out["spark.hadoop.fs.s3a.aws.credentials.provider"], "org.apache.hadoop.fs.s3a.auth.IAMInstanceCredentialsProvider");
            assert.equal(out["spark.hadoop.fs.s3a.endpoint.region"], "eu-west-1");
            for (const key of ["spark.hadoop.fs.s3a.endpoint", "spark.hadoop.fs.s3a.path.style.access", "spark.hadoop.fs.s3a.connection.ssl.enabled"]) {
                assert.equal(out[key], undefined, key);
            }
        });

        it(`${version}: MinIO sets endpoint, path style, plain HTTP and environment credentials`, () => {
            const out = sparkDefaults(input({ version, storage: minio }));
            assert.equal(out["spark.hadoop.fs.s3a.endpoint"], "http://minio.spark.svc:9000");
            assert.equal(out["spark.hadoop.fs.s3a.path.style.access"], "true");
            assert.equal(out["spark.hadoop.fs.s3a.connection.ssl.enabled"], "false");
            assert.ok(out["spark.hadoop.fs.s3a.endpoint.region"], "SDK v4 signing needs a region");
            const provider = out["spark.hadoop.fs.s3a.aws.credentials.provider"];
            assert.equal(provider, hadoopAwsProfiles[version].environmentCredentialsProvider);
            assert.ok(!/IAMInstance|Container|WebIdentity/.test(provider), provider);
        });
    }

    it("picks the SDK v1 provider for Spark 3.5 (Hadoop 3.3.4) and v2 for 4.1 (Hadoop 3.4.2) and 4.3 (Hadoop 3.5.0)", () => {
        const provider = (version: (typeof sparkVersions)[number]) => sparkDefaults(input({ version, storage: minio }))["spark.hadoop.fs.s3a.aws.credentials.provider"];
        assert.match(provider("3.5"), /^com\.amazonaws\.auth\./);
        assert.match(provider("4.1"), /^software\.amazon\.awssdk\.auth\./);
        assert.match(provider("4.3"), /^software\.amazon\.awssdk\.auth\./);
        assert.deepEqual(sparkVersions.map((v) => [v, hadoopAwsProfiles[v].hadoopVersion, hadoopAwsProfiles[v].awsSdk]), [
            ["3.5", "3.3.4", "v1"],
            ["4.1", "3.4.2", "v2"],
            ["4.3", "3.5.0", "v2"],
        ]);
    });

    it("uses TLS for an https MinIO endpoint and refuses malformed storage", () => {
        const out = sparkDefaults(input({ storage: { kind: "minio", endpoint: "https://minio.example.com/" } }));
        assert.equal(out["spark.hadoop.fs.s3a.connection.ssl.enabled"], "true");
        assert.equal(out["spark.hadoop.fs.s3a.endpoint"], "https://minio.example.com");
        assert.throws(() => sparkDefaults(input({ storage: { kind: "minio", endpoint: "minio:9000" } })), /http\(s\)/);
        assert.throws(() => sparkDefaults(input({ storage: { kind: "s3", region: "Ireland" } })), /AWS region/);
    });

    it("writes event logs to s3a://bucket/prefix and refuses a prefix without a trailing slash", () => {
        assert.equal(sparkDefaults(input())["spark.eventLog.dir"], "s3a://spark-prod-event-logs/spark-events/");
        assert.equal(eventLogDir("b", "p/"), "s3a://b/p/");
        assert.throws(() => sparkDefaults(input({ eventLogPrefix: "spark-events" })), /eventLogPrefix/);
        assert.throws(() => sparkDefaults(input({ eventLogBucket: "Bad_Bucket" })), /eventLogBucket/);
    });

    it("reports every problem at once", () => {
        const err = (() => {
            try {
                sparkDefaults(input({ eventLogPrefix: "x", warehouseBucket: "B", executor: { cores: 0, memoryMiB: 10, memoryOverheadMiB: 384 } }));
            } catch (e) {
                return (e as Error).message;
            }
            return "";
        })();
        for (const field of ["eventLogPrefix", "warehouseBucket", "executor.cores", "executor.memoryMiB"]) assert.ok(err.includes(field), field);
    });
});

describe("sparkDefaults: presets", () => {
    it("gpu: RAPIDS plugin, GPU amounts, discovery script and vendor", () => {
        const out = sparkDefaults(input({ presets: { gpu: { gpusPerExecutor: 1, discoveryScript: "/opt/sparkRapidsPlugin/getGpusResources.sh" } } }));
        assert.equal(out["spark.plugins"], "com.nvidia.spark.SQLPlugin");
        assert.equal(out["spark.executor.resource.gpu.amount"], "1");
        assert.equal(out["spark.executor.resource.gpu.discoveryScript"], "/opt/sparkRapidsPlugin/getGpusResources.sh");
        assert.equal(out["spark.executor.resource.gpu.vendor"], "nvidia.com");
        assert.equal(out["spark.task.resource.gpu.amount"], "0.25", "four task slots share one GPU");
        assert.equal(out["spark.rapids.sql.enabled"], "true");
        assert.equal(out["spark.rapids.sql.concurrentGpuTasks"], "2");
        const three = sparkDefaults(input({ executor: { ...input().executor, cores: 3 }, presets: { gpu: { gpusPerExecutor: 1, discoveryScript: "/d.sh" } } }));
        assert.ok(Math.floor(1 / Number(three["spark.task.resource.gpu.amount"])) >= 3, "Spark floors 1/amount into slots");
        assert.throws(() => sparkDefaults(input({ executor: { ...input().executor, cores: 2 }, presets: { gpu: { gpusPerExecutor: 3, discoveryScript: "/d.sh" } } })), /GPU per task/);
        const none = sparkDefaults(input());
        assert.equal(none["spark.plugins"], undefined);
        assert.equal(none["spark.executor.resource.gpu.amount"], undefined);
    });

    it("iceberg: hive, glue and rest catalogs differ as they should", () => {
        const c = "spark.sql.catalog.lake";
        const hive = sparkDefaults(input({ presets: { iceberg: icebergOf("hive") } }));
        const glue = sparkDefaults(input({ presets: { iceberg: icebergOf("glue") } }));
        const rest = sparkDefaults(input({ presets: { iceberg: icebergOf("rest") } }));
        for (const out of [hive, glue, rest]) {
            assert.equal(out["spark.sql.extensions"], "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions");
            assert.equal(out[c], "org.apache.iceberg.spark.SparkCatalog");
            assert.equal(out[`${c}.warehouse`], "s3a://spark-prod-warehouse/iceberg");
            assert.equal(out[`${c}.io-impl`], "org.apache.iceberg.aws.s3.S3FileIO");
        }
        assert.equal(hive[`${c}.type`], "hive");
        assert.equal(hive[`${c}.uri`], "thrift://hive-metastore.spark.svc:9083");
        assert.equal(hive[`${c}.catalog-impl`], undefined);
        assert.equal(glue[`${c}.type`], undefined);
        assert.equal(glue[`${c}.catalog-impl`], "org.apache.iceberg.aws.glue.GlueCatalog");
        assert.equal(glue[`${c}.uri`], undefined);
        assert.equal(rest[`${c}.type`], "rest");
        assert.equal(rest[`${c}.uri`], "http://iceberg-rest.spark.svc:8181");
        const onMinio = sparkDefaults(input({ storage: minio, presets: { iceberg: icebergOf("rest") } }));
        assert.equal(onMinio[`${c}.io-impl`], "org.apache.iceberg.hadoop.HadoopFileIO", "MinIO goes through S3A's endpoint and credentials");
        assert.equal(onMinio[`${c}.client.region`], undefined);
    });

    it("iceberg: refuses incomplete catalogs with a clear message", () => {
        const rest: IcebergPreset = { catalogName: "lake", catalogType: "rest", warehouse: "s3a://w/iceberg" };
        assert.throws(() => sparkDefaults(input({ presets: { iceberg: rest } })), /catalogType "rest" requires restUri/);
        assert.throws(() => sparkDefaults(input({ metastoreUri: undefined, presets: { iceberg: icebergOf("hive") } })), /catalogType "hive" requires metastoreUri/);
        assert.throws(() => sparkDefaults(input({ storage: minio, presets: { iceberg: icebergOf("glue") } })), /"glue" needs AWS/);
        assert.throws(() => sparkDefaults(input({ presets: { iceberg: { ...icebergOf("hive"), catalogName: "spark_catalog" } } })), /catalogName/);
        assert.throws(() => sparkDefaults(input({ presets: { iceberg: { ...icebergOf("hive"), warehouse: "s3://w/x" } } })), /s3a:\/\//);
        assert.throws(() => sparkDefaults(input({ version: "4.3", presets: { iceberg: icebergOf("hive") } })), /Iceberg ships no Spark runtime for Spark 4\.3 \(only 3\.5, 4\.1\)/);
        sparkDefaults(input({ version: "4.1", presets: { iceberg: icebergOf("hive") } }));
    });

    it("cost-optimized: scales to zero quickly and decommissions gracefully", () => {
        const out = sparkDefaults(input({ presets: { costOptimized: true } }));
        assert.equal(out["spark.dynamicAllocation.minExecutors"], "0");
        assert.equal(out["spark.dynamicAllocation.executorIdleTimeout"], "30s");
        assert.equal(out["spark.decommission.enabled"], "true");
        assert.equal(out["spark.storage.decommission.enabled"], "true");
        assert.equal(out["spark.storage.decommission.shuffleBlocks.enabled"], "true");
        assert.equal(out["spark.storage.decommission.rddBlocks.enabled"], "true");
        assert.equal(out["spark.storage.decommission.fallbackStorage.path"], "s3a://spark-prod-warehouse/spark-decommission-fallback/");
        const plain = sparkDefaults(input());
        assert.equal(plain["spark.dynamicAllocation.minExecutors"], "1");
        assert.equal(plain["spark.dynamicAllocation.initialExecutors"], "2");
        assert.equal(plain["spark.dynamicAllocation.executorIdleTimeout"], "120s");
        assert.equal(plain["spark.decommission.enabled"], undefined);
    });

    it("refuses inconsistent dynamic allocation bounds", () => {
        const da = input().dynamicAllocation;
        assert.throws(() => sparkDefaults(input({ dynamicAllocation: { ...da, minExecutors: 5, maxExecutors: 2 } })), /maxExecutors/);
        assert.throws(() => sparkDefaults(input({ dynamicAllocation: { ...da, initialExecutors: 99 } })), /initialExecutors/);
    });

    it("refuses unpinned images", () => {
        for (const image of ["spark", "spark:latest", "ghcr.io/x/spark"]) {
            assert.throws(() => sparkDefaults(input({ kubernetes: { ...input().kubernetes, image } })), /pinned/, image);
        }
        sparkDefaults(input({ kubernetes: { ...input().kubernetes, image: `ghcr.io/x/spark@sha256:${"a".repeat(64)}` } }));
    });
});

describe("renderSparkDefaults", () => {
    it("writes sorted key value lines that read back to the same configuration", () => {
        for (const version of sparkVersions) {
            const iceberg = icebergRuntimeLines.includes(version) ? icebergOf("rest") : undefined;
            const conf = sparkDefaults(input({ version, presets: { iceberg, costOptimized: true } }));
            const text = renderSparkDefaults(conf);
            const keys = text.trimEnd().split("\n").map((line) => line.split(" ")[0]);
            assert.deepEqual(keys, [...keys].sort());
            assert.equal(keys.length, Object.keys(conf).length);
            assert.ok(text.endsWith("\n"));
            assert.deepEqual(parseSparkDefaults(text), conf);
        }
    });

    it("escapes what java.util.Properties would otherwise change", () => {
        const conf = { "spark.a": "C:\\temp\\new", "spark.b": "  leading", "spark.c": "=x:y", "spark.d": "" , "spark.e": "${spark.app.name}" };
        const text = renderSparkDefaults(conf);
        assert.ok(text.includes("spark.a C:\\\\temp\\\\new\n"));
        assert.deepEqual(parseSparkDefaults(text), conf);
        assert.throws(() => renderSparkDefaults({ "spark.x": "a\nb" }), /line break/);
        assert.throws(() => renderSparkDefaults({ "spark x": "a" }), /cannot write key/);
    });

    it("reads comments, blank lines and = separators", () => {
        assert.deepEqual(parseSparkDefaults("# c\n\n! c\nspark.a=1\nspark.b   2\n"), { "spark.a": "1", "spark.b": "2" });
    });
});
