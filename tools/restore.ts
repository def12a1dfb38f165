/**
 * Writes the Job that restores one database from a dump the backup CronJob uploaded, for a stack,
 * as YAML to pipe into kubectl. The Job reads the server, bucket and login from the objects the
 * stack's DatabaseBackups component wrote in the cluster; docs/operations.md ("Disaster recovery")
 * walks through a restore.
 *
 *   npm run restore -- --stack prod --database metastore --dump postgres/metastore/20261205T020000Z.dump | kubectl apply -f -
 */
import * as path from "path";
import { parseArgs } from "util";
import { stringify } from "yaml";
import { ConfigError } from "../components/config";
import { databaseBackupPrefix } from "../components/config/names";
import { restorableDatabase, restoreJobManifest, serverMajor } from "../components/services/backups";
import { componentPlan } from "../components/spark/scenarios";
import { storageEnv } from "../components/sparkStack";
import { CommandResult, failure, isResult, parseCommand, runMain, usageError } from "./cli";
import { missingStackFile, repoRoot, stackConfig } from "./harness";

export const usage = `usage: npm run restore -- --stack NAME --database metastore|airflow --dump KEY [--dir DIR]

Prints the Kubernetes Job that restores DATABASE from the dump KEY of the stack's backups bucket
(pg_restore --clean --if-exists, in one transaction). Pipe it into kubectl apply -f -.

  --stack NAME       the stack whose cluster runs the restore (its tier decides server and storage)
  --database NAME    metastore, or airflow where the stack runs Airflow
  --dump KEY         the dump's object key: ${databaseBackupPrefix}<database>/<YYYYMMDDTHHMMSSZ>.dump
  --dir DIR          directory holding Pulumi.yaml and the stack files (default: the repository root)
  -h, --help         show this help

Exit codes: 0 written, 1 the stack cannot restore (no backups, no such database), 2 bad arguments.
`;

/** Runs the restore command for the given arguments (without node and script). */
export function restoreCommand(argv: readonly string[]): CommandResult {
    const parsed = parseCommand("restore", usage, () =>
        parseArgs({
            args: [...argv],
            strict: true,
            allowPositionals: false,
            options: { stack: { type: "string" }, database: { type: "string" }, dump: { type: "string" }, dir: { type: "string" }, help: { type: "boolean", short: "h" } },
        }),
    );
    if (isResult(parsed)) return parsed;
    const v = parsed.values;
    for (const flag of ["stack", "database", "dump"] as const) {
        if (!v[flag]) return usageError("restore", usage, `--${flag} is required`);
    }
    const dir = v.dir ? path.resolve(process.env.INIT_CWD ?? process.cwd(), v.dir) : repoRoot;
    const stack = v.stack!;
    const missing = missingStackFile(stack, dir);
    if (missing) return failure("restore", missing);
    try {
        const config = stackConfig(stack, dir);
        if (!config.services.backups.enabled) return failure("restore", `stack ${stack} has services.backups.enabled false: no dumps, scripts or restore identity`);
        const database = restorableDatabase(v.database!);
        const plan = componentPlan({ ...config.spark, tier: config.tier, minioEnabled: config.services.minio.enabled });
        if (database.database === "airflow" && !plan.airflow.enabled) return failure("restore", `stack ${stack} does not run Airflow`);
        const local = config.tier === "local";
        const job = restoreJobManifest({
            database,
            dumpKey: v.dump!,
            serverMajor: serverMajor({ inCluster: local }, config.services.metastore.database.engineVersion),
            nodeGroups: !local,
            objectStorageEnv: storageEnv({ storage: { kind: local ? "minio" : "s3" } }),
        });
        return { code: 0, stdout: stringify(job, { aliasDuplicateObjects: false }), stderr: "" };
    } catch (err) {
        if (err instanceof ConfigError) return { code: 1, stdout: "", stderr: `${err.message}\n` };
        return failure("restore", err);
    }
}

if (require.main === module) runMain(restoreCommand);
