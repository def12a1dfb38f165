/**
 * Every IAM policy document a stack's plan holds, and the facts about the stack the requests are
 * built from, read from the generated artefact (resource inputs and stack outputs under the
 * harness), never from the program's policy builders.
 */
import { RecordedResource, StackRun, unwrapSecrets } from "../../tools/harness";
import { resourcesOfType } from "../support/artefacts";
import { planTypes } from "../../tools/planSummary";
import { databaseBackupJob } from "../../components/config/names";
import { backupObjects } from "../../components/services/backups";

/** A JSON policy document (the IAM grammar; the engine validates it). */
export type PolicyDocument = { Version?: string; Statement: PolicyStatement[] | PolicyStatement };
export type PolicyStatement = {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: unknown;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, unknown>>;
};

/** Which IAM grammar a document follows: what it is attached to decides how AWS reads it. */
export type PolicyKind = "identity" | "trust" | "resource";

/** One policy document found in the plan, with the resource that carries it. */
export interface PlanPolicy {
    readonly kind: PolicyKind;
    /** `<type> <name>` of the carrying resource, plus the input name when a resource carries several. */
    readonly source: string;
    readonly document: PolicyDocument;
}

/** An IAM role of the plan with its trust policy, inline policies, managed policy ARNs and pod identities. */
export interface PlanRole {
    readonly urn: string;
    readonly name: string;
    readonly trust: PolicyDocument;
    readonly inline: { name: string; document: PolicyDocument }[];
    readonly managedPolicyArns: string[];
    readonly podIdentities: { namespace: string; serviceAccount: string; roleArn: string }[];
}

/** Inputs that hold a policy document, per resource type; a policy-shaped input elsewhere fails the collection. */
const policyInputs: Record<string, Record<string, PolicyKind>> = {
    "aws:iam/role:Role": { assumeRolePolicy: "trust" },
    "aws:iam/rolePolicy:RolePolicy": { policy: "identity" },
    "aws:iam/policy:Policy": { policy: "identity" },
    "aws:s3/bucketPolicy:BucketPolicy": { policy: "resource" },
    "aws:kms/key:Key": { policy: "resource" },
    "aws:secretsmanager/secretPolicy:SecretPolicy": { policy: "resource" },
    "aws:ecr/repositoryPolicy:RepositoryPolicy": { policy: "resource" },
    "aws:sqs/queuePolicy:QueuePolicy": { policy: "resource" },
};

function parseDocument(text: unknown, where: string): PolicyDocument {
    const doc = (typeof text === "string" ? JSON.parse(text) : text) as PolicyDocument;
    if (!doc || typeof doc !== "object" || !("Statement" in doc)) throw new Error(`${where}: not a policy document: ${JSON.stringify(text)}`);
    return doc;
}

const looksLikePolicy = (v: unknown): boolean => typeof v === "string" && /"Statement"\s*:/.test(v);

/** Every policy document of the plan; throws on a policy-shaped input of a resource type this suite does not classify. */
export function planPolicies(run: StackRun): PlanPolicy[] {
    const out: PlanPolicy[] = [];
    for (const r of run.resources.filter((x) => x.type.startsWith("aws:"))) {
        const inputs = unwrapSecrets(r.inputs) as Record<string, unknown>;
        const known = policyInputs[r.type] ?? {};
        for (const [key, value] of Object.entries(inputs)) {
            const kind = known[key];
            if (kind) out.push({ kind, source: `${r.type} ${r.name} .${key}`, document: parseDocument(value, `${r.type} ${r.name}.${key}`) });
            else if (looksLikePolicy(value)) throw new Error(`${run.stack}: ${r.type} ${r.name}.${key} holds a policy document this suite does not classify; add it to policyInputs`);
        }
    }
    return out;
}

/**
 * The role a policy, attachment or association belongs to: the one role it waits for; when it
 * waits for several (a policy that names another role, as Karpenter's passes the node role), the
 * one its `role` input names by id (the harness gives a resource the id `<name>-id`).
 */
const roleOf = (r: RecordedResource, roles: Map<string, PlanRole>): string => {
    let found = r.dependencies.filter((d) => roles.has(d));
    if (found.length > 1) found = found.filter((d) => `${roles.get(d)!.name}-id` === r.inputs.role);
    if (found.length !== 1) throw new Error(`${r.type} ${r.name}: expected to depend on one role, found ${found.length}`);
    return found[0];
};

/** The roles of the plan, each with what is attached to it (matched by the role the attachment waits for). */
export function planRoles(run: StackRun): PlanRole[] {
    const roles = new Map<string, PlanRole>();
    for (const r of resourcesOfType(run, "aws:iam/role:Role")) {
        roles.set(r.urn, { urn: r.urn, name: r.name, trust: parseDocument(r.inputs.assumeRolePolicy, r.name), inline: [], managedPolicyArns: [], podIdentities: [] });
    }
    for (const r of resourcesOfType(run, "aws:iam/rolePolicy:RolePolicy")) roles.get(roleOf(r, roles))!.inline.push({ name: r.name, document: parseDocument(r.inputs.policy, r.name) });
    for (const r of resourcesOfType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")) roles.get(roleOf(r, roles))!.managedPolicyArns.push(String(r.inputs.policyArn));
    for (const r of resourcesOfType(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation")) {
        const i = r.inputs as { namespace: string; serviceAccount: string; roleArn: string };
        roles.get(roleOf(r, roles))!.podIdentities.push({ namespace: i.namespace, serviceAccount: i.serviceAccount, roleArn: i.roleArn });
    }
    return [...roles.values()];
}

/** An `s3://` or `s3a://` location split into bucket and key (no leading or trailing slash). */
export interface S3Location {
    readonly url: string;
    readonly bucket: string;
    readonly key: string;
}

export function s3Location(url: string): S3Location {
    const m = /^s3a?:\/\/([^/]+)\/?(.*)$/.exec(url);
    if (!m) throw new Error(`not an s3:// or s3a:// URL: ${url}`);
    return { url, bucket: m[1], key: m[2].replace(/\/+$/, "") };
}

/** spark-defaults.conf as Spark reads it: `key value` lines (java.util.Properties, without continuations). */
function readSparkDefaults(text: string): Record<string, string> {
    const conf: Record<string, string> = {};
    for (const line of text.split(/\r?\n/).map((l) => l.trim())) {
        if (!line || line.startsWith("#") || line.startsWith("!")) continue;
        const m = /^(\S+?)(?:\s*[=:]\s*|\s+)(.*)$/.exec(line);
        if (m) conf[m[1]] = m[2];
    }
    return conf;
}

/** What the requests are built from: identities, locations and names, as the stack generates them. */
export interface StackFacts {
    readonly stack: string;
    readonly account: string;
    readonly partition: string;
    readonly region: string;
    readonly clusterName: string;
    readonly kmsKeyArn: string;
    readonly buckets: Record<string, string>;
    readonly bucketPolicies: Record<string, PolicyDocument>;
    readonly keyPolicy: PolicyDocument;
    readonly secretArns: string[];
    readonly roles: PlanRole[];
    /** spark-defaults.conf of every Spark job configuration (Connect, standalone, submit), by ConfigMap. */
    readonly sparkJobConfs: Record<string, Record<string, string>>;
    /** spark.history.fs.logDirectory of the History Server. */
    readonly historyLogDirectory?: string;
    /** metastore.warehouse.dir of the Hive Metastore. */
    readonly metastoreWarehouse?: string;
    /** Airflow's remote task-log folder, when Airflow is installed. */
    readonly airflowRemoteLogFolder?: string;
    /** Where the backup CronJob writes dumps and restore Jobs read them (its settings ConfigMap), when backups are on. */
    readonly databaseBackups?: { readonly bucket: string; readonly prefix: string };
    /** The autoscaler chart's autoDiscovery.clusterName, when it is installed. */
    readonly autoscalerClusterName?: string;
    /** Log groups the plan creates with the platform key. */
    readonly encryptedLogGroups: string[];
    /** `<namespace>/<name>` of every Kubernetes service account the plan creates. */
    readonly serviceAccounts: string[];
    /** Karpenter, where it provisions nodes: what its chart is pointed at, its queue and the rules that feed it. */
    readonly karpenter?: KarpenterFacts;
}

/** Karpenter's chart settings, interruption queue (ARN and policy) and the EventBridge rules targeting it. */
export interface KarpenterFacts {
    /** The chart's settings.clusterName. */
    readonly clusterName: string;
    /** The chart's settings.interruptionQueue. */
    readonly queueName: string;
    readonly queueArn: string;
    readonly queuePolicy: PolicyDocument;
    /** ARNs of the EventBridge rules whose target is the queue. */
    readonly ruleArns: string[];
}

/** The Karpenter facts of a plan, from its chart values, SQS queue, queue policy and EventBridge rules and targets; undefined without the chart. */
function karpenterFacts(run: StackRun, partition: string, region: string, account: string, policies: PlanPolicy[]): KarpenterFacts | undefined {
    const chart = resourcesOfType(run, planTypes.helmChart).find((r) => String(r.inputs.chart).endsWith("/karpenter"));
    if (!chart) return undefined;
    const settings = ((chart.inputs.values ?? {}) as { settings?: { clusterName?: string; interruptionQueue?: string } }).settings ?? {};
    const queues = resourcesOfType(run, "aws:sqs/queue:Queue").filter((q) => q.inputs.name === settings.interruptionQueue);
    if (queues.length !== 1 || !settings.clusterName) throw new Error(`${run.stack}: the Karpenter chart names queue ${String(settings.interruptionQueue)}; expected one queue of that name and a cluster name`);
    const queueArn = `arn:${partition}:sqs:${region}:${account}:${String(settings.interruptionQueue)}`;
    const queuePolicies = policies.filter((p) => p.source.startsWith("aws:sqs/queuePolicy") && JSON.stringify(p.document).includes(`"${queueArn}"`));
    if (queuePolicies.length !== 1) throw new Error(`${run.stack}: expected one policy for queue ${queueArn}, found ${queuePolicies.length}`);
    // A rule feeds the queue when one of the plan's targets names the queue and waits for the rule.
    const rules = resourcesOfType(run, "aws:cloudwatch/eventRule:EventRule");
    const targeted = resourcesOfType(run, "aws:cloudwatch/eventTarget:EventTarget").filter((t) => t.inputs.arn === queueArn);
    const ruleArns = rules
        .filter((r) => targeted.some((t) => t.dependencies.includes(r.urn)))
        .map((r) => `arn:${partition}:events:${region}:${account}:rule/${String(r.inputs.name)}`);
    return { clusterName: settings.clusterName, queueName: String(settings.interruptionQueue), queueArn, queuePolicy: queuePolicies[0].document, ruleArns };
}

/** The service account each EKS add-on creates (the add-ons' documentation). */
const addonServiceAccounts: Record<string, string> = { "aws-ebs-csi-driver": "kube-system/ebs-csi-controller-sa" };

/** Service accounts the plan creates: ServiceAccount objects, charts told to create one, EKS add-ons. */
function planServiceAccounts(run: StackRun): string[] {
    const out = resourcesOfType(run, "kubernetes:core/v1:ServiceAccount").map((r) => {
        const m = r.inputs.metadata as { namespace?: string; name: string };
        return `${m.namespace ?? "default"}/${m.name}`;
    });
    for (const r of resourcesOfType(run, planTypes.helmChart)) {
        const v = (r.inputs.values ?? {}) as { rbac?: { serviceAccount?: { create?: boolean; name?: string } }; serviceAccount?: { create?: boolean; name?: string } };
        for (const sa of [v.rbac?.serviceAccount, v.serviceAccount]) if (sa?.create && sa.name) out.push(`${String(r.inputs.namespace)}/${sa.name}`);
    }
    for (const r of resourcesOfType(run, "aws:eks/addon:Addon")) {
        const sa = addonServiceAccounts[String(r.inputs.addonName)];
        if (sa) out.push(sa);
    }
    return out.sort();
}

const configMaps = (run: StackRun) =>
    resourcesOfType(run, "kubernetes:core/v1:ConfigMap").map((r) => ({
        name: `${(r.inputs.metadata as { namespace?: string }).namespace ?? ""}/${(r.inputs.metadata as { name: string }).name}`,
        data: (r.inputs.data ?? {}) as Record<string, string>,
    }));

const chartValues = (run: StackRun, chart: string): Record<string, unknown> | undefined => {
    const found = resourcesOfType(run, planTypes.helmChart).filter((r) => r.inputs.chart === chart);
    return found.length ? (found[0].inputs.values as Record<string, unknown>) : undefined;
};

const xmlProperty = (xml: string, name: string): string | undefined =>
    new RegExp(`<name>\\s*${name.replace(/\./g, "\\.")}\\s*</name>\\s*<value>\\s*([^<]*?)\\s*</value>`).exec(xml)?.[1];

/** The facts of a stack run on an AWS tier. */
export function stackFacts(run: StackRun): StackFacts {
    const outputs = unwrapSecrets(run.outputs) as {
        region: string;
        clusterName: string;
        kmsKeyArn: string;
        buckets: Record<string, string>;
        secretArns?: Record<string, string>;
    };
    const [, partition, , , account] = outputs.kmsKeyArn.split(":");
    const policies = planPolicies(run);
    const bucketPolicies: Record<string, PolicyDocument> = {};
    for (const name of Object.values(outputs.buckets)) {
        const arn = `arn:${partition}:s3:::${name}`;
        const found = policies.filter((p) => p.source.startsWith("aws:s3/bucketPolicy") && JSON.stringify(p.document).includes(`"${arn}`));
        if (found.length !== 1) throw new Error(`${run.stack}: expected one bucket policy for ${name}, found ${found.length}`);
        bucketPolicies[name] = found[0].document;
    }
    const keys = policies.filter((p) => p.source.startsWith("aws:kms/key:Key"));
    if (keys.length !== 1) throw new Error(`${run.stack}: expected one KMS key policy, found ${keys.length}`);

    const cms = configMaps(run);
    const sparkConfs = cms.filter((c) => "spark-defaults.conf" in c.data).map((c) => ({ name: c.name, conf: readSparkDefaults(c.data["spark-defaults.conf"]) }));
    const history = sparkConfs.find((c) => "spark.history.fs.logDirectory" in c.conf);
    const metastore = cms.map((c) => c.data["metastore-site.xml"] ?? c.data["hive-site.xml"]).find((x) => x !== undefined);
    const airflow = chartValues(run, "airflow") as { config?: { logging?: { remote_logging?: string; remote_base_log_folder?: string } } } | undefined;
    const autoscaler = chartValues(run, "cluster-autoscaler") as { autoDiscovery?: { clusterName?: string } } | undefined;
    const backupSettings = cms.find((c) => c.name === `${databaseBackupJob.namespace}/${backupObjects.settings}`)?.data;
    const cluster = resourcesOfType(run, "aws:eks/cluster:Cluster");
    if (cluster.length !== 1) throw new Error(`${run.stack}: expected one EKS cluster, found ${cluster.length}`);
    return {
        stack: run.stack,
        account,
        partition,
        region: outputs.region,
        clusterName: String(cluster[0].inputs.name),
        kmsKeyArn: outputs.kmsKeyArn,
        buckets: outputs.buckets,
        bucketPolicies,
        keyPolicy: keys[0].document,
        secretArns: Object.values(outputs.secretArns ?? {}).sort(),
        roles: planRoles(run),
        sparkJobConfs: Object.fromEntries(sparkConfs.filter((c) => c !== history).map((c) => [c.name, c.conf])),
        historyLogDirectory: history?.conf["spark.history.fs.logDirectory"],
        metastoreWarehouse: metastore ? xmlProperty(metastore, "metastore.warehouse.dir") : undefined,
        airflowRemoteLogFolder: airflow?.config?.logging?.remote_logging === "True" ? airflow.config.logging.remote_base_log_folder : undefined,
        autoscalerClusterName: autoscaler?.autoDiscovery?.clusterName,
        databaseBackups: backupSettings ? { bucket: backupSettings.BACKUP_BUCKET, prefix: backupSettings.BACKUP_PREFIX } : undefined,
        encryptedLogGroups: resourcesOfType(run, "aws:cloudwatch/logGroup:LogGroup")
            .filter((r) => r.inputs.kmsKeyId === outputs.kmsKeyArn)
            .map((r) => String(r.inputs.name)),
        serviceAccounts: planServiceAccounts(run),
        karpenter: karpenterFacts(run, partition, outputs.region, account, policies),
    };
}
