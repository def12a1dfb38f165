/**
 * Pure views of an offline plan: the plan JSON of docs/operations.md ("Offline plan") and a readable
 * summary of what the stack would create, both derived from the recorded resources' inputs.
 */
import * as fs from "fs";
import { karpenterLabels } from "../components/aws/karpenterPlan";
import { nodeRoleLabel } from "../components/config/nodeRoles";
import { karpenterTypes, nodePoolInstanceTypes, nodePoolRequirementValues, nodePoolRole } from "../policies/lib/nodePools";
import { maskSecrets, PlanResource, StackRun } from "./harness";
import type { CostEstimate } from "../components/cost/estimate";

export type { PlanResource };

/** The plan JSON written by `npm run plan -- --json FILE`. */
export interface PlanJson {
    readonly stack: string;
    readonly project: string;
    readonly resources: PlanResource[];
    /** The stack's costEstimate output; absent in plans written before it existed. */
    readonly cost?: CostEstimate;
}

/** Reads a plan JSON file, with an error that names the file and what it lacks. */
export function readPlanJson(file: string): PlanJson {
    const plan = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<PlanJson> | null;
    if (plan === null || typeof plan !== "object" || typeof plan.stack !== "string" || !Array.isArray(plan.resources)) {
        throw new Error(`${file} is not a plan JSON: expected { "stack", "project", "resources": [...] }`);
    }
    plan.resources.forEach((r, i) => {
        const ok = r !== null && typeof r === "object" && typeof r.urn === "string" && typeof r.type === "string" && typeof r.name === "string" && r.inputs !== null && typeof r.inputs === "object";
        if (!ok) throw new Error(`${file}: resources[${i}] needs urn, type, name and inputs`);
    });
    return withEngineUrns({ project: "", ...plan } as PlanJson);
}

/**
 * The plan with every URN as the engine makes it, the parent's whole type chain qualifying a child's
 * type. Plans written before the harness did so (it kept only the parent's last type, as the SDK's
 * mock does) are brought to that form, so a diff across that change compares like with like; a plan
 * already in that form comes back the same.
 */
export function withEngineUrns(plan: PlanJson): PlanJson {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const qualified = new Map<string, string>();
    const qualifiedType = (r: PlanResource, seen: ReadonlySet<string> = new Set()): string => {
        const known = qualified.get(r.urn);
        if (known) return known;
        const parent = r.parent ? byUrn.get(r.parent) : undefined;
        const type = parent && !seen.has(parent.urn) ? `${qualifiedType(parent, new Set([...seen, r.urn]))}$${r.type}` : r.type;
        qualified.set(r.urn, type);
        return type;
    };
    // urn:pulumi:<stack>::<project>::<qualified type>::<name>
    const renamed = new Map(plan.resources.map((r) => [r.urn, `${r.urn.split("::").slice(0, 2).join("::")}::${qualifiedType(r)}::${r.name}`]));
    const rename = (urn: string | null) => (urn === null ? null : (renamed.get(urn) ?? urn));
    return { ...plan, resources: plan.resources.map((r) => ({ ...r, urn: rename(r.urn) as string, parent: rename(r.parent), provider: rename(r.provider) })) };
}

/** The plan JSON of a run, every secret value replaced by "[secret]". */
export function toPlanJson(run: StackRun): PlanJson {
    return {
        stack: run.stack,
        project: run.project,
        resources: run.resources.map((r) => ({
            urn: r.urn,
            type: r.type,
            name: r.name,
            parent: r.parent,
            custom: r.custom,
            provider: r.provider,
            inputs: maskSecrets(r.inputs) as Record<string, unknown>,
        })),
        ...(run.outputs.costEstimate ? { cost: run.outputs.costEstimate as CostEstimate } : {}),
    };
}

/** Resource types the summary reads. */
export const planTypes = {
    cluster: "aws:eks/cluster:Cluster",
    addon: "aws:eks/addon:Addon",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
    bucket: "aws:s3/bucket:Bucket",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    helmChart: "kubernetes:helm.sh/v4:Chart",
    nodePool: karpenterTypes.nodePool,
} as const;

/** How many resources of one type the plan has. */
export interface TypeCount {
    readonly type: string;
    readonly count: number;
}

/** A Karpenter NodePool: role, what it may launch, its CPU limit and taints. */
export interface NodePoolSummary {
    /** metadata.name, or the resource name when unset. */
    readonly name: string;
    /** Value of the node-role label of its nodes; undefined if it sets none. */
    readonly role: string | undefined;
    /** Instance types it may launch; empty when it does not list them (any type). */
    readonly instanceTypes: string[];
    /** Capacity types it may launch; empty when it does not constrain them (any). */
    readonly capacityTypes: string[];
    /** spec.limits.cpu; undefined when the pool has no CPU limit. */
    readonly cpuLimit: string | undefined;
    readonly taints: TaintSummary[];
}

/** A node taint as the EKS API spells it (effect NO_SCHEDULE etc.). */
export interface TaintSummary {
    readonly key: string;
    readonly value: string;
    readonly effect: string;
}

/** A managed node group: role, capacity, instance types, sizes, AMI and taints. */
export interface NodeGroupSummary {
    /** Resource name. */
    readonly name: string;
    /** Value of the node-role label; undefined if the group has none. */
    readonly role: string | undefined;
    readonly instanceTypes: string[];
    readonly capacityType: string | undefined;
    readonly minSize: number | undefined;
    readonly desiredSize: number | undefined;
    readonly maxSize: number | undefined;
    readonly amiType: string | undefined;
    readonly taints: TaintSummary[];
}

/** A bucket lifecycle rule and the days after which it acts. */
export interface LifecycleRuleSummary {
    readonly id: string;
    readonly expirationDays?: number;
    readonly noncurrentVersionExpirationDays?: number;
    readonly abortIncompleteMultipartUploadDays?: number;
}

/** An S3 bucket with the settings held in its separate configuration resources. */
export interface BucketSummary {
    /** Resource name. */
    readonly name: string;
    /** A BucketVersioning with status Enabled exists for the bucket. */
    readonly versioned: boolean;
    readonly lifecycleRules: LifecycleRuleSummary[];
    /** Default server-side encryption algorithms; empty when none is configured. */
    readonly encryption: string[];
    readonly forceDestroy: boolean;
}

/** Pinned versions: Kubernetes, EKS add-ons and Helm charts. */
export interface VersionsSummary {
    readonly clusters: { readonly name: string; readonly kubernetesVersion: string | undefined }[];
    /** EKS add-ons, sorted by name. */
    readonly addons: { readonly name: string; readonly version: string | undefined }[];
    /** Helm charts (k8s.helm.v4.Chart), sorted by resource name. */
    readonly charts: { readonly name: string; readonly chart: string | undefined; readonly version: string | undefined }[];
}

/** A Kubernetes workload the program writes itself (charts are listed under versions). */
export interface WorkloadSummary {
    readonly kind: string;
    readonly namespace: string;
    readonly name: string;
    /** Replicas of a Deployment or StatefulSet; undefined for Jobs and CronJobs. */
    readonly replicas: number | undefined;
    readonly images: string[];
}

/** What a plan would create, in the terms platform engineers review. */
export interface PlanSummary {
    readonly stack: string;
    readonly project: string;
    /** Resources per type, sorted by type. */
    readonly counts: TypeCount[];
    readonly total: number;
    readonly nodeGroups: NodeGroupSummary[];
    /** Karpenter NodePools (cluster.nodeProvisioner "karpenter"); empty otherwise. */
    readonly nodePools: NodePoolSummary[];
    readonly buckets: BucketSummary[];
    readonly workloads: WorkloadSummary[];
    readonly versions: VersionsSummary;
    /** The stack's cost estimate, when the plan carries one. */
    readonly cost?: CostEstimate;
}

/** The parts of a resource the summary reads; recorded resources and plan JSON both fit. */
export type SummarizableResource = Pick<PlanResource, "type" | "name" | "inputs">;

type Fields = Record<string, unknown>;

function fields(v: unknown): Fields {
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Fields) : {};
}

function list(v: unknown): unknown[] {
    return Array.isArray(v) ? v : [];
}

function text(v: unknown): string | undefined {
    return typeof v === "string" ? v : undefined;
}

function count(v: unknown): number | undefined {
    return typeof v === "number" ? v : undefined;
}

function nodeGroupSummary(r: SummarizableResource, inputs: Fields): NodeGroupSummary {
    const scaling = fields(inputs.scalingConfig);
    return {
        name: r.name,
        role: text(fields(inputs.labels)[nodeRoleLabel]),
        instanceTypes: list(inputs.instanceTypes).filter((t): t is string => typeof t === "string"),
        capacityType: text(inputs.capacityType),
        minSize: count(scaling.minSize),
        desiredSize: count(scaling.desiredSize),
        maxSize: count(scaling.maxSize),
        amiType: text(inputs.amiType),
        taints: list(inputs.taints).map((t) => {
            const taint = fields(t);
            return { key: text(taint.key) ?? "", value: text(taint.value) ?? "", effect: text(taint.effect) ?? "" };
        }),
    };
}

function lifecycleRuleSummary(rule: Fields): LifecycleRuleSummary {
    const expirationDays = count(fields(rule.expiration).days);
    const noncurrentVersionExpirationDays = count(fields(rule.noncurrentVersionExpiration).noncurrentDays);
    const abortIncompleteMultipartUploadDays = count(fields(rule.abortIncompleteMultipartUpload).daysAfterInitiation);
    return {
        id: text(rule.id) ?? "",
        ...(expirationDays === undefined ? {} : { expirationDays }),
        ...(noncurrentVersionExpirationDays === undefined ? {} : { noncurrentVersionExpirationDays }),
        ...(abortIncompleteMultipartUploadDays === undefined ? {} : { abortIncompleteMultipartUploadDays }),
    };
}

/**
 * Bucket settings are separate resources that name their bucket by id or physical name. Offline,
 * the harness's mocks give every resource the id `<resource name>-id`.
 */
function bucketSummaries(resources: { r: SummarizableResource; inputs: Fields }[]): BucketSummary[] {
    const ofType = (type: string) => resources.filter((x) => x.r.type === type);
    return ofType(planTypes.bucket).map(({ r, inputs }) => {
        const refs = [`${r.name}-id`, text(inputs.bucket)].filter((ref): ref is string => ref !== undefined);
        const settings = (type: string) => ofType(type).filter((x) => refs.some((ref) => ref === x.inputs.bucket)).map((x) => x.inputs);
        return {
            name: r.name,
            versioned: settings(planTypes.versioning).some((v) => fields(v.versioningConfiguration).status === "Enabled"),
            lifecycleRules: settings(planTypes.lifecycle).flatMap((l) => list(l.rules).map((rule) => lifecycleRuleSummary(fields(rule)))),
            encryption: [
                ...new Set(
                    settings(planTypes.encryption).flatMap((e) =>
                        list(e.rules).flatMap((rule) => text(fields(fields(rule).applyServerSideEncryptionByDefault).sseAlgorithm) ?? []),
                    ),
                ),
            ],
            forceDestroy: inputs.forceDestroy === true,
        };
    });
}

const unset = "-";

const workloadKinds = new Set([
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:batch/v1:Job",
    "kubernetes:batch/v1:CronJob",
]);

function workloadSummary(r: SummarizableResource, inputs: Fields): WorkloadSummary {
    const metadata = fields(inputs.metadata);
    const spec = fields(inputs.spec);
    const podSpec = r.type.endsWith(":CronJob")
        ? fields(fields(fields(fields(fields(spec.jobTemplate).spec).template).spec))
        : fields(fields(spec.template).spec);
    const images = [...list(podSpec.initContainers), ...list(podSpec.containers)].map((c) => text(fields(c).image) ?? unset);
    return {
        kind: r.type.split(":").pop() ?? r.type,
        namespace: text(metadata.namespace) ?? unset,
        name: text(metadata.name) ?? r.name,
        replicas: count(spec.replicas),
        images: [...new Set(images)],
    };
}

function nodePoolSummary(r: SummarizableResource, inputs: Fields): NodePoolSummary {
    const template = fields(fields(fields(inputs.spec).template).spec);
    return {
        name: text(fields(inputs.metadata).name) ?? r.name,
        role: nodePoolRole(inputs),
        instanceTypes: nodePoolInstanceTypes(inputs) ?? [],
        capacityTypes: nodePoolRequirementValues(inputs, karpenterLabels.capacityType) ?? [],
        cpuLimit: text(fields(fields(inputs.spec).limits).cpu),
        taints: list(template.taints).map((t) => {
            const taint = fields(t);
            return { key: text(taint.key) ?? "", value: text(taint.value) ?? "", effect: text(taint.effect) ?? "" };
        }),
    };
}

/** Summarises a plan (a stack run or plan JSON): counts, node groups, buckets and versions. */
export function summarizePlan(plan: { readonly stack: string; readonly project: string; readonly resources: readonly SummarizableResource[]; readonly cost?: CostEstimate; readonly outputs?: Record<string, unknown> }): PlanSummary {
    const cost = plan.cost ?? (plan.outputs?.costEstimate as CostEstimate | undefined);
    const resources = plan.resources.map((r) => ({ r, inputs: fields(maskSecrets(r.inputs)) }));
    const ofType = (type: string) => resources.filter((x) => x.r.type === type);
    const byType = new Map<string, number>();
    for (const { r } of resources) byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
    const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);
    return {
        stack: plan.stack,
        project: plan.project,
        counts: [...byType].map(([type, n]) => ({ type, count: n })).sort((a, b) => a.type.localeCompare(b.type)),
        total: resources.length,
        nodeGroups: ofType(planTypes.nodeGroup).map(({ r, inputs }) => nodeGroupSummary(r, inputs)).sort(byName),
        nodePools: ofType(planTypes.nodePool).map(({ r, inputs }) => nodePoolSummary(r, inputs)).sort(byName),
        buckets: bucketSummaries(resources),
        workloads: resources
            .filter(({ r }) => workloadKinds.has(r.type))
            .map(({ r, inputs }) => workloadSummary(r, inputs))
            .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`)),
        versions: {
            clusters: ofType(planTypes.cluster).map(({ r, inputs }) => ({ name: r.name, kubernetesVersion: text(inputs.version) })),
            addons: ofType(planTypes.addon)
                .map(({ r, inputs }) => ({ name: text(inputs.addonName) ?? r.name, version: text(inputs.addonVersion) }))
                .sort(byName),
            charts: ofType(planTypes.helmChart)
                .map(({ r, inputs }) => ({ name: r.name, chart: text(inputs.chart), version: text(inputs.version) }))
                .sort(byName),
        },
        ...(cost ? { cost } : {}),
    };
}

function table(rows: string[][], indent = "  "): string[] {
    const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
    return rows.map((row) => (indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ")).trimEnd());
}


function lifecycleText(rule: LifecycleRuleSummary): string {
    const days = [
        rule.expirationDays === undefined ? [] : [`expire ${rule.expirationDays}d`],
        rule.noncurrentVersionExpirationDays === undefined ? [] : [`noncurrent ${rule.noncurrentVersionExpirationDays}d`],
        rule.abortIncompleteMultipartUploadDays === undefined ? [] : [`abort uploads ${rule.abortIncompleteMultipartUploadDays}d`],
    ].flat();
    return `${rule.id} (${days.join(", ") || "no days"})`;
}

function section(title: string, lines: string[]): string[] {
    return ["", title, ...(lines.length ? lines : ["  none"])];
}

/** The summary as text for a terminal. */
export function formatSummary(summary: PlanSummary): string {
    const v = summary.versions;
    const lines = [
        `Offline plan of stack ${summary.stack} (project ${summary.project})`,
        ...section(`Resources (${summary.total})`, table([...summary.counts.map((c) => [c.type, String(c.count)]), ["total", String(summary.total)]])),
        ...section(
            `Node groups (${summary.nodeGroups.length})`,
            table([
                ["role", "name", "capacity", "instance types", "min/desired/max", "AMI", "taints"],
                ...summary.nodeGroups.map((g) => [
                    g.role ?? unset,
                    g.name,
                    g.capacityType ?? unset,
                    g.instanceTypes.join(",") || unset,
                    [g.minSize, g.desiredSize, g.maxSize].map((n) => (n === undefined ? unset : String(n))).join("/"),
                    g.amiType ?? unset,
                    g.taints.map((t) => `${t.key}=${t.value}:${t.effect}`).join(", ") || "none",
                ]),
            ]),
        ),
        // Only stacks whose executor and GPU nodes come from Karpenter have NodePools.
        ...(summary.nodePools.length === 0
            ? []
            : section(
                  `Karpenter NodePools (${summary.nodePools.length})`,
                  table([
                      ["role", "name", "capacity", "instance types", "cpu limit", "taints"],
                      ...summary.nodePools.map((p) => [
                          p.role ?? unset,
                          p.name,
                          p.capacityTypes.join(",") || "any",
                          p.instanceTypes.join(",") || "any",
                          p.cpuLimit ?? "none",
                          p.taints.map((t) => `${t.key}=${t.value}:${t.effect}`).join(", ") || "none",
                      ]),
                  ]),
              )),
        ...section(
            `Buckets (${summary.buckets.length})`,
            table([
                ["name", "versioned", "encryption", "forceDestroy", "lifecycle rules"],
                ...summary.buckets.map((b) => [
                    b.name,
                    b.versioned ? "yes" : "no",
                    b.encryption.join(",") || "none",
                    String(b.forceDestroy),
                    b.lifecycleRules.map(lifecycleText).join("; ") || "none",
                ]),
            ]),
        ),
        ...section(
            `Workloads (${summary.workloads.length})`,
            table([
                ["namespace/name", "kind", "replicas", "images"],
                ...summary.workloads.map((w) => [`${w.namespace}/${w.name}`, w.kind, w.replicas === undefined ? unset : String(w.replicas), w.images.join(", ")]),
            ]),
        ),
        ...section(
            "Versions",
            table([
                ...v.clusters.map((c) => ["kubernetes", c.name, c.kubernetesVersion ?? unset]),
                ...v.addons.map((a) => ["eks add-on", a.name, a.version ?? unset]),
                ...(v.charts.length ? v.charts.map((c) => ["helm chart", c.name, `${c.chart ?? unset}@${c.version ?? unset}`]) : [["helm chart", "none"]]),
            ]),
        ),
        ...(summary.cost ? costSection(summary.cost) : []),
    ];
    return lines.join("\n") + "\n";
}

/** US dollars as the plan and its diff print them: "$1,603.21". */
export const usd = (n: number) => `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** The cost estimate as the plan prints it: one row per line item, idle and full scale, then totals and caveats. */
function costSection(cost: CostEstimate): string[] {
    if (cost.lines.length === 0) return section("Cost (USD a month)", cost.notCounted.map((n) => `  ${n}`));
    const rows = [
        ["item", "detail", "idle", "idle $/month", "full", "full $/month"],
        ...cost.lines.map((l) => [l.item, l.detail, String(l.idleQuantity), usd(l.idleMonthly), String(l.fullQuantity), usd(l.fullMonthly)]),
        ["total", "", "", usd(cost.idleMonthly), "", usd(cost.fullMonthly)],
    ];
    const notes = cost.lines.filter((l) => l.note).map((l) => `  ${l.item}: ${l.note}`);
    return section(`Cost (USD a month; ${cost.prices.region} prices of ${cost.prices.recordedOn})`, [
        ...table(rows),
        ...notes,
        ...cost.warnings.map((w) => `  warning: ${w}`),
        `  not counted (depends on use): ${cost.notCounted.join("; ")}`,
    ]);
}
