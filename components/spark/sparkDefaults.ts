/**
 * The complete Spark configuration for one Spark version, backend and storage, as a pure function
 * of typed input. Every key it emits is listed in sparkKeys.ts; docs/spark-configuration.md says
 * what each group does and why.
 */
import { icebergRuntimeLines, SparkVersion, sparkVersions } from "../config/schema";
import { minExecutorMemoryMiB } from "./sizing";
import { isPinnedImage } from "../config/imageRef";

export type { SparkVersion } from "../config/schema";

/** Everything sparkDefaults needs; the stack-specific values come from the platform's config. */
export interface SparkConfInput {
    /** Spark line the configuration is for; it picks the S3A credential providers (HadoopAwsProfile). */
    version: SparkVersion;
    /** Where executors run: Kubernetes pods, or the standalone cluster at standaloneMasterUrl. */
    backend: "k8s" | "standalone";
    /** s3: AWS with credentials from EKS Pod Identity; minio: endpoint + path-style + env-var credentials. */
    storage: { kind: "s3"; region: string } | { kind: "minio"; endpoint: string };
    /** Bucket of spark.sql.warehouse.dir, and of the cost-optimized preset's shuffle fallback. */
    warehouseBucket: string;
    /** Bucket the event logs are written to (spark.eventLog.dir). */
    eventLogBucket: string;
    /** Key prefix of the event logs inside eventLogBucket; ends with "/". */
    eventLogPrefix: string;
    /** Driver and executor pod settings (k8s backend); on standalone only the driver address is read. */
    kubernetes: {
        namespace: string;
        serviceAccount: string;
        /** Pinned by tag or digest. */
        image: string;
        /** Path of the executor pod template inside the driver's container. */
        executorPodTemplateFile: string;
        /** Set for client-mode drivers (Spark Connect, notebooks): the Service name executors reach the driver at. */
        driverHost?: string;
        driverPort?: number;
        blockManagerPort?: number;
    };
    /** spark://host:7077 (or a comma-separated HA list) when backend is standalone. */
    standaloneMasterUrl?: string;
    /** Executor cores, CPU request (millicores), heap and overhead (MiB); an ExecutorSizing fits. */
    executor: { cores: number; requestCoresMillis?: number; memoryMiB: number; memoryOverheadMiB: number };
    /** Executor count bounds and idle timeout; on Kubernetes shuffleTracking must be true. */
    dynamicAllocation: {
        minExecutors: number;
        maxExecutors: number;
        initialExecutors?: number;
        executorIdleTimeoutSeconds: number;
        shuffleTracking: boolean;
    };
    /** thrift://hive-metastore.<ns>.svc:9083 */
    metastoreUri?: string;
    /** Settings of the listed presets: RAPIDS on GPUs, an Iceberg catalog, cost-optimized scaling. */
    presets: {
        gpu?: { gpusPerExecutor: number; discoveryScript: string; rapidsPluginClass?: string };
        iceberg?: { catalogName: string; catalogType: "hive" | "glue" | "rest"; restUri?: string; warehouse: string };
        costOptimized?: boolean;
    };
}

/** The class names that differ with the Hadoop line (and so the AWS SDK) each Spark version ships. */
export interface HadoopAwsProfile {
    /** The Hadoop inside the Spark distribution (hadoop-client-api-<version>.jar): SPARK<NN>_HADOOP_VERSION of images/versions.env. */
    hadoopVersion: string;
    /** AWS SDK major version of that Hadoop's hadoop-aws: v1 on Hadoop 3.3, v2 from 3.4. */
    awsSdk: "v1" | "v2";
    /** Reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY: MinIO credentials. */
    environmentCredentialsProvider: string;
    /**
     * Hadoop's container/instance provider: the SDK's container credentials provider first (EKS
     * Pod Identity sets AWS_CONTAINER_CREDENTIALS_FULL_URI and the token file), then IMDS, which
     * pods cannot reach (hop limit 1). The SDK must support Pod Identity: v1 ≥ 1.12.746, v2 ≥ 2.21.30.
     */
    podIdentityCredentialsProvider: string;
}

export const hadoopAwsProfiles: Readonly<Record<SparkVersion, HadoopAwsProfile>> = {
    "3.5": {
        hadoopVersion: "3.3.4",
        awsSdk: "v1",
        environmentCredentialsProvider: "com.amazonaws.auth.EnvironmentVariableCredentialsProvider",
        podIdentityCredentialsProvider: "org.apache.hadoop.fs.s3a.auth.IAMInstanceCredentialsProvider",
    },
    "4.1": {
        hadoopVersion: "3.4.2",
        awsSdk: "v2",
        environmentCredentialsProvider: "software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider",
        podIdentityCredentialsProvider: "org.apache.hadoop.fs.s3a.auth.IAMInstanceCredentialsProvider",
    },
    "4.3": {
        hadoopVersion: "3.5.0",
        awsSdk: "v2",
        environmentCredentialsProvider: "software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider",
        podIdentityCredentialsProvider: "org.apache.hadoop.fs.s3a.auth.IAMInstanceCredentialsProvider",
    },
};

/** Where the driver UI serves its metrics in Prometheus format (the PrometheusServlet sink). */
export const prometheusServletPath = "/metrics/prometheus";
export const defaultRapidsPluginClass = "com.nvidia.spark.SQLPlugin";
/** Concurrent tasks per GPU: the RAPIDS tuning guide's starting point. */
export const concurrentGpuTasks = 2;
/** Where the cost-optimized preset moves shuffle data when no peer executor can take it. */
export const fallbackStoragePrefix = "spark-decommission-fallback/";
/** Idle timeout the cost-optimized preset caps executors at. */
export const costOptimizedIdleTimeoutSeconds = 30;
/** After this long without use, shuffle tracking stops holding an executor for its shuffle files. */
export const costOptimizedShuffleTrackingTimeoutSeconds = 600;
/** Spot instances get a two-minute notice; a decommissioned executor is gone shortly before. */
export const spotKillIntervalSeconds = 110;
/** How long an executor pod may take to stop: time for graceful decommissioning (block migration) when a spot node is reclaimed. */
export const executorTerminationGracePeriodSeconds = 120;
/** The lines that set the executor pods' grace period themselves (spark.kubernetes.executor.terminationGracePeriodSeconds, new in 4.1.0, default 30s, overriding the pod template). */
const linesWithExecutorGraceConf: readonly SparkVersion[] = ["4.1", "4.3"];
/** The region MinIO signs with; any non-reserved name works (hadoop-aws third_party_stores.md). */
export const minioRegion = "us-east-1";

/** The s3a URL of the event log directory; the History Server reads the same. */
export function eventLogDir(bucket: string, prefix: string): string {
    return `s3a://${bucket}/${prefix}`;
}

/** Key prefix of the shared warehouse (spark.sql.warehouse.dir, the Metastore's warehouse) in the warehouse bucket. */
export const warehouseKeyPrefix = "warehouse/";

/** The s3a URL of spark.sql.warehouse.dir for managed tables. */
export function warehouseDir(bucket: string): string {
    return `s3a://${bucket}/${warehouseKeyPrefix.slice(0, -1)}`;
}

const bucketName = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
const awsRegion = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const standaloneMaster = /^spark:\/\/[^\s/,:]+:\d+(,[^\s/,:]+:\d+)*$/;

const isWhole = (n: number, min: number): boolean => Number.isInteger(n) && n >= min;

function validate(input: SparkConfInput): string[] {
    const errors: string[] = [];
    const check = (ok: boolean, message: string): void => {
        if (!ok) errors.push(message);
    };
    const { storage, kubernetes: k8s, executor, dynamicAllocation: da, presets } = input;

    check(sparkVersions.includes(input.version), `version must be one of ${sparkVersions.map((v) => `"${v}"`).join(", ")}, got ${String(input.version)}`);
    check(bucketName.test(input.warehouseBucket), `warehouseBucket is not an S3 bucket name: "${input.warehouseBucket}"`);
    check(bucketName.test(input.eventLogBucket), `eventLogBucket is not an S3 bucket name: "${input.eventLogBucket}"`);
    check(
        input.eventLogPrefix.endsWith("/") && !input.eventLogPrefix.startsWith("/") && !/\s/.test(input.eventLogPrefix),
        `eventLogPrefix must end with "/", not start with one and hold no spaces: "${input.eventLogPrefix}"`,
    );
    if (storage.kind === "s3") check(awsRegion.test(storage.region), `storage.region is not an AWS region: "${storage.region}"`);
    else check(/^https?:\/\/[^\s/]+\/?$/.test(storage.endpoint), `storage.endpoint must be http(s)://host[:port]: "${storage.endpoint}"`);

    if (input.backend === "k8s") {
        check(input.standaloneMasterUrl === undefined, "standaloneMasterUrl applies only to the standalone backend");
        check(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(k8s.namespace), `kubernetes.namespace is not a namespace name: "${k8s.namespace}"`);
        check(k8s.serviceAccount.length > 0, "kubernetes.serviceAccount is empty");
        check(isPinnedImage(k8s.image), `kubernetes.image must be pinned by tag or digest (not latest): "${k8s.image}"`);
        check(k8s.executorPodTemplateFile.startsWith("/"), `kubernetes.executorPodTemplateFile must be an absolute path: "${k8s.executorPodTemplateFile}"`);
        for (const [name, port] of [["driverPort", k8s.driverPort], ["blockManagerPort", k8s.blockManagerPort]] as const) {
            if (port !== undefined) check(isWhole(port, 1) && port <= 65535, `kubernetes.${name} must be a port number: ${port}`);
        }
        if (k8s.driverHost !== undefined) check(/^[a-z0-9.-]+$/.test(k8s.driverHost), `kubernetes.driverHost is not a host name: "${k8s.driverHost}"`);
    } else {
        check(
            input.standaloneMasterUrl !== undefined && standaloneMaster.test(input.standaloneMasterUrl),
            `the standalone backend needs standaloneMasterUrl as spark://host:port: "${input.standaloneMasterUrl ?? ""}"`,
        );
    }

    check(isWhole(executor.cores, 1), `executor.cores must be a whole number ≥ 1: ${executor.cores}`);
    check(isWhole(executor.memoryMiB, minExecutorMemoryMiB), `executor.memoryMiB must be a whole number ≥ ${minExecutorMemoryMiB}: ${executor.memoryMiB}`);
    check(isWhole(executor.memoryOverheadMiB, 1), `executor.memoryOverheadMiB must be a whole number ≥ 1: ${executor.memoryOverheadMiB}`);
    if (executor.requestCoresMillis !== undefined) {
        check(isWhole(executor.requestCoresMillis, 1), `executor.requestCoresMillis must be a whole number ≥ 1: ${executor.requestCoresMillis}`);
    }

    check(isWhole(da.minExecutors, 0), `dynamicAllocation.minExecutors must be a whole number ≥ 0: ${da.minExecutors}`);
    check(isWhole(da.maxExecutors, 1) && da.maxExecutors >= da.minExecutors, `dynamicAllocation.maxExecutors must be ≥ 1 and ≥ minExecutors: ${da.maxExecutors}`);
    if (da.initialExecutors !== undefined) {
        check(
            isWhole(da.initialExecutors, 0) && da.initialExecutors >= da.minExecutors && da.initialExecutors <= da.maxExecutors,
            `dynamicAllocation.initialExecutors must lie between minExecutors and maxExecutors: ${da.initialExecutors}`,
        );
    }
    check(isWhole(da.executorIdleTimeoutSeconds, 1), `dynamicAllocation.executorIdleTimeoutSeconds must be a whole number ≥ 1: ${da.executorIdleTimeoutSeconds}`);
    check(
        input.backend !== "k8s" || da.shuffleTracking,
        "dynamic allocation on Kubernetes needs dynamicAllocation.shuffleTracking: there is no external shuffle service to keep shuffle files of removed executors",
    );

    if (input.metastoreUri !== undefined) check(/^thrift:\/\/[^\s/]+:\d+$/.test(input.metastoreUri), `metastoreUri must be thrift://host:port: "${input.metastoreUri}"`);

    if (presets.gpu) {
        const gpu = presets.gpu;
        check(isWhole(gpu.gpusPerExecutor, 1), `presets.gpu.gpusPerExecutor must be a whole number ≥ 1: ${gpu.gpusPerExecutor}`);
        check(gpu.discoveryScript.startsWith("/"), `presets.gpu.discoveryScript must be an absolute path: "${gpu.discoveryScript}"`);
        const perTask = gpu.gpusPerExecutor / executor.cores;
        check(perTask <= 0.5 || Number.isInteger(perTask), `presets.gpu: ${gpu.gpusPerExecutor} GPU(s) over ${executor.cores} cores gives ${perTask} GPU per task; Spark needs a whole number or ≤ 0.5`);
    }

    if (presets.iceberg) {
        const ice = presets.iceberg;
        check(icebergRuntimeLines.includes(input.version), `presets.iceberg: Iceberg ships no Spark runtime for Spark ${input.version} (only ${icebergRuntimeLines.join(", ")})`);
        check(identifier.test(ice.catalogName) && ice.catalogName !== "spark_catalog", `presets.iceberg.catalogName must be an identifier other than spark_catalog: "${ice.catalogName}"`);
        check(/^s3a:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/\S*)?$/.test(ice.warehouse), `presets.iceberg.warehouse must be s3a://bucket/path: "${ice.warehouse}"`);
        if (ice.catalogType === "rest") {
            check(ice.restUri !== undefined && /^https?:\/\/\S+$/.test(ice.restUri), `presets.iceberg: catalogType "rest" requires restUri as http(s)://host[:port][/path], got "${ice.restUri ?? ""}"`);
        } else {
            check(ice.restUri === undefined, `presets.iceberg: restUri applies only to catalogType "rest", not "${ice.catalogType}"`);
        }
        if (ice.catalogType === "hive") check(input.metastoreUri !== undefined, 'presets.iceberg: catalogType "hive" requires metastoreUri');
        if (ice.catalogType === "glue") check(storage.kind === "s3", 'presets.iceberg: catalogType "glue" needs AWS (storage kind "s3"), not MinIO');
    }
    return errors;
}

/** A size in MiB as Spark's memory strings write it ("4096m"): spark.*.memory, spark-class --memory. */
export const sparkMemory = (mib: number): string => `${mib}m`;
const seconds = (n: number): string => `${n}s`;

/** Formats a GPU share so that 1 / share, floored as Spark does, gives at least the executor's cores. */
function gpuPerTask(gpus: number, cores: number): string {
    const share = gpus / cores;
    return Number.isInteger(share) ? String(share) : String(Math.floor(share * 1e6) / 1e6);
}

function storageConf(input: SparkConfInput): Record<string, string> {
    const profile = hadoopAwsProfiles[input.version];
    const h = "spark.hadoop.";
    const conf: Record<string, string> = { [`${h}fs.s3a.impl`]: "org.apache.hadoop.fs.s3a.S3AFileSystem" };
    if (input.storage.kind === "s3") {
        conf[`${h}fs.s3a.aws.credentials.provider`] = profile.podIdentityCredentialsProvider;
        conf[`${h}fs.s3a.endpoint.region`] = input.storage.region;
    } else {
        const endpoint = input.storage.endpoint.replace(/\/$/, "");
        conf[`${h}fs.s3a.aws.credentials.provider`] = profile.environmentCredentialsProvider;
        conf[`${h}fs.s3a.endpoint`] = endpoint;
        conf[`${h}fs.s3a.endpoint.region`] = minioRegion;
        conf[`${h}fs.s3a.path.style.access`] = "true";
        conf[`${h}fs.s3a.connection.ssl.enabled`] = String(endpoint.startsWith("https://"));
    }
    return {
        ...conf,
        [`${h}fs.s3a.committer.name`]: "magic",
        [`${h}fs.s3a.committer.magic.enabled`]: "true",
        [`${h}mapreduce.outputcommitter.factory.scheme.s3a`]: "org.apache.hadoop.fs.s3a.commit.S3ACommitterFactory",
        "spark.sql.sources.commitProtocolClass": "org.apache.spark.internal.io.cloud.PathOutputCommitProtocol",
        "spark.sql.parquet.output.committer.class": "org.apache.spark.internal.io.cloud.BindingParquetOutputCommitter",
        "spark.sql.warehouse.dir": warehouseDir(input.warehouseBucket),
    };
}

function observabilityConf(input: SparkConfInput): Record<string, string> {
    const servlet = "spark.metrics.conf.*.sink.prometheusServlet";
    return {
        "spark.eventLog.enabled": "true",
        "spark.eventLog.dir": eventLogDir(input.eventLogBucket, input.eventLogPrefix),
        "spark.eventLog.compress": "true",
        "spark.eventLog.compression.codec": "zstd",
        "spark.eventLog.rolling.enabled": "true",
        "spark.eventLog.rolling.maxFileSize": "128m",
        "spark.ui.prometheus.enabled": "true",
        "spark.executor.processTreeMetrics.enabled": "true",
        "spark.metrics.namespace": "${spark.app.name}",
        "spark.metrics.appStatusSource.enabled": "true",
        // Structured Streaming queries report their trigger latency (the SparkStreamingBatchDelayed alert).
        "spark.sql.streaming.metricsEnabled": "true",
        [`${servlet}.class`]: "org.apache.spark.metrics.sink.PrometheusServlet",
        [`${servlet}.path`]: prometheusServletPath,
        "spark.metrics.conf.*.source.jvm.class": "org.apache.spark.metrics.source.JvmSource",
    };
}

/** Where a client-mode driver listens, so executors (on Kubernetes or standalone workers) reach it. */
function driverConf(k8s: SparkConfInput["kubernetes"]): Record<string, string> {
    const conf: Record<string, string> = {};
    if (k8s.driverHost !== undefined) {
        conf["spark.driver.host"] = k8s.driverHost;
        conf["spark.driver.bindAddress"] = "0.0.0.0";
    }
    if (k8s.driverPort !== undefined) conf["spark.driver.port"] = String(k8s.driverPort);
    if (k8s.blockManagerPort !== undefined) conf["spark.driver.blockManager.port"] = String(k8s.blockManagerPort);
    return conf;
}

function clusterConf(input: SparkConfInput): Record<string, string> {
    const k8s = input.kubernetes;
    if (input.backend === "standalone") return { "spark.master": input.standaloneMasterUrl ?? "", ...driverConf(k8s) };
    const conf: Record<string, string> = {
        "spark.master": "k8s://https://kubernetes.default.svc:443",
        "spark.kubernetes.namespace": k8s.namespace,
        "spark.kubernetes.container.image": k8s.image,
        "spark.kubernetes.authenticate.driver.serviceAccountName": k8s.serviceAccount,
        "spark.kubernetes.authenticate.executor.serviceAccountName": k8s.serviceAccount,
        "spark.kubernetes.executor.podTemplateFile": k8s.executorPodTemplateFile,
        ...driverConf(k8s),
    };
    if (linesWithExecutorGraceConf.includes(input.version)) conf["spark.kubernetes.executor.terminationGracePeriodSeconds"] = seconds(executorTerminationGracePeriodSeconds);
    if (input.executor.requestCoresMillis !== undefined) conf["spark.kubernetes.executor.request.cores"] = `${input.executor.requestCoresMillis}m`;
    return conf;
}

function allocationConf(input: SparkConfInput): Record<string, string> {
    const da = input.dynamicAllocation;
    const cost = input.presets.costOptimized === true;
    const minExecutors = cost ? 0 : da.minExecutors;
    const idleTimeout = cost ? Math.min(da.executorIdleTimeoutSeconds, costOptimizedIdleTimeoutSeconds) : da.executorIdleTimeoutSeconds;
    const conf: Record<string, string> = {
        "spark.executor.cores": String(input.executor.cores),
        "spark.executor.memory": sparkMemory(input.executor.memoryMiB),
        "spark.executor.memoryOverhead": sparkMemory(input.executor.memoryOverheadMiB),
        "spark.dynamicAllocation.enabled": "true",
        "spark.dynamicAllocation.minExecutors": String(minExecutors),
        "spark.dynamicAllocation.maxExecutors": String(da.maxExecutors),
        "spark.dynamicAllocation.executorIdleTimeout": seconds(idleTimeout),
        "spark.dynamicAllocation.shuffleTracking.enabled": String(da.shuffleTracking),
    };
    if (da.initialExecutors !== undefined) conf["spark.dynamicAllocation.initialExecutors"] = String(da.initialExecutors);
    if (!da.shuffleTracking) conf["spark.shuffle.service.enabled"] = "true";
    if (cost) {
        if (da.shuffleTracking) conf["spark.dynamicAllocation.shuffleTracking.timeout"] = seconds(costOptimizedShuffleTrackingTimeoutSeconds);
        Object.assign(conf, {
            "spark.decommission.enabled": "true",
            "spark.storage.decommission.enabled": "true",
            "spark.storage.decommission.shuffleBlocks.enabled": "true",
            "spark.storage.decommission.rddBlocks.enabled": "true",
            "spark.storage.decommission.fallbackStorage.path": `s3a://${input.warehouseBucket}/${fallbackStoragePrefix}`,
            "spark.storage.decommission.fallbackStorage.cleanUp": "true",
            "spark.stage.ignoreDecommissionFetchFailure": "true",
            "spark.scheduler.maxRetainedRemovedDecommissionExecutors": String(da.maxExecutors),
            "spark.executor.decommission.killInterval": seconds(spotKillIntervalSeconds),
        });
    }
    return conf;
}

function catalogConf(input: SparkConfInput): Record<string, string> {
    const conf: Record<string, string> = {};
    if (input.metastoreUri !== undefined) {
        conf["spark.sql.catalogImplementation"] = "hive";
        conf["spark.hadoop.hive.metastore.uris"] = input.metastoreUri;
    }
    const ice = input.presets.iceberg;
    if (!ice) return conf;
    const c = `spark.sql.catalog.${ice.catalogName}`;
    conf["spark.sql.extensions"] = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions";
    conf[c] = "org.apache.iceberg.spark.SparkCatalog";
    switch (ice.catalogType) {
        case "hive":
            conf[`${c}.type`] = "hive";
            conf[`${c}.uri`] = input.metastoreUri ?? "";
            break;
        case "rest":
            conf[`${c}.type`] = "rest";
            conf[`${c}.uri`] = ice.restUri ?? "";
            break;
        case "glue":
            conf[`${c}.catalog-impl`] = "org.apache.iceberg.aws.glue.GlueCatalog";
            break;
    }
    conf[`${c}.warehouse`] = ice.warehouse;
    if (input.storage.kind === "s3") {
        conf[`${c}.io-impl`] = "org.apache.iceberg.aws.s3.S3FileIO";
        conf[`${c}.client.region`] = input.storage.region;
    } else {
        conf[`${c}.io-impl`] = "org.apache.iceberg.hadoop.HadoopFileIO";
    }
    return conf;
}

function gpuConf(input: SparkConfInput): Record<string, string> {
    const gpu = input.presets.gpu;
    if (!gpu) return {};
    return {
        "spark.plugins": gpu.rapidsPluginClass ?? defaultRapidsPluginClass,
        "spark.executor.resource.gpu.amount": String(gpu.gpusPerExecutor),
        "spark.executor.resource.gpu.discoveryScript": gpu.discoveryScript,
        ...(input.backend === "k8s" ? { "spark.executor.resource.gpu.vendor": "nvidia.com" } : {}),
        "spark.task.resource.gpu.amount": gpuPerTask(gpu.gpusPerExecutor, input.executor.cores),
        "spark.rapids.sql.enabled": "true",
        "spark.rapids.sql.concurrentGpuTasks": String(Math.min(concurrentGpuTasks, input.executor.cores)),
    };
}

/**
 * The complete Spark configuration for the input. Throws one error listing every problem when the
 * input is invalid, e.g. dynamic allocation on Kubernetes without shuffle tracking.
 */
export function sparkDefaults(input: SparkConfInput): Record<string, string> {
    const errors = validate(input);
    if (errors.length > 0) throw new Error(`invalid Spark configuration input:\n- ${errors.join("\n- ")}`);
    return {
        ...clusterConf(input),
        ...allocationConf(input),
        ...storageConf(input),
        ...observabilityConf(input),
        ...catalogConf(input),
        ...gpuConf(input),
    };
}

const propertiesKey = /^[^\s=:#!\\]+$/;

/**
 * spark-defaults.conf text: one "key value" line per key, sorted by key. Backslashes, and a leading
 * space, "=" or ":" of a value, are escaped as java.util.Properties reads them; keys with
 * separators and values with line breaks are refused.
 */
export function renderSparkDefaults(conf: Record<string, string>): string {
    const keys = Object.keys(conf).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const lines = keys.map((key) => {
        const value = conf[key];
        if (!propertiesKey.test(key)) throw new Error(`cannot write key "${key}" to spark-defaults.conf`);
        if (/[\r\n]/.test(value)) throw new Error(`the value of ${key} holds a line break`);
        const escaped = value.replace(/\\/g, "\\\\").replace(/^[ \t\f=:]/, (c) => `\\${c}`);
        return `${key} ${escaped}`;
    });
    return lines.map((l) => `${l}\n`).join("");
}

/** Reads spark-defaults.conf text as renderSparkDefaults writes it (comments and blank lines skipped). */
export function parseSparkDefaults(text: string): Record<string, string> {
    const conf: Record<string, string> = {};
    for (const line of text.split(/\r?\n/)) {
        const trimmed = line.replace(/^[ \t\f]+/, "");
        if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith("!")) continue;
        const match = /^([^\s=:]+)[ \t\f]*[=:]?[ \t\f]*(.*)$/.exec(trimmed);
        if (!match) throw new Error(`cannot read spark-defaults.conf line: ${line}`);
        conf[match[1]] = match[2].replace(/\\(.)/g, "$1");
    }
    return conf;
}
