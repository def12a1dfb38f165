/**
 * The data services: in-cluster PostgreSQL, the database init Job, the Hive Metastore and MinIO.
 * Pure builders are tested directly; the components are built under the recording mocks with fake
 * credentials whose passwords carry a marker, so a password in plain text anywhere is caught.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { BucketPurpose } from "../components/aws/dataLake";
import { nodeRoleLabel } from "../components/config/nodeRoles";
import { serviceEndpoints, serviceHost } from "../components/config/names";
import { ObjectStorage } from "../components/context";
import { isPinnedImage } from "../components/config/imageRef";
import { CredentialValues } from "../components/services/credentials";
import {
    airflowDatabase,
    DatabaseInit,
    databaseInitScript,
    databaseInitSql,
    metastoreDatabase,
    quoteIdent,
    quoteLiteral,
    rerunnableJobAnnotations,
    rerunnableJobOptions,
    serviceDatabases,
} from "../components/services/databaseInit";
import { inputsHashAnnotation } from "../components/kubernetes/rollout";
import { HiveMetastore, metastoreSchemaScript, metastoreSiteXml, metastoreUri, metastoreWarehouseDir } from "../components/services/metastore";
import { Minio, minioBucketScript, minioEndpoint } from "../components/services/minio";
import { InClusterPostgres, postgresImage, postgresPasswordSyncScript } from "../components/services/postgres";
import { warehouseDir } from "../components/spark/sparkDefaults";
import { isSecretValue, maskSecrets, RecordedResource, runProgram } from "../tools/harness";
import { validateK8sObject } from "./support/k8sSchema";

const marker = "known-fake-password";

type Credentials = Required<Pick<CredentialValues, "databaseAdmin" | "metastoreDatabase" | "airflowDatabase" | "minioRoot">>;

/** Fake generated credentials: Pulumi secrets whose passwords all contain the marker. */
function fakeCredentials(suffix = "1"): Credentials {
    const credential = (username: string) => pulumi.secret<Record<string, string>>({ username, password: `${marker}-${username}-${suffix}` });
    return {
        databaseAdmin: credential("platform_admin"),
        metastoreDatabase: credential("metastore"),
        airflowDatabase: credential("airflow"),
        minioRoot: credential("minio-root"),
    };
}

const localBuckets: Record<BucketPurpose, string> = { warehouse: "warehouse", eventLogs: "event-logs", airflowLogs: "airflow-logs", backups: "backups" };
const metastoreImage = "spark-k8s/hive-metastore:3.1.3-p2";
const rdsHost = "spark-prod-abc123.cxyz.us-east-1.rds.amazonaws.com";

/** The local tier: in-cluster PostgreSQL, MinIO, one metastore replica, no node groups. */
function localProgram(credentials: Credentials = fakeCredentials()): () => void {
    return () => {
        const postgres = new InClusterPostgres("postgres", { namespace: "spark-platform", admin: credentials.databaseAdmin, storageGiB: 5, nodeGroups: false });
        const init = new DatabaseInit("database-init", { namespace: "spark-platform", database: postgres.server, credentials, databases: serviceDatabases, nodeGroups: false, dependsOn: [postgres] });
        new Minio("minio", { namespace: "minio", rootCredentials: credentials.minioRoot, buckets: localBuckets, storageGiB: 20, storageClassName: "standard", nodeGroups: false });
        const storage: ObjectStorage = { kind: "minio", endpoint: minioEndpoint, buckets: localBuckets };
        new HiveMetastore("hive-metastore", {
            namespace: "spark-platform",
            image: metastoreImage,
            replicas: 1,
            database: postgres.server,
            databaseCredentials: credentials.metastoreDatabase,
            storage,
            objectStorageCredentials: credentials.minioRoot,
            serviceAccountName: "hive-metastore",
            nodeGroups: false,
            dependsOn: [init.job],
        });
    };
}

/** An AWS tier: RDS with TLS, S3 buckets known only after deployment, HA metastore on system nodes. */
function awsProgram(credentials: Credentials = fakeCredentials()): () => void {
    return () => {
        const database = { host: pulumi.output(rdsHost), port: 5432, sslMode: "require" as const, inCluster: false };
        const init = new DatabaseInit("database-init", { namespace: "spark-platform", database, credentials, databases: serviceDatabases, nodeGroups: true });
        const buckets = {
            warehouse: pulumi.output("spark-prod-warehouse-a1b2"),
            eventLogs: pulumi.output("spark-prod-event-logs-a1b2"),
            airflowLogs: pulumi.output("spark-prod-airflow-logs-a1b2"),
            backups: pulumi.output("spark-prod-backups-a1b2"),
        };
        new HiveMetastore("hive-metastore", {
            namespace: "spark-platform",
            image: metastoreImage,
            replicas: 2,
            database,
            databaseCredentials: credentials.metastoreDatabase,
            storage: { kind: "s3", region: "us-east-1", buckets },
            serviceAccountName: "hive-metastore",
            nodeGroups: true,
            dependsOn: [init.job],
        });
    };
}

async function record(program: () => void): Promise<RecordedResource[]> {
    return (await runProgram(program)).resources;
}

/** A value with Pulumi's secret wrappers removed, as Kubernetes would receive it. */
function unwrap(value: unknown): unknown {
    if (isSecretValue(value)) return unwrap(value.value);
    if (Array.isArray(value)) return value.map(unwrap);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v)]));
    return value;
}

const T = {
    secret: "kubernetes:core/v1:Secret",
    configMap: "kubernetes:core/v1:ConfigMap",
    service: "kubernetes:core/v1:Service",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    deployment: "kubernetes:apps/v1:Deployment",
    job: "kubernetes:batch/v1:Job",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
};
const workloadTypes = [T.statefulSet, T.deployment, T.job];

interface Container {
    name: string;
    image: string;
    command?: string[];
    env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    securityContext?: Record<string, unknown>;
    livenessProbe?: unknown;
    readinessProbe?: unknown;
    volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
}
interface PodSpec {
    containers: Container[];
    initContainers?: Container[];
    securityContext?: Record<string, unknown>;
    nodeSelector?: Record<string, string>;
    restartPolicy?: string;
    serviceAccountName?: string;
    automountServiceAccountToken?: boolean;
}
interface Workload {
    metadata: { name?: string; namespace?: string };
    spec: {
        replicas?: number;
        template: { metadata?: { annotations?: Record<string, unknown> }; spec: PodSpec };
        volumeClaimTemplates?: { spec: { storageClassName?: string; resources: { requests: { storage: string } } } }[];
    };
}

const of = (resources: RecordedResource[], type: string) => resources.filter((r) => r.type === type);
const inputs = <T>(r: RecordedResource) => unwrap(r.inputs) as T;
const byName = (resources: RecordedResource[], type: string, name: string) => {
    const found = of(resources, type).find((r) => r.name === name);
    assert.ok(found, `no ${type} named ${name}; have ${of(resources, type).map((r) => r.name).join(", ")}`);
    return found;
};
const podSpecOf = (r: RecordedResource) => inputs<Workload>(r).spec.template.spec;
const envOf = (c: Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));

describe("databaseInitSql", () => {
    const sql = databaseInitSql();
    const statements = sql.split("\n");

    it("creates each role and database only when missing, each CREATE guarded and run by \\gexec", () => {
        const creates = statements.filter((l) => /CREATE (ROLE|DATABASE)/.test(l));
        assert.equal(creates.length, 2 * serviceDatabases.length);
        for (const line of creates) {
            assert.match(line, /^SELECT '.*' WHERE NOT EXISTS \(SELECT FROM pg_catalog\.pg_(roles WHERE rolname|database WHERE datname) = '[a-z_]+'\)$/, line);
            assert.equal(statements[statements.indexOf(line) + 1], "\\gexec", `${line} is not followed by \\gexec`);
        }
        assert.ok(!/^\s*CREATE /m.test(sql), "an unguarded CREATE would fail on the second run");
        assert.match(sql, /^\\set ON_ERROR_STOP on$/m);
    });

    it("sets password, owner and privileges on every run, in an order that works on RDS", () => {
        for (const d of serviceDatabases) {
            const role = quoteIdent(d.role);
            const db = quoteIdent(d.database);
            const at = (text: string) => {
                const i = sql.indexOf(text);
                assert.ok(i >= 0, `missing: ${text}`);
                return i;
            };
            const createRole = at(`CREATE ROLE ${role} LOGIN`);
            const password = at(`ALTER ROLE ${role} WITH LOGIN PASSWORD :'${d.passwordVariable}';`);
            const grant = at(`GRANT ${role} TO CURRENT_USER;`);
            const createDb = at(`CREATE DATABASE ${db} OWNER ${role}`);
            const owner = at(`ALTER DATABASE ${db} OWNER TO ${role};`);
            at(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC;`);
            assert.ok(createRole < password && password < grant && grant < createDb && createDb < owner, `statement order for ${d.database}`);
        }
        assert.deepEqual(serviceDatabases.map((d) => [d.database, d.role]), [["metastore", "metastore"], ["airflow", "airflow"]]);
    });

    it("quotes every identifier and literal", () => {
        for (const d of serviceDatabases) {
            const unquoted = new RegExp(`(ROLE|DATABASE|OWNER|TO|GRANT)\\s+${d.role}\\b`);
            assert.ok(!unquoted.test(sql), `unquoted identifier ${d.role}`);
        }
        assert.equal(quoteIdent('we"ird'), '"we""ird"');
        assert.equal(quoteLiteral("it's"), "'it''s'");
    });

    it("never contains a password: each comes from the environment through \\getenv and :'var'", () => {
        for (const d of serviceDatabases) assert.match(sql, new RegExp(`^\\\\getenv ${d.passwordVariable} ${d.passwordEnv}$`, "m"));
        const passwordClauses = statements.filter((l) => !/^(--|\\)/.test(l)).join("\n").match(/PASSWORD\s+\S+/g) ?? [];
        assert.equal(passwordClauses.length, serviceDatabases.length);
        for (const clause of passwordClauses) assert.match(clause, /^PASSWORD :'[a-z_]+';$/, clause);
        assert.ok(!sql.includes("$$"), "psql does not interpolate :'var' inside dollar-quoted DO blocks");
    });

    it("refuses names that are not plain lower-case SQL names, and duplicates", () => {
        assert.throws(() => databaseInitSql([{ ...metastoreDatabase, role: 'x"; DROP ROLE postgres; --' }]), /role .* is not a lower-case SQL name/);
        assert.throws(() => databaseInitSql([metastoreDatabase, { ...airflowDatabase, database: "metastore" }]), /database "metastore" is used twice/);
        assert.throws(() => databaseInitSql([{ ...metastoreDatabase, passwordEnv: "lower" }]), /environment variable "lower"/);
    });

    it("the init script checks its environment, waits a bounded time, and puts no secret on a command line", () => {
        const script = databaseInitScript(serviceDatabases, { attempts: 12, intervalSeconds: 5 });
        for (const v of ["PGUSER", "PGPASSWORD", "METASTORE_DB_PASSWORD", "AIRFLOW_DB_PASSWORD"]) assert.ok(script.includes(`: "\${${v}:?`), v);
        assert.match(script, /-ge 12 \]; then .* exit 1; fi/);
        assert.match(script, /^exec psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 --file \/etc\/database-init\/init\.sql$/m);
        assert.ok(!/psql[^\n]*(PASSWORD|password)/.test(script), "no password variable passed to psql on its command line");
    });

    it("re-runnable Jobs are replaced, new before old, whenever their spec changes or they failed", () => {
        const options = rerunnableJobOptions({} as pulumi.Resource);
        assert.deepEqual(options.replaceOnChanges, ["spec"]);
        assert.equal(options.deleteBeforeReplace, false);
        assert.deepEqual(rerunnableJobAnnotations, { "pulumi.com/replaceUnready": "true" });
    });
});

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

describe("minioBucketScript", () => {
    const buckets = Object.values(localBuckets);

    it("creates exactly the four data-lake buckets, each with --ignore-existing", () => {
        const script = minioBucketScript(buckets);
        const made = script.split("\n").filter((l) => /\bmb\b/.test(l));
        assert.deepEqual(made, buckets.map((b) => `mc --config-dir /tmp/.mc mb --ignore-existing minio/${b}`));
        assert.deepEqual(buckets, ["warehouse", "event-logs", "airflow-logs", "backups"]);
    });

    it("waits for MinIO a bounded time and keeps credentials off command lines", () => {
        const script = minioBucketScript(buckets, { attempts: 10, intervalSeconds: 3 });
        assert.match(script, /until mc --config-dir \/tmp\/\.mc ls minio/);
        assert.match(script, /-ge 10 \]; then .*exit 1; fi/);
        assert.match(script, /^export MC_HOST_minio="http:\/\/\$\{MINIO_ROOT_USER\}:\$\{MINIO_ROOT_PASSWORD\}@\$\{MINIO_SERVER\}"$/m);
        assert.ok(!script.includes("alias set"), "mc alias set would put the secret on a command line");
    });

    it("creates each folder marker after the buckets, and only inside them", () => {
        const script = minioBucketScript(buckets, { folders: ["event-logs/spark-events/"] });
        const made = script.split("\n").filter((l) => /\bmb\b/.test(l));
        assert.equal(made[made.length - 1], "mc --config-dir /tmp/.mc mb --ignore-existing minio/event-logs/spark-events/");
        assert.throws(() => minioBucketScript(buckets, { folders: ["other/spark-events/"] }), /not bucket\/prefix\/ in one of the buckets/);
        assert.throws(() => minioBucketScript(buckets, { folders: ["event-logs/spark-events"] }), /not bucket\/prefix\//);
    });

    it("refuses invalid, repeated or no bucket names", () => {
        assert.throws(() => minioBucketScript(["Warehouse"]), /not a bucket name/);
        assert.throws(() => minioBucketScript(["a-b", "a-b"]), /repeated/);
        assert.throws(() => minioBucketScript([]), /none given/);
    });

    it("exports the endpoint of serviceEndpoints.minio", () => {
        const e = serviceEndpoints.minio;
        assert.equal(minioEndpoint, `http://${serviceHost(e)}:${e.port}`);
    });
});

describe("postgres password sync", () => {
    it("reads the password from the environment, over the local socket, after a bounded wait", () => {
        const script = postgresPasswordSyncScript({ attempts: 30 });
        assert.match(script, /^\\getenv password POSTGRES_PASSWORD$/m);
        assert.match(script, /^ALTER ROLE CURRENT_USER WITH PASSWORD :'password';$/m);
        assert.match(script, /-ge 30 \]; then .*exit 0; fi/);
        assert.match(script, /exit 0$/, "a failing postStart hook would kill the container, even during initdb");
        assert.match(script, /--host \/var\/run\/postgresql/);
    });
});

describe("data services under mocks", () => {
    let local: RecordedResource[];
    let aws: RecordedResource[];
    before(async () => {
        local = await record(localProgram());
        aws = await record(awsProgram());
    });

    it("are components of type spark-k8s:services:<Name> whose children are parented to them", () => {
        for (const [resources, names] of [[local, ["InClusterPostgres", "DatabaseInit", "Minio", "HiveMetastore"]], [aws, ["DatabaseInit", "HiveMetastore"]]] as const) {
            const components = resources.filter((r) => !r.custom);
            assert.deepEqual(components.map((c) => c.type).sort(), names.map((n) => `spark-k8s:services:${n}`).sort());
            for (const r of resources.filter((x) => x.custom)) assert.ok(components.some((c) => c.urn === r.parent), `${r.type} ${r.name} has no component parent`);
        }
    });

    it("every pod spec is hardened: restricted contexts, requests and memory limits, pinned images, probes on servers", () => {
        for (const resources of [local, aws]) {
            const workloads = resources.filter((r) => workloadTypes.includes(r.type));
            assert.equal(workloads.length, resources === local ? 6 : 3);
            for (const w of workloads) {
                const spec = podSpecOf(w);
                const where = `${w.type} ${w.name}`;
                assert.equal(spec.securityContext?.runAsNonRoot, true, where);
                assert.ok(typeof spec.securityContext?.runAsUser === "number" && spec.securityContext.runAsUser > 0, where);
                assert.deepEqual(spec.securityContext?.seccompProfile, { type: "RuntimeDefault" }, where);
                assert.equal(spec.automountServiceAccountToken, false, where);
                for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
                    const at = `${where} container ${c.name}`;
                    assert.ok(isPinnedImage(c.image), `${at}: image ${c.image}`);
                    assert.deepEqual(c.securityContext, {
                        allowPrivilegeEscalation: false,
                        privileged: false,
                        capabilities: { drop: ["ALL"] },
                        readOnlyRootFilesystem: true,
                        runAsNonRoot: true,
                        seccompProfile: { type: "RuntimeDefault" },
                    }, at);
                    assert.ok(c.resources?.requests?.cpu && c.resources.requests.memory, `${at}: requests`);
                    assert.ok(c.resources?.limits?.memory, `${at}: memory limit`);
                    if (w.type === T.job) assert.equal(spec.restartPolicy, "Never", at);
                    else assert.ok(c.livenessProbe && c.readinessProbe, `${at}: probes`);
                }
            }
        }
    });

    it("Kubernetes objects validate against the API schema", () => {
        for (const r of [...local, ...aws].filter((x) => x.type.startsWith("kubernetes:"))) {
            assert.deepEqual(validateK8sObject(unwrap(r.inputs)), [], `${r.type} ${r.name}`);
        }
    });

    it("no recorded input holds a generated password in plain text", () => {
        for (const r of [...local, ...aws]) {
            const text = JSON.stringify(maskSecrets(r.inputs));
            assert.ok(!text.includes(marker), `${r.type} ${r.name} shows a password: ${text.slice(text.indexOf(marker) - 80, text.indexOf(marker) + 40)}`);
        }
        // The marker is there once unmasked: the search above is not vacuous.
        assert.ok(of(local, T.secret).some((s) => JSON.stringify(unwrap(s.inputs)).includes(marker)));
    });

    it("Secrets carry their values as Pulumi secrets, and containers reach them through secretKeyRef", () => {
        for (const resources of [local, aws]) {
            const secrets = new Map(of(resources, T.secret).map((s) => [inputs<{ metadata: { name: string } }>(s).metadata.name, s]));
            assert.ok(secrets.size >= 2);
            for (const s of secrets.values()) assert.ok(isSecretValue(s.inputs.stringData), `${s.name}: stringData is not secret-wrapped`);
            for (const w of resources.filter((r) => workloadTypes.includes(r.type))) {
                for (const c of podSpecOf(w).containers) {
                    for (const e of c.env ?? []) {
                        if (/PASSWORD|SECRET/.test(e.name)) assert.ok(e.valueFrom?.secretKeyRef && e.value === undefined, `${w.name}/${c.name}: ${e.name} is not from a Secret`);
                        const ref = e.valueFrom?.secretKeyRef;
                        if (!ref) continue;
                        const secret = secrets.get(ref.name);
                        assert.ok(secret, `${w.name}/${c.name}: ${e.name} refers to a missing Secret ${ref.name}`);
                        const data = unwrap(secret.inputs.stringData) as Record<string, string>;
                        assert.ok(ref.key in data, `${w.name}/${c.name}: ${e.name} refers to missing key ${ref.key}`);
                    }
                }
            }
        }
    });

    it("Services expose the ports of serviceEndpoints", () => {
        const ports = (resources: RecordedResource[], name: string) => {
            const svc = of(resources, T.service).map((s) => inputs<{ metadata: { name: string }; spec: { clusterIP?: string; ports: { name: string; port: number }[] } }>(s)).find((s) => s.metadata.name === name);
            assert.ok(svc, `no Service ${name}`);
            return { clusterIP: svc.spec.clusterIP, ports: Object.fromEntries(svc.spec.ports.map((p) => [p.name, p.port])) };
        };
        const e = serviceEndpoints;
        assert.deepEqual(ports(local, e.postgres.name), { clusterIP: undefined, ports: { postgres: e.postgres.port } });
        assert.deepEqual(ports(local, `${e.postgres.name}-headless`), { clusterIP: "None", ports: { postgres: e.postgres.port } });
        assert.deepEqual(ports(local, e.minio.name), { clusterIP: undefined, ports: { api: e.minio.port, console: e.minio.consolePort } });
        assert.deepEqual(ports(local, `${e.minio.name}-headless`).ports, { api: e.minio.port, console: e.minio.consolePort });
        for (const resources of [local, aws]) assert.deepEqual(ports(resources, e.metastore.name), { clusterIP: undefined, ports: { thrift: e.metastore.port } });
    });

    it("in-cluster PostgreSQL: pinned 16.x as UID 999, data on a volume claim, superuser from the admin Secret, pg_isready probes", () => {
        const sts = inputs<Workload>(byName(local, T.statefulSet, "postgres"));
        assert.equal(sts.metadata.name, serviceEndpoints.postgres.name);
        const c = sts.spec.template.spec.containers[0];
        assert.match(c.image, /^postgres:16\.\d+/);
        assert.equal(c.image, postgresImage);
        assert.equal(sts.spec.template.spec.securityContext?.runAsUser, 999);
        assert.equal(sts.spec.volumeClaimTemplates?.[0].spec.resources.requests.storage, "5Gi");
        assert.equal(sts.spec.volumeClaimTemplates?.[0].spec.storageClassName, undefined, "cluster default StorageClass");
        const env = envOf(c);
        assert.equal(env.PGDATA.value, "/var/lib/postgresql/data/pgdata");
        assert.deepEqual([env.POSTGRES_USER.valueFrom?.secretKeyRef, env.POSTGRES_PASSWORD.valueFrom?.secretKeyRef], [{ name: "postgres-admin", key: "username" }, { name: "postgres-admin", key: "password" }]);
        assert.ok(c.volumeMounts?.some((m) => m.mountPath === "/var/run/postgresql"), "socket directory writable");
        assert.match(JSON.stringify(c.readinessProbe), /pg_isready/);
        assert.match(JSON.stringify(c.livenessProbe), /pg_isready/);
    });

    it("database init: psql against the given server with its sslmode, SQL from databaseInitSql, passwords from its Secret", () => {
        for (const [resources, host, sslMode] of [[local, "postgres.spark-platform.svc.cluster.local", "disable"], [aws, rdsHost, "require"]] as const) {
            const job = of(resources, T.job).find((j) => j.name === "database-init");
            assert.ok(job);
            const c = podSpecOf(job).containers[0];
            const env = envOf(c);
            assert.equal(env.PGHOST.value, host);
            assert.equal(env.PGSSLMODE.value, sslMode);
            assert.equal(env.PGUSER.valueFrom?.secretKeyRef?.key, "admin-username");
            for (const d of serviceDatabases) assert.ok(env[d.passwordEnv].valueFrom?.secretKeyRef, d.passwordEnv);
            const sql = inputs<{ data: Record<string, string> }>(byName(resources, T.configMap, "database-init-sql")).data["init.sql"];
            assert.equal(sql, databaseInitSql());
        }
        const job = byName(local, T.job, "database-init");
        assert.ok(job.dependencies.includes(byName(local, T.statefulSet, "postgres").urn), "waits for the in-cluster server");
    });

    it("a rotated password changes the init Job's spec, so the Job runs again", async () => {
        const hash = async (suffix: string) => {
            const resources = await record(awsProgram(fakeCredentials(suffix)));
            return inputs<Workload>(byName(resources, T.job, "database-init")).spec.template.metadata?.annotations?.[inputsHashAnnotation];
        };
        const [first, same, rotated] = [await hash("1"), await hash("1"), await hash("2")];
        assert.ok(typeof first === "string" && first.length > 0);
        assert.equal(first, same);
        assert.notEqual(first, rotated);
        // The hash is no secret (it reveals nothing), so the Job spec stays readable in previews and plans.
        for (const resources of [local, aws]) {
            for (const w of resources.filter((r) => workloadTypes.includes(r.type))) assert.ok(!isSecretValue(w.inputs.spec), `${w.name}: spec hidden as a secret`);
        }
    });

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

    it("MinIO: pinned RELEASE images as UID 1000, health probes, volume with the StorageClass, bucket Job after the server", () => {
        const sts = inputs<Workload>(byName(local, T.statefulSet, "minio"));
        const c = sts.spec.template.spec.containers[0];
        assert.match(c.image, /^quay\.io\/minio\/minio:RELEASE\.\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z$/);
        assert.equal(sts.spec.template.spec.securityContext?.runAsUser, 1000);
        assert.deepEqual([c.livenessProbe, c.readinessProbe].map((p) => (p as { httpGet: { path: string } }).httpGet.path), ["/minio/health/live", "/minio/health/ready"]);
        assert.equal(sts.spec.volumeClaimTemplates?.[0].spec.storageClassName, "standard");
        assert.deepEqual([envOf(c).MINIO_ROOT_USER.valueFrom?.secretKeyRef, envOf(c).MINIO_ROOT_PASSWORD.valueFrom?.secretKeyRef], [{ name: "minio-root", key: "MINIO_ROOT_USER" }, { name: "minio-root", key: "MINIO_ROOT_PASSWORD" }]);

        const job = byName(local, T.job, "minio-buckets");
        const mc = podSpecOf(job).containers[0];
        assert.match(mc.image, /^quay\.io\/minio\/mc:RELEASE\./);
        const script = mc.command?.[2] ?? "";
        assert.deepEqual(script.split("\n").filter((l) => /\bmb\b/.test(l)).map((l) => l.split(" ").pop()), ["minio/warehouse", "minio/event-logs", "minio/airflow-logs", "minio/backups", "minio/event-logs/spark-events/"]);
        assert.ok(script.split("\n").filter((l) => /\bmb\b/.test(l)).every((l) => l.includes("--ignore-existing")));
        assert.equal(envOf(mc).MINIO_SERVER.value, "minio.minio.svc.cluster.local:9000");
        assert.ok(job.dependencies.includes(byName(local, T.statefulSet, "minio").urn), "waits for the server");
    });

    it("every Job is auto-named (so a replacement never clashes), bounded, cleaned up, and re-run after a failure", () => {
        for (const job of [...of(local, T.job), ...of(aws, T.job)]) {
            const j = inputs<{ metadata: { name?: string; annotations?: Record<string, string> }; spec: { backoffLimit?: number; ttlSecondsAfterFinished?: number; activeDeadlineSeconds?: number; template: { metadata: { annotations: Record<string, string> } } } }>(job);
            assert.equal(j.metadata.name, undefined, job.name);
            assert.equal(j.metadata.annotations?.["pulumi.com/replaceUnready"], "true", job.name);
            assert.ok(j.spec.backoffLimit !== undefined && j.spec.backoffLimit <= 6, job.name);
            assert.ok(j.spec.ttlSecondsAfterFinished !== undefined && j.spec.ttlSecondsAfterFinished > 0, job.name);
            assert.ok(j.spec.activeDeadlineSeconds !== undefined, job.name);
            assert.match(j.spec.template.metadata.annotations[inputsHashAnnotation], /^[0-9a-f]{32}$/, job.name);
        }
    });

    it("places pods on the system nodes only where there are node groups", () => {
        for (const w of aws.filter((r) => workloadTypes.includes(r.type))) assert.deepEqual(podSpecOf(w).nodeSelector, { [nodeRoleLabel]: "system" }, w.name);
        for (const w of local.filter((r) => workloadTypes.includes(r.type))) assert.equal(podSpecOf(w).nodeSelector, undefined, w.name);
    });

    it("refuses unpinned images and MinIO storage without credentials", async () => {
        const bad = () =>
            new HiveMetastore("bad", {
                namespace: "x",
                image: "apache/hive:latest",
                replicas: 1,
                database: { host: "h", port: 5432, sslMode: "disable" },
                databaseCredentials: fakeCredentials().metastoreDatabase,
                storage: { kind: "minio", endpoint: minioEndpoint, buckets: localBuckets },
                serviceAccountName: "sa",
                nodeGroups: false,
            });
        await assert.rejects(runProgram(bad), (e: Error) => /not pinned/.test(e.message) && /objectStorageCredentials/.test(e.message));
    });
});
