/**
 * Prepares the platform's PostgreSQL server (Amazon RDS, or the in-cluster server on the local
 * tier) for the services that keep state in it: one login role and one database per service
 * (metastore, airflow), owned by that role, with the generated password. A Kubernetes Job runs the
 * SQL as the administrator, so it works wherever the cluster can reach the server.
 *
 * Re-runs. The Job is auto-named by Pulumi and replaced (`replaceOnChanges: ["spec"]`, the new Job
 * created before the old one is deleted) whenever its spec changes. The pod template carries a hash
 * of everything the run depends on (SQL, image, server, and the credentials themselves), so a
 * rotated password, a moved server or new SQL gives a new Job that runs again; the SQL is
 * idempotent, and `ALTER ROLE ... PASSWORD` on every run makes a re-run the way passwords rotate.
 * A finished Job is deleted by Kubernetes after `ttlSecondsAfterFinished`; Pulumi does not notice
 * until a refresh, after which the next `up` recreates it and it runs once more, harmlessly.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DatabaseServer } from "../context";
import { ContainerResources, hardenPodSpec } from "../kubernetes/hardening";
import { inputsHash, inputsHashAnnotation } from "../kubernetes/rollout";
import { onSystemNodes } from "../kubernetes/scheduling";
import { postgresImage, postgresUserId } from "./postgres";
import { priorityClassName } from "../kubernetes/priorities";
import { CredentialDelivery, deliverSecret, field, writeSecrets } from "./secretDelivery";
import { CredentialValues, FieldSource, GeneratedSecretName, generatedSecrets } from "./credentials";

/** One service's role and database, and where the init job finds its password. */
export interface ServiceDatabase {
    /** Database name; also what the service's connection string names. */
    readonly database: string;
    /** Login role that owns the database; the username of the service's generated credential. */
    readonly role: string;
    /** The generated credential holding the role's password. */
    readonly credential: "metastoreDatabase" | "airflowDatabase";
    /** Environment variable of the init container that carries the password. */
    readonly passwordEnv: string;
    /** psql variable the SQL reads the password into (`\getenv`) and interpolates as a literal (`:'var'`). */
    readonly passwordVariable: string;
}

/** The username a generated credential fixes; roles are named after it so the SQL needs no secret. */
function fixedUsername(credential: GeneratedSecretName): string {
    const source: FieldSource | undefined = (generatedSecrets[credential].fields as Record<string, FieldSource>).username;
    if (source?.kind !== "fixed") throw new Error(`credential ${credential} has no fixed username`);
    return source.value;
}

/** The Hive Metastore's database and role. */
export const metastoreDatabase: ServiceDatabase = {
    database: "metastore",
    role: fixedUsername("metastoreDatabase"),
    credential: "metastoreDatabase",
    passwordEnv: "METASTORE_DB_PASSWORD",
    passwordVariable: "metastore_password",
};

/** Airflow's metadata database and role. */
export const airflowDatabase: ServiceDatabase = {
    database: "airflow",
    role: fixedUsername("airflowDatabase"),
    credential: "airflowDatabase",
    passwordEnv: "AIRFLOW_DB_PASSWORD",
    passwordVariable: "airflow_password",
};

/** Every database the init job prepares. */
export const serviceDatabases: readonly ServiceDatabase[] = [metastoreDatabase, airflowDatabase];

/** PostgreSQL identifier, double-quoted (so never case-folded or read as a keyword). */
export function quoteIdent(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
}

/** PostgreSQL string literal, single-quoted with quotes doubled (standard_conforming_strings is on). */
export function quoteLiteral(text: string): string {
    return `'${text.replace(/'/g, "''")}'`;
}

const sqlName = /^[a-z_][a-z0-9_]{0,62}$/;
const psqlVariable = /^[a-z_][a-z0-9_]*$/;
const envName = /^[A-Z_][A-Z0-9_]*$/;

/**
 * The init SQL, a psql script. Idempotent: roles and databases are created only when missing
 * (`SELECT ... WHERE NOT EXISTS ... \gexec`, since CREATE DATABASE cannot run inside a DO block),
 * then the password, owner and privileges are set on every run. Passwords never appear in it:
 * `\getenv` reads each one from the environment into a psql variable and `:'var'` interpolates it
 * as a properly quoted literal. Needs psql 15+ (`\getenv`). The administrator needs CREATEROLE and
 * CREATEDB (the RDS master user has both); it grants itself each service role, which PostgreSQL 16
 * requires before a non-superuser may create a database owned by that role.
 */
export function databaseInitSql(databases: readonly ServiceDatabase[] = serviceDatabases): string {
    const problems: string[] = [];
    for (const d of databases) {
        if (!sqlName.test(d.database)) problems.push(`database "${d.database}" is not a lower-case SQL name`);
        if (!sqlName.test(d.role)) problems.push(`role "${d.role}" is not a lower-case SQL name`);
        if (!psqlVariable.test(d.passwordVariable)) problems.push(`psql variable "${d.passwordVariable}" is not a lower-case name`);
        if (!envName.test(d.passwordEnv)) problems.push(`environment variable "${d.passwordEnv}" is not an upper-case name`);
    }
    for (const field of ["database", "role", "passwordVariable", "passwordEnv"] as const) {
        const values = databases.map((d) => d[field]);
        for (const v of new Set(values.filter((x, i) => values.indexOf(x) !== i))) problems.push(`${field} "${v}" is used twice`);
    }
    if (problems.length > 0) throw new Error(`database init SQL:\n  - ${problems.join("\n  - ")}`);

    const lines = [
        "-- Written by spark-k8s DatabaseInit. Safe to run again: it creates what is missing and sets passwords.",
        "\\set ON_ERROR_STOP on",
        "SET client_min_messages TO warning;",
        "",
    ];
    for (const d of databases) {
        const role = quoteIdent(d.role);
        const database = quoteIdent(d.database);
        lines.push(
            `-- ${d.database}: role ${d.role}, password from $${d.passwordEnv}`,
            `\\getenv ${d.passwordVariable} ${d.passwordEnv}`,
            `SELECT ${quoteLiteral(`CREATE ROLE ${role} LOGIN`)} WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = ${quoteLiteral(d.role)})`,
            "\\gexec",
            `ALTER ROLE ${role} WITH LOGIN PASSWORD :'${d.passwordVariable}';`,
            `GRANT ${role} TO CURRENT_USER;`,
            `SELECT ${quoteLiteral(`CREATE DATABASE ${database} OWNER ${role}`)} WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = ${quoteLiteral(d.database)})`,
            "\\gexec",
            `ALTER DATABASE ${database} OWNER TO ${role};`,
            `REVOKE ALL ON DATABASE ${database} FROM PUBLIC;`,
            `\\unset ${d.passwordVariable}`,
            "",
        );
    }
    return lines.join("\n");
}

/** Key of a service's password in the init job's Secret. */
function secretKey(d: ServiceDatabase): string {
    return `${d.database}-password`;
}

/** Where the init container mounts the SQL. */
export const databaseInitSqlPath = "/etc/database-init/init.sql";

/**
 * The init container's shell script: refuse to start without the passwords, wait (bounded) for the
 * server to accept connections, then run the SQL. Connection settings come from libpq's PG*
 * environment variables, so nothing secret is on a command line.
 */
export function databaseInitScript(databases: readonly ServiceDatabase[] = serviceDatabases, options: { attempts?: number; intervalSeconds?: number } = {}): string {
    const attempts = options.attempts ?? 60;
    const interval = options.intervalSeconds ?? 5;
    return [
        "set -eu",
        ...["PGUSER", "PGPASSWORD", ...databases.map((d) => d.passwordEnv)].map((v) => `: "\${${v}:?${v} is not set}"`),
        "attempt=0",
        "until pg_isready --quiet; do",
        "  attempt=$((attempt + 1))",
        `  if [ "$attempt" -ge ${attempts} ]; then echo "PostgreSQL at $PGHOST:$PGPORT is not accepting connections" >&2; exit 1; fi`,
        `  sleep ${interval}`,
        "done",
        `exec psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 --file ${databaseInitSqlPath}`,
    ].join("\n");
}


/**
 * Resource options of every re-runnable platform Job: replaced, new before old, when its spec
 * changes (Jobs are auto-named, so the new one never clashes with the old). Pulumi waits for a Job
 * to complete; the timeout covers the Job's own deadline.
 */
export function rerunnableJobOptions(parent: pulumi.Resource, dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>): pulumi.CustomResourceOptions {
    return {
        parent,
        replaceOnChanges: ["spec"],
        deleteBeforeReplace: false,
        customTimeouts: { create: "30m", update: "30m" },
        ...(dependsOn ? { dependsOn } : {}),
    };
}

/** Job annotations: a Job that failed is replaced, so run again, on the next update. */
export const rerunnableJobAnnotations: Readonly<Record<string, string>> = { "pulumi.com/replaceUnready": "true" };

/** Inputs of DatabaseInit: the server, the credentials and the databases to prepare. */
export interface DatabaseInitArgs {
    /** Namespace of the Job, its Secret and ConfigMap (created by the caller). */
    readonly namespace: pulumi.Input<string>;
    /** The server to prepare: RDS (sslMode require) or the in-cluster PostgreSQL (disable). */
    readonly database: Pick<DatabaseServer, "host" | "port" | "sslMode">;
    /** Generated credentials: the administrator and each service's role (Pulumi secrets). */
    readonly credentials: CredentialValues;
    /** How its credential Secret is delivered (secretDelivery); default: Pulumi writes it with `credentials`. */
    readonly delivery?: CredentialDelivery;
    /** The databases of the services this stack installs (the metastore always, Airflow with an airflow-* scenario). */
    readonly databases: readonly ServiceDatabase[];
    /** Run on the system node group; true only where the platform made node groups. */
    readonly nodeGroups: boolean;
    /** PostgreSQL client image (psql 15 or newer), pinned; defaults to the server image. */
    readonly image?: string;
    /** Seconds a finished Job stays for inspection before Kubernetes deletes it; default one day. */
    readonly ttlSecondsAfterFinished?: number;
    /** Resources the Job waits for, such as the in-cluster PostgreSQL. */
    readonly dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}

/** The init Job, its Secret (admin and service passwords) and its SQL. */
export class DatabaseInit extends pulumi.ComponentResource {
    /** The Job; services that need their database wait on it. */
    readonly job: k8s.batch.v1.Job;

    constructor(name: string, args: DatabaseInitArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:services:DatabaseInit", name, {}, opts);
        const parent = { parent: this };
        const image = args.image ?? postgresImage;
        const labels = { "app.kubernetes.io/name": "database-init", "app.kubernetes.io/part-of": "spark-k8s", "app.kubernetes.io/managed-by": "pulumi" };
        const sql = databaseInitSql(args.databases);

        const secret = deliverSecret(`${name}-credentials`, {
            name: "database-init-credentials",
            namespace: args.namespace,
            labels,
            data: {
                "admin-username": [field("databaseAdmin", "username")],
                "admin-password": [field("databaseAdmin", "password")],
                ...Object.fromEntries(args.databases.map((d) => [secretKey(d), [field(d.credential, "password")]])),
            },
        }, args.delivery ?? writeSecrets(args.credentials), parent);
        const script = new k8s.core.v1.ConfigMap(`${name}-sql`, {
            metadata: { name: "database-init-sql", namespace: args.namespace, labels },
            data: { "init.sql": sql },
        }, parent);

        const fromSecret = (key: string) => ({ secretKeyRef: { name: secret.name, key } });
        const resources: ContainerResources = { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } };
        const podSpec = hardenPodSpec({
            containers: [
                {
                    name: "psql",
                    image,
                    command: ["sh", "-c", databaseInitScript(args.databases)],
                    env: [
                        { name: "PGHOST", value: args.database.host },
                        { name: "PGPORT", value: String(args.database.port) },
                        { name: "PGDATABASE", value: "postgres" },
                        { name: "PGSSLMODE", value: args.database.sslMode },
                        { name: "PGCONNECT_TIMEOUT", value: "10" },
                        { name: "PGAPPNAME", value: "spark-k8s-database-init" },
                        { name: "PGUSER", valueFrom: fromSecret("admin-username") },
                        { name: "PGPASSWORD", valueFrom: fromSecret("admin-password") },
                        ...args.databases.map((d) => ({ name: d.passwordEnv, valueFrom: fromSecret(secretKey(d)) })),
                    ],
                    volumeMounts: [{ name: "sql", mountPath: "/etc/database-init", readOnly: true }],
                    resources,
                },
            ],
            volumes: [{ name: "sql", configMap: { name: script.metadata.name } }],
            runAsUser: postgresUserId,
            priorityClassName: priorityClassName("platform"),
            restartPolicy: "Never",
            ...onSystemNodes({ nodeGroups: args.nodeGroups }),
        });

        const hash = inputsHash([sql, image, args.database.host, args.database.port, args.database.sslMode, secret.hash]);
        this.job = new k8s.batch.v1.Job(name, {
            metadata: { namespace: args.namespace, labels, annotations: { ...rerunnableJobAnnotations } },
            spec: {
                backoffLimit: 6,
                activeDeadlineSeconds: 1800,
                ttlSecondsAfterFinished: args.ttlSecondsAfterFinished ?? 86400,
                template: { metadata: { labels, annotations: { [inputsHashAnnotation]: hash } }, spec: podSpec },
            },
        }, rerunnableJobOptions(this, args.dependsOn));
        this.registerOutputs({ jobName: this.job.metadata.name });
    }
}
