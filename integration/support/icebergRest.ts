/**
 * A real Iceberg REST catalog for the integration suite: upstream's RESTCatalogServer (the server
 * of the iceberg-rest-fixture image) from the iceberg-open-api test-fixtures jar at ICEBERG_VERSION
 * (images/versions.env), with iceberg-core, its test classes (the REST servlet and adapter) and
 * S3FileIO (iceberg-aws, iceberg-aws-bundle), keeping table metadata and data in the local S3
 * server. The backend catalog is the fixture's default, JDBC on in-memory SQLite, held to one
 * connection: every SQLite connection to `:memory:` opens a database of its own, and the JDBC client
 * pool (2 by default) opens its second connection under concurrent requests, which then sees no
 * catalog tables ("Failed to get table … from catalog rest_backend", seen in CI).
 *
 * RESTCatalogServer has no host setting: Jetty listens on every interface of the machine, on a
 * free port, for the life of the test (no other interface is reachable here).
 */
import * as path from "path";
import { run } from "./cache";
import { ensureJars } from "./maven";
import { hiveJavaHome, versionsEnv } from "./metastore";
import { freePort, Server, startServer } from "./processes";
import { LocalS3, localS3Credentials } from "./s3";

/**
 * The server's own runtime, which Iceberg's published POMs do not list (upstream builds the
 * fixture with Gradle): Jetty for the servlet API the fixture is compiled against, SQLite JDBC,
 * SLF4J's simple logger. Hadoop's Configuration comes from the shaded hadoop-client-api at
 * HIVE_HADOOP_VERSION (shaded, so its Jetty 9 cannot clash with the server's).
 */
export const icebergRestRuntime = {
    /** Jetty line by the package the fixture uses: ee10 servlets (Jetty 12.1, Iceberg 1.11+) or Jetty 11 (earlier). */
    jetty: { ee10: "12.1.5", jetty11: "11.0.24" },
    sqliteJdbc: "3.50.3.0",
    slf4j: "2.0.17",
} as const;

export interface IcebergRestCatalog {
    /** http://127.0.0.1:<port> */
    readonly uri: string;
    readonly port: number;
    /** The catalog's warehouse location (s3://bucket/path). */
    readonly warehouse: string;
    readonly version: string;
    readonly server: Server;
    stop(): Promise<void>;
}

function jarContains(jar: string, needle: string): boolean {
    return run("python3", ["-c", "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nprint(any(sys.argv[2].encode() in z.read(n) for n in z.namelist() if n.endswith('.class')))", jar, needle]).trim() === "True";
}

/** The server's class path at ICEBERG_VERSION (resolved once into the cache). */
export function icebergRestClasspath(): { version: string; jars: string[] } {
    const version = versionsEnv().get("ICEBERG_VERSION");
    const hadoop = versionsEnv().get("HIVE_HADOOP_VERSION");
    if (!version || !hadoop) throw new Error("images/versions.env has no ICEBERG_VERSION or HIVE_HADOOP_VERSION");
    const fixtures = ensureJars({ name: `iceberg-rest-fixtures-${version}`, artifacts: [`org.apache.iceberg:iceberg-open-api:${version}:test-fixtures`], transitive: false });
    if (fixtures.length !== 1) throw new Error(`iceberg-open-api ${version} test-fixtures: expected one jar, got ${fixtures.join(", ")}`);
    const r = icebergRestRuntime;
    const jetty = jarContains(fixtures[0], "org/eclipse/jetty/ee10/")
        ? [`org.eclipse.jetty.ee10:jetty-ee10-servlet:${r.jetty.ee10}`, `org.eclipse.jetty.compression:jetty-compression-server:${r.jetty.ee10}`, `org.eclipse.jetty.compression:jetty-compression-gzip:${r.jetty.ee10}`]
        : [`org.eclipse.jetty:jetty-servlet:${r.jetty.jetty11}`, `org.eclipse.jetty:jetty-server:${r.jetty.jetty11}`];
    const jars = ensureJars({
        name: `iceberg-rest-server-${version}`,
        artifacts: [
            `org.apache.iceberg:iceberg-core:${version}`,
            `org.apache.iceberg:iceberg-core:${version}:tests`,
            `org.apache.iceberg:iceberg-aws:${version}`,
            `org.apache.iceberg:iceberg-aws-bundle:${version}`,
            ...jetty,
            `org.xerial:sqlite-jdbc:${r.sqliteJdbc}`,
            `org.slf4j:slf4j-simple:${r.slf4j}`,
            `org.apache.hadoop:hadoop-client-api:${hadoop}`,
            `org.apache.hadoop:hadoop-client-runtime:${hadoop}`,
        ],
    });
    return { version, jars: [...fixtures, ...jars] };
}

/** Starts the REST catalog on a free port, its warehouse (s3://bucket/path) in the local S3 server. */
export async function startIcebergRestCatalog(options: { s3: LocalS3; warehouse: string }): Promise<IcebergRestCatalog> {
    const { s3, warehouse } = options;
    const m = /^s3a?:\/\/([^/]+)(\/.*)?$/.exec(warehouse);
    if (!m) throw new Error(`the warehouse must be s3://bucket[/path], got ${warehouse}`);
    if (!s3.listBuckets().includes(m[1])) s3.createBucket(m[1]);
    const { version, jars } = icebergRestClasspath();
    const port = await freePort();
    // Catalog properties as the iceberg-rest-fixture image takes them: CATALOG_<key>, `__` for `-`, `_` for `.`.
    const env = {
        CATALOG_WAREHOUSE: warehouse,
        CATALOG_IO__IMPL: "org.apache.iceberg.aws.s3.S3FileIO",
        CATALOG_S3_ENDPOINT: s3.endpoint,
        CATALOG_S3_PATH__STYLE__ACCESS: "true",
        CATALOG_S3_ACCESS__KEY__ID: localS3Credentials.accessKeyId,
        CATALOG_S3_SECRET__ACCESS__KEY: localS3Credentials.secretAccessKey,
        CATALOG_CLIENT_REGION: localS3Credentials.region,
        CATALOG_REST_PORT: String(port),
        CATALOG_CLIENTS: "1",
        AWS_REGION: localS3Credentials.region,
    };
    const uri = `http://127.0.0.1:${port}`;
    const server = await startServer({
        name: `iceberg-rest-${version}`,
        command: path.join(hiveJavaHome, "bin", "java"),
        args: ["-Xmx512m", "-cp", jars.join(":"), "org.apache.iceberg.rest.RESTCatalogServer"],
        env,
        ready: { http: `${uri}/v1/config`, status: 200 },
        timeoutMs: 180000,
    });
    return { uri, port, warehouse, version, server, stop: () => server.stop() };
}
