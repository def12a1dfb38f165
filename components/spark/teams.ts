/**
 * Teams: each job namespace is one team's, with its own ResourceQuota and LimitRange from
 * spark.teamDefaults overridden key by key by spark.teams.<namespace>. Pure: SparkJobNamespace
 * writes what these return, and config validation checks the quota holds the platform's own pods.
 */
import * as k8s from "@pulumi/kubernetes";
import { SparkConfig, TeamLimits, TeamQuota } from "../config/schema";
import { limitRange, resourceQuota } from "../kubernetes/namespaces";
import { Resources } from "./sizing";
import { warehouseKeyPrefix } from "./sparkDefaults";

/** A job namespace's effective quota and container defaults. */
export interface TeamSettings {
    readonly quota: TeamQuota;
    readonly limits: TeamLimits;
}

/** The settings of a job namespace: spark.teamDefaults with what spark.teams.<namespace> sets over it. */
export function teamSettings(spark: Pick<SparkConfig, "teamDefaults" | "teams">, namespace: string): TeamSettings {
    const own = spark.teams[namespace] ?? {};
    return {
        quota: { ...spark.teamDefaults.quota, ...own.quota },
        limits: { ...spark.teamDefaults.limits, ...own.limits },
    };
}

/** The config path a team's value comes from: its own key when spark.teams sets it, else the default. */
export function teamSettingPath(spark: Pick<SparkConfig, "teams">, namespace: string, area: "quota" | "limits", key: string): string[] {
    const own = spark.teams[namespace]?.[area] as Record<string, unknown> | undefined;
    return own && own[key] !== undefined ? ["spark", "teams", namespace, area, key] : ["spark", "teamDefaults", area, key];
}

/** The Kubernetes group of a team: spark.teams.<namespace>.group, else `spark-team:<namespace>`. */
export function teamGroupName(spark: Pick<SparkConfig, "teams">, namespace: string): string {
    return spark.teams[namespace]?.group ?? `spark-team:${namespace}`;
}

/** Name of the Role, and of its RoleBinding to the team's group, in every job namespace. */
export const teamRoleName = "team";

/**
 * The AWS partition of a region, as its ARNs spell it: China and GovCloud regions have their own;
 * a role ARN of another partition names a role the stack's account cannot have.
 */
export function regionPartition(region: string): string {
    if (region.startsWith("cn-")) return "aws-cn";
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    return "aws";
}

/** The team's IAM role, when it has one, and the group its EKS access entry maps it to. */
export interface TeamAccess {
    readonly namespace: string;
    readonly group: string;
    readonly iamRoleArn: string;
}

/**
 * The access entries of the teams that name an IAM role. Each role must be in the stack's account
 * and partition: the access entry maps the role's sessions in this account.
 */
export function teamAccessEntries(spark: Pick<SparkConfig, "teams" | "jobNamespaces">, account: { partition: string; accountId: string }): TeamAccess[] {
    const out: TeamAccess[] = [];
    for (const namespace of spark.jobNamespaces) {
        const arn = spark.teams[namespace]?.iamRoleArn;
        if (!arn) continue;
        const [, partition, , , accountId] = arn.split(":");
        if (partition !== account.partition || accountId !== account.accountId) {
            throw new Error(`spark.teams.${namespace}.iamRoleArn: ${arn} is not a role of this stack's account (arn:${account.partition}:iam::${account.accountId}:role/...)`);
        }
        out.push({ namespace, group: teamGroupName(spark, namespace), iamRoleArn: arn });
    }
    return out;
}

/**
 * The warehouse folder of a team namespace, `warehouse/<namespace>/` in the warehouse bucket: all
 * of the warehouse its Pod Identity role reaches. Its jobs set spark.sql.warehouse.dir to
 * teamWarehouseDir, so the databases they create without LOCATION land there. spark-jobs, where
 * the shared Connect servers run, keeps the whole warehouse.
 */
export function teamWarehousePrefix(namespace: string): string {
    return `${warehouseKeyPrefix}${namespace}/`;
}

/** The s3a URL a team's jobs use as spark.sql.warehouse.dir. */
export function teamWarehouseDir(bucket: string, namespace: string): string {
    return `s3a://${bucket}/${teamWarehousePrefix(namespace).slice(0, -1)}`;
}

/** The label that marks a namespace as a job namespace, a team's; the policy pack requires a quota in each. */
export const jobNamespaceLabel = "spark-k8s/job-namespace";

/** Name of every job namespace's ResourceQuota. */
export const teamQuotaName = "team";

/** Name of every job namespace's LimitRange. */
export const teamLimitRangeName = "spark-defaults";

/** The ResourceQuota of a job namespace; LoadBalancer and NodePort services stay refused. */
export function teamResourceQuota(namespace: string, quota: TeamQuota): k8s.types.input.core.v1.ResourceQuota {
    return resourceQuota(namespace, {
        name: teamQuotaName,
        requestsCpu: String(quota.requestsCpu),
        requestsMemory: `${quota.requestsMemoryGiB}Gi`,
        limitsMemory: `${quota.limitsMemoryGiB}Gi`,
        gpus: quota.gpus,
        pods: quota.pods,
        persistentVolumeClaims: quota.persistentVolumeClaims,
    });
}

/** The LimitRange of a job namespace: a request, and a memory limit equal to it, for containers that set none. */
export function teamLimitRange(namespace: string, limits: TeamLimits): k8s.types.input.core.v1.LimitRange {
    return limitRange(namespace, {
        name: teamLimitRangeName,
        defaultRequest: { cpu: `${limits.defaultCpuMillis}m`, memory: `${limits.defaultMemoryMiB}Mi` },
    });
}

/** What a set of pods asks of a namespace quota. */
export interface QuotaLoad extends Resources {
    readonly pods: number;
    readonly gpus: number;
}

/** The sum of pods' requests, counted as the quota counts them (memory limits equal requests on the platform's pods). */
export function quotaLoad(pods: readonly (Resources & { readonly gpus?: number })[]): QuotaLoad {
    return pods.reduce<QuotaLoad>(
        (sum, p) => ({ cpuMillis: sum.cpuMillis + p.cpuMillis, memoryMiB: sum.memoryMiB + p.memoryMiB, gpus: sum.gpus + (p.gpus ?? 0), pods: sum.pods + 1 }),
        { cpuMillis: 0, memoryMiB: 0, gpus: 0, pods: 0 },
    );
}

/** Each quota key the load exceeds, with the load and the quota, as "<key>: needs <load>, quota <hard>". */
export function quotaShortfalls(load: QuotaLoad, quota: TeamQuota): { key: keyof TeamQuota; message: string }[] {
    const out: { key: keyof TeamQuota; message: string }[] = [];
    const gib = (mib: number) => `${Math.ceil((mib / 1024) * 10) / 10} GiB`;
    if (load.cpuMillis > quota.requestsCpu * 1000) out.push({ key: "requestsCpu", message: `${load.cpuMillis / 1000} cores requested, quota ${quota.requestsCpu}` });
    if (load.memoryMiB > quota.requestsMemoryGiB * 1024) out.push({ key: "requestsMemoryGiB", message: `${gib(load.memoryMiB)} requested, quota ${quota.requestsMemoryGiB} GiB` });
    if (load.memoryMiB > quota.limitsMemoryGiB * 1024) out.push({ key: "limitsMemoryGiB", message: `${gib(load.memoryMiB)} of memory limits, quota ${quota.limitsMemoryGiB} GiB` });
    if (load.gpus > quota.gpus) out.push({ key: "gpus", message: `${load.gpus} GPUs requested, quota ${quota.gpus}` });
    if (load.pods > quota.pods) out.push({ key: "pods", message: `${load.pods} pods, quota ${quota.pods}` });
    return out;
}
