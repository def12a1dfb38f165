import { strict as assert } from "assert";
import { serviceEndpoints, serviceHost } from "../../../components/config/names";
import { HiveMetastore, metastoreSchemaScript, metastoreSiteXml, metastoreUri, metastoreWarehouseDir } from "../../../components/services/metastore";
import { minioEndpoint } from "../../../components/services/minio";
import { warehouseDir } from "../../../components/spark/sparkDefaults";
import { RecordedResource, runProgram } from "../../../tools/harness";
import { byName, envOf, fakeCredentials, inputs, localBuckets, marker, metastoreImage, of, podSpecOf, rdsHost, recordBoth, T, Workload } from "../../support/dataServices";

describe("metastoreSiteXml", () => {
    const properties = (xml: string) => Object.fromEntries([...xml.matchAll(/<name>([^<]+)<\/name>\s*<value>([^<]*)<\/value>/g)].map((m) => [m[1], m[2]]));
    const rds = metastoreSiteXml({ database: { host: rdsHost, port: 5432, sslMode: "require" }, warehouseBucket: "spark-prod-warehouse-a1b2", storage: { kind: "s3", region: "us-east-1" } });
    const local = metastoreSiteXml({
        database: { host: serviceHost(serviceEndpoints.postgres), port: 5432, sslMode: "disable" },
        warehouseBucket: "warehouse",
        storage: { kind: "minio", endpoint: minioEndpoint },
    });

    it("points at the metastore database over JDBC with the server's sslmode", () => {
        const p = properties(rds);
        assert.equal(p["javax.jdo.option.ConnectionURL"], `jdbc:postgresql://${rdsHost}:5432/metastore?sslmode=require`);
        assert.equal(p["javax.jdo.option.ConnectionDriverName"], "org.postgresql.Driver");
        assert.equal(properties(local)["javax.jdo.option.ConnectionURL"], "jdbc:postgresql://postgres.spark-platform.svc.cluster.local:5432/metastore?sslmode=disable");
    });

    it("names the login as environment variables and holds no password", () => {
        for (const xml of [rds, local]) {
            const p = properties(xml);
            assert.equal(p["javax.jdo.option.ConnectionUserName"], "${env.METASTORE_DB_USER}");
            assert.equal(p["javax.jdo.option.ConnectionPassword"], "${env.METASTORE_DB_PASSWORD}");
            assert.ok(!Object.keys(p).some((k) => /secret\.key|access\.key/.test(k)), "no S3 keys in the XML");
        }
    });

    it("keeps the warehouse in the warehouse bucket, where Spark's spark.sql.warehouse.dir is", () => {
        const p = properties(rds);
        assert.equal(p["metastore.warehouse.dir"], "s3a://spark-prod-warehouse-a1b2/warehouse");
        assert.equal(p["metastore.warehouse.dir"], warehouseDir("spark-prod-warehouse-a1b2"));
        assert.equal(p["hive.metastore.warehouse.dir"], p["metastore.warehouse.dir"]);
        assert.equal(metastoreWarehouseDir("b-1"), warehouseDir("b-1"));
        assert.equal(properties(local)["metastore.warehouse.dir"], "s3a://warehouse/warehouse");
    });

    it("uses Pod Identity on S3 and the endpoint, path style and environment credentials on MinIO", () => {
        const s3 = properties(rds);
        assert.equal(s3["fs.s3a.aws.credentials.provider"], "com.amazonaws.auth.EC2ContainerCredentialsProviderWrapper");
        assert.equal(s3["fs.s3a.endpoint"], "s3.us-east-1.amazonaws.com");
        // hadoop-aws 3.1.0 (the image's) does not know the key; the endpoint carries the region.
        assert.equal(s3["fs.s3a.endpoint.region"], undefined);
        assert.equal(properties(local)["fs.s3a.endpoint.region"], undefined);
        const minio = properties(local);
        assert.equal(minio["fs.s3a.endpoint"], "http://minio.minio.svc.cluster.local:9000");
        assert.equal(minio["fs.s3a.path.style.access"], "true");
        assert.equal(minio["fs.s3a.connection.ssl.enabled"], "false");
        assert.equal(minio["fs.s3a.aws.credentials.provider"], "com.amazonaws.auth.EnvironmentVariableCredentialsProvider");
        assert.equal(minio["metastore.schema.verification"], "true");
    });

    it("refuses invalid inputs, listing all of them", () => {
        assert.throws(
            () => metastoreSiteXml({ database: { host: "db host", port: 0, sslMode: "prefer" as "require" }, warehouseBucket: "Bad_Bucket", storage: { kind: "minio", endpoint: "minio:9000" } }),
            (e: Error) => ["host", "port", "sslMode", "bucket", "endpoint"].every((w) => e.message.includes(w)),
        );
    });

    it("upgrades or initialises the schema only when -info finds it old or missing, with Hive 3.1's schematool options", () => {
        const script = metastoreSchemaScript();
        assert.match(script, /^if \/opt\/hive\/bin\/schematool -dbType postgres -info; then$/m);
        assert.match(script, /^elif \/opt\/hive\/bin\/schematool -dbType postgres -upgradeSchema; then$/m);
        assert.match(script, /^ {2}exec \/opt\/hive\/bin\/schematool -dbType postgres -initSchema$/m);
        assert.ok(script.indexOf("-info") < script.indexOf("-upgradeSchema") && script.indexOf("-upgradeSchema") < script.indexOf("-initSchema"));
        assert.doesNotMatch(script, /initOrUpgradeSchema/, "Hive 3.1's schematool has no -initOrUpgradeSchema");
    });

    it("gives Spark's address for the metastore", () => {
        assert.equal(metastoreUri(), "thrift://hive-metastore.spark-platform.svc.cluster.local:9083");
    });
});

describe("data services under mocks", () => {
    let local: RecordedResource[];
    let aws: RecordedResource[];
    before(async () => ({ local, aws } = await recordBoth()));

    it("metastore: ConfigMap XML with the right JDBC URL, sslmode and warehouse, mounted over the image's configuration", () => {
        for (const [resources, url, warehouse] of [
            [local, "jdbc:postgresql://postgres.spark-platform.svc.cluster.local:5432/metastore?sslmode=disable", "s3a://warehouse/warehouse"],
            [aws, `jdbc:postgresql://${rdsHost}:5432/metastore?sslmode=require`, "s3a://spark-prod-warehouse-a1b2/warehouse"],
        ] as const) {
            const data = inputs<{ data: Record<string, string> }>(byName(resources, T.configMap, "hive-metastore-config")).data;
            assert.deepEqual(Object.keys(data).sort(), ["hive-site.xml", "metastore-site.xml"]);
            for (const xml of Object.values(data)) {
                assert.ok(xml.includes(`<value>${url}</value>`), url);
                assert.ok(xml.includes(`<value>${warehouse}</value>`), warehouse);
                assert.ok(!xml.includes(marker));
            }
            const spec = podSpecOf(byName(resources, T.deployment, "hive-metastore"));
            const mounts = spec.containers[0].volumeMounts ?? [];
            assert.deepEqual(mounts.filter((m) => m.subPath).map((m) => m.mountPath).sort(), ["/opt/hive/conf/hive-site.xml", "/opt/hive/conf/metastore-site.xml"]);
            assert.equal(spec.serviceAccountName, "hive-metastore");
            assert.equal(spec.containers[0].image, metastoreImage);
        }
    });

    it("metastore: the schema Job runs first, after the database init, and the server waits for it", () => {
        for (const resources of [local, aws]) {
            const schema = byName(resources, T.job, "hive-metastore-schema");
            const init = resources.find((r) => r.type === "spark-k8s:services:DatabaseInit")!;
            assert.ok(schema.dependencies.some((d) => d === init.urn || d.endsWith("::database-init")), "schema Job waits for DatabaseInit");
            assert.deepEqual(podSpecOf(schema).containers[0].command, ["sh", "-c", metastoreSchemaScript()]);
            assert.ok(byName(resources, T.deployment, "hive-metastore").dependencies.includes(schema.urn), "server waits for the schema Job");
        }
    });

    it("metastore: replicas from args, a PodDisruptionBudget of maxUnavailable 1 only when there are several", () => {
        assert.equal(inputs<Workload>(byName(local, T.deployment, "hive-metastore")).spec.replicas, 1);
        assert.equal(of(local, T.pdb).length, 0);
        assert.equal(inputs<Workload>(byName(aws, T.deployment, "hive-metastore")).spec.replicas, 2);
        const pdb = of(aws, T.pdb);
        assert.equal(pdb.length, 1);
        assert.equal(inputs<{ spec: { maxUnavailable: number } }>(pdb[0]).spec.maxUnavailable, 1);
    });

    it("metastore: MinIO credentials from the environment on local only, TCP probes on 9083", () => {
        const env = (resources: RecordedResource[]) => envOf(podSpecOf(byName(resources, T.deployment, "hive-metastore")).containers[0]);
        assert.ok(env(local).AWS_ACCESS_KEY_ID?.valueFrom?.secretKeyRef && env(local).AWS_SECRET_ACCESS_KEY?.valueFrom?.secretKeyRef);
        assert.equal(env(aws).AWS_ACCESS_KEY_ID, undefined, "Pod Identity on AWS, no static keys");
        const c = podSpecOf(byName(aws, T.deployment, "hive-metastore")).containers[0];
        assert.deepEqual([c.livenessProbe, c.readinessProbe].map((p) => (p as { tcpSocket: { port: string } }).tcpSocket.port), ["thrift", "thrift"]);
    });

    it("refuses unpinned images (through hardenPodSpec) and MinIO storage without credentials", async () => {
        const metastore = (image: string, withCredentials: boolean) => () =>
            new HiveMetastore("bad", {
                namespace: "x",
                image,
                replicas: 1,
                database: { host: "h", port: 5432, sslMode: "disable" },
                databaseCredentials: fakeCredentials().metastoreDatabase,
                ...(withCredentials ? { objectStorageCredentials: fakeCredentials().minioRoot } : {}),
                storage: { kind: "minio", endpoint: minioEndpoint, buckets: localBuckets },
                serviceAccountName: "sa",
                nodeGroups: false,
            });
        await assert.rejects(runProgram(metastore("apache/hive:latest", true)), /image "apache\/hive:latest" is not pinned/);
        await assert.rejects(runProgram(metastore("apache/hive:3.1.3", false)), /objectStorageCredentials are required/);
    });
});
