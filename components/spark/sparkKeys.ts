/**
 * Every configuration key sparkDefaults may emit, with where it is documented and the Spark
 * versions it applies to. Spark accepts any key and silently ignores misspelt ones, so the
 * builder's output is tested against this set.
 *
 * Checked against (facts only, nothing copied):
 * - apache/spark docs/configuration.md, docs/monitoring.md, docs/running-on-kubernetes.md,
 *   docs/cloud-integration.md; sql/catalyst StaticSQLConf (spark.sql.catalogImplementation,
 *   internal since 2.0.0). Every Spark key here, or the prefix it is built from
 *   (spark.kubernetes.authenticate.<role>, spark.<role>.resource.<name>, spark.metrics.conf.,
 *   spark.sql.catalog.), is a config constant in the spark-*.jar files of Spark 3.5.9, 4.1.4 and
 *   4.3.0 alike (the jars of the pyspark distributions of those releases).
 * - apache/hadoop hadoop-aws site docs: index.md, committers.md, third_party_stores.md,
 *   aws_sdk_upgrade.md, and IAMInstanceCredentialsProvider in 3.3.x (wraps the v1
 *   EC2ContainerCredentialsProvider) and 3.4.x/3.5.x (wraps the v2 ContainerCredentialsProvider).
 *   Spark 3.5 ships Hadoop 3.3.4 (SDK v1), Spark 4.1 Hadoop 3.4.2 and Spark 4.3 Hadoop 3.5.0 (SDK
 *   v2); the fs.s3a keys used here are constants of hadoop-aws 3.3.4, 3.4.2 and 3.5.0 (fs.s3a.impl
 *   and the s3a committer factory are in core-default.xml and mapred-default.xml).
 * - NVIDIA/spark-rapids docs/configs.md (spark.rapids.sql.enabled, spark.rapids.sql.concurrentGpuTasks).
 * - apache/iceberg docs/docs/spark-configuration.md (catalog properties, SQL extensions) and
 *   AwsClientProperties (client.region), Iceberg 1.11 (runtimes for Spark 3.5 and 4.1; see
 *   icebergRuntimeLines in components/config/schema.ts).
 */
import { icebergRuntimeLines, SparkVersion, sparkVersions } from "../config/schema";

/**
 * One key or key pattern. In a pattern, `<name>` stands for an identifier (letters, digits,
 * underscores, not starting with a digit) and `{a|b}` for exactly one of the listed words.
 */
export interface SparkKeySpec {
    /** A full key, or a pattern with `<name>` and `{a|b}` parts. */
    readonly key: string;
    /** Where the key is documented. */
    readonly source: string;
    /** Spark lines on which the key exists and means what sparkDefaults intends. */
    readonly versions: readonly SparkVersion[];
}

/** Keys that mean the same on every line. */
const everyLine: readonly SparkVersion[] = sparkVersions;

const sparkConf = "spark docs/configuration.md";
const sparkMonitoring = "spark docs/monitoring.md";
const sparkK8s = "spark docs/running-on-kubernetes.md";
const sparkCloud = "spark docs/cloud-integration.md";
const sparkStreaming = "spark docs: Structured Streaming programming guide, Reporting Metrics using Dropwizard";
const hadoopAws = "hadoop-aws index.md (3.3.4, 3.4.2, 3.5.0)";
const hadoopCommitters = "hadoop-aws committers.md (3.3.4, 3.4.2, 3.5.0)";
const hadoopThirdParty = "hadoop-aws third_party_stores.md / index.md (3.3.4, 3.4.2, 3.5.0)";
const rapids = "spark-rapids docs/configs.md";
const iceberg = "iceberg docs/spark-configuration.md (1.11)";

function specs(source: string, keys: readonly string[], versions: readonly SparkVersion[] = everyLine): SparkKeySpec[] {
    return keys.map((key) => ({ key, source, versions }));
}

export const sparkKeySpecs: readonly SparkKeySpec[] = [
    ...specs(sparkConf, [
        "spark.master",
        "spark.executor.cores",
        "spark.executor.memory",
        "spark.executor.memoryOverhead",
        "spark.driver.memory",
        "spark.driver.host",
        "spark.driver.bindAddress",
        "spark.driver.port",
        "spark.driver.blockManager.port",
        "spark.eventLog.enabled",
        "spark.eventLog.dir",
        "spark.eventLog.compress",
        "spark.eventLog.compression.codec",
        "spark.eventLog.rolling.enabled",
        "spark.eventLog.rolling.maxFileSize",
        "spark.executor.processTreeMetrics.enabled",
        "spark.dynamicAllocation.enabled",
        "spark.dynamicAllocation.minExecutors",
        "spark.dynamicAllocation.maxExecutors",
        "spark.dynamicAllocation.initialExecutors",
        "spark.dynamicAllocation.executorIdleTimeout",
        "spark.dynamicAllocation.shuffleTracking.enabled",
        "spark.dynamicAllocation.shuffleTracking.timeout",
        "spark.shuffle.service.enabled",
        "spark.decommission.enabled",
        "spark.executor.decommission.killInterval",
        "spark.storage.decommission.enabled",
        "spark.storage.decommission.shuffleBlocks.enabled",
        "spark.storage.decommission.rddBlocks.enabled",
        "spark.storage.decommission.fallbackStorage.path",
        "spark.storage.decommission.fallbackStorage.cleanUp",
        "spark.stage.ignoreDecommissionFetchFailure",
        "spark.scheduler.maxRetainedRemovedDecommissionExecutors",
        "spark.plugins",
        "spark.executor.resource.gpu.amount",
        "spark.executor.resource.gpu.discoveryScript",
        "spark.executor.resource.gpu.vendor",
        "spark.task.resource.gpu.amount",
        "spark.sql.extensions",
        "spark.sql.warehouse.dir",
    ]),
    { key: "spark.sql.catalogImplementation", source: "spark StaticSQLConf (internal)", versions: everyLine },
    ...specs(sparkCloud, ["spark.sql.sources.commitProtocolClass", "spark.sql.parquet.output.committer.class"]),
    ...specs(sparkStreaming, ["spark.sql.streaming.metricsEnabled"]),
    ...specs(sparkMonitoring, [
        "spark.ui.prometheus.enabled",
        "spark.history.fs.logDirectory",
        "spark.history.ui.port",
        "spark.metrics.namespace",
        "spark.metrics.appStatusSource.enabled",
        "spark.metrics.conf.{*|driver|executor}.sink.prometheusServlet.{class|path}",
        "spark.metrics.conf.{*|driver|executor}.source.jvm.class",
    ]),
    ...specs(sparkK8s, [
        "spark.kubernetes.namespace",
        "spark.kubernetes.container.image",
        "spark.kubernetes.authenticate.driver.serviceAccountName",
        "spark.kubernetes.authenticate.executor.serviceAccountName",
        "spark.kubernetes.executor.podTemplateFile",
        "spark.kubernetes.executor.request.cores",
    ]),
    // New in Spark 4.1.0 (running-on-kubernetes.md, since 4.1.0); it overrides the executor template's grace period.
    ...specs(sparkK8s, ["spark.kubernetes.executor.terminationGracePeriodSeconds"], ["4.1", "4.3"]),
    ...specs(hadoopAws, [
        "spark.hadoop.fs.s3a.impl",
        "spark.hadoop.fs.s3a.aws.credentials.provider",
        "spark.hadoop.fs.s3a.endpoint.region",
    ]),
    ...specs(hadoopThirdParty, [
        "spark.hadoop.fs.s3a.endpoint",
        "spark.hadoop.fs.s3a.path.style.access",
        "spark.hadoop.fs.s3a.connection.ssl.enabled",
    ]),
    ...specs(hadoopCommitters, [
        "spark.hadoop.fs.s3a.committer.name",
        "spark.hadoop.fs.s3a.committer.magic.enabled",
        "spark.hadoop.mapreduce.outputcommitter.factory.scheme.s3a",
    ]),
    { key: "spark.hadoop.hive.metastore.uris", source: "hive metastore client conf (spark docs/sql-data-sources-hive-tables.md)", versions: everyLine },
    ...specs(rapids, ["spark.rapids.sql.enabled", "spark.rapids.sql.concurrentGpuTasks"]),
    ...specs(
        iceberg,
        ["spark.sql.catalog.<name>", "spark.sql.catalog.<name>.{type|catalog-impl|uri|warehouse|io-impl}", "spark.sql.catalog.<name>.client.region"],
        icebergRuntimeLines,
    ),
];

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The regular expression a key or pattern stands for. */
export function keyPattern(key: string): RegExp {
    const source = key
        .split(/(<name>|\{[^}]*\})/)
        .map((part) => {
            if (part === "<name>") return "[A-Za-z_][A-Za-z0-9_]*";
            if (part.startsWith("{") && part.endsWith("}")) return `(?:${part.slice(1, -1).split("|").map(escapeRegExp).join("|")})`;
            return escapeRegExp(part);
        })
        .join("");
    return new RegExp(`^${source}$`);
}

const compiled = sparkKeySpecs.map((spec) => ({ spec, pattern: keyPattern(spec.key) }));

/** The spec a key matches for a Spark version, or undefined when the key is not known there. */
export function keySpec(key: string, version: SparkVersion): SparkKeySpec | undefined {
    return compiled.find((c) => c.spec.versions.includes(version) && c.pattern.test(key))?.spec;
}

/** The keys of a configuration that are not in the reference set for a Spark version. */
export function unknownKeys(keys: Iterable<string>, version: SparkVersion): string[] {
    return [...keys].filter((key) => keySpec(key, version) === undefined);
}
