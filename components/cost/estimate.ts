/**
 * What a stack costs a month, from its validated config and the price table: at idle (no Spark job
 * running) and at full scale (every node group at its maximum), line by line. Pure: the program
 * exports the estimate as a stack output and the offline plan prints it.
 */
import { alertmanagerStorageGiB } from "../services/monitoring";
import { NodeGroupRole, PlatformConfig } from "../config/schema";
import { instanceShape } from "../config/instanceTypes";
import { kubernetesReleases } from "../config/kubernetesReleases";
import { nodeRoles } from "../config/nodeRoles";
import { natGatewayCount } from "../aws/network";
import { credentialsNeeded } from "../services/credentials";
import { componentPlan } from "../spark/scenarios";
import { PinnedPod, pinnedPods } from "../spark/pinnedPods";
import { nodesFor, smallestCommonShape } from "../spark/sizing";
import { ec2Hourly, PriceTable } from "./prices";
import { nodePoolPlans } from "../aws/karpenterPlan";

/** One line of the estimate: a billed resource, how many, and what they cost a month. */
export interface CostLine {
    /** What is billed, such as "node group driver" or "NAT gateways". */
    readonly item: string;
    /** Type and unit price, such as "m6i.xlarge on-demand, $0.214/h". */
    readonly detail: string;
    /** How many at idle (nodes, gateways, GiB, keys...). */
    readonly idleQuantity: number;
    /** How many at full scale. */
    readonly fullQuantity: number;
    /** US dollars a month at idle. */
    readonly idleMonthly: number;
    /** US dollars a month at full scale. */
    readonly fullMonthly: number;
    /** Why the idle quantity is what it is, when it is not simply configured. */
    readonly note?: string;
}

/** The estimate of one stack, in US dollars a month. */
export interface CostEstimate {
    readonly currency: "USD";
    /** Region of the stack. */
    readonly region: string;
    /** Region, day and source of the prices. */
    readonly prices: { readonly region: string; readonly recordedOn: string; readonly source: string };
    readonly lines: readonly CostLine[];
    /** Sum of the lines at idle. */
    readonly idleMonthly: number;
    /** Sum of the lines at full scale. */
    readonly fullMonthly: number;
    /** What the estimate could not price, or prices with caveats. */
    readonly warnings: readonly string[];
    /** Costs that depend on use, which no config can predict. */
    readonly notCounted: readonly string[];
}

const money = (n: number) => `$${n < 1 ? n.toFixed(3) : n.toFixed(2)}`;
const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * The estimate for a stack. On the local tier nothing is billed by the platform (it runs on an
 * existing cluster) and the estimate has no lines.
 */
export function costEstimate(config: PlatformConfig, prices: PriceTable): CostEstimate {
    const warnings: string[] = [];
    const lines: CostLine[] = [];
    const notCounted = [
        "S3 storage and requests, and ECR image storage",
        "NAT gateway data processing and cross-AZ or internet data transfer",
        "CloudWatch Logs ingestion and storage (EKS control-plane logs)",
        "KMS and Secrets Manager API requests",
        "load balancers: the platform creates none (services are reached through port-forward)",
        ...(config.cluster.nodeProvisioner === "karpenter" ? ["Karpenter's interruption queue (SQS requests) and EventBridge rules"] : []),
    ];
    const header = { currency: "USD" as const, region: config.region, prices: { region: prices.region, recordedOn: prices.recordedOn, source: prices.source } };
    if (config.tier === "local") {
        return { ...header, lines, idleMonthly: 0, fullMonthly: 0, warnings, notCounted: ["the local tier runs on an existing cluster: nothing is billed by the platform"] };
    }
    if (config.region !== prices.region) {
        warnings.push(`the prices are for ${prices.region} and the stack runs in ${config.region}: set cost.prices for ${config.region} (docs/cost.md)`);
    }
    const hours = prices.hoursPerMonth;
    const fixed = (item: string, detail: string, quantity: number, monthlyEach: number, note?: string) =>
        lines.push({ item, detail, idleQuantity: quantity, fullQuantity: quantity, idleMonthly: quantity * monthlyEach, fullMonthly: quantity * monthlyEach, ...(note ? { note } : {}) });

    const release = kubernetesReleases[config.cluster.kubernetesVersion];
    const extended = release.standardSupportEnds < prices.recordedOn;
    const eksHourly = extended ? prices.eksExtendedHourly : prices.eksStandardHourly;
    fixed("EKS control plane", `Kubernetes ${config.cluster.kubernetesVersion}, ${extended ? "extended" : "standard"} support, ${money(eksHourly)}/h`, 1, eksHourly * hours,
        extended ? `standard support for ${config.cluster.kubernetesVersion} ended on ${release.standardSupportEnds}` : undefined);

    if (config.network.mode === "create") {
        const nat = natGatewayCount(config.network);
        fixed("NAT gateways", `${config.network.natGateways}, ${money(prices.natGatewayHourly)}/h each`, nat, prices.natGatewayHourly * hours);
        fixed("NAT public IPv4 addresses", `${money(prices.publicIpv4Hourly)}/h each`, nat, prices.publicIpv4Hourly * hours);
    }

    const plan = componentPlan({ ...config.spark, tier: config.tier, minioEnabled: config.services.minio.enabled });
    const pinned = pinnedPods(config.spark, plan);
    for (const role of nodeRoles) lines.push(...nodeGroupLines(config, role, pinned.filter((p) => p.role === role), prices, warnings));

    const db = config.services.metastore.database;
    const dbHourly = prices.rdsPostgresHourly[db.instanceClass];
    const azFactor = db.multiAz ? 2 : 1;
    if (dbHourly === undefined) {
        warnings.push(`no price for RDS instance class ${db.instanceClass}: add it to cost.prices.rdsPostgresHourly`);
    } else {
        fixed("RDS PostgreSQL instance", `${db.instanceClass}${db.multiAz ? " Multi-AZ" : ""}, ${money(dbHourly * azFactor)}/h`, 1, dbHourly * azFactor * hours);
    }
    fixed("RDS storage (gp3)", `${db.allocatedStorageGiB} GiB${db.multiAz ? " Multi-AZ" : ""}, ${money(prices.rdsGp3GiBMonth * azFactor)}/GiB-month`, db.allocatedStorageGiB, prices.rdsGp3GiBMonth * azFactor,
        "allocated size; storage autoscaling may grow it up to four times");
    const observability = config.services.observability;
    if (observability.enabled) {
        const p = observability.prometheus;
        const tempo = observability.tracing.enabled ? observability.tracing.storageGiB : 0;
        const gib = p.replicas * (p.storageGiB + alertmanagerStorageGiB) + tempo;
        fixed("Monitoring volumes (gp3)", `Prometheus ${p.replicas} × ${p.storageGiB} GiB, Alertmanager ${p.replicas} × ${alertmanagerStorageGiB} GiB${tempo ? `, Tempo ${tempo} GiB` : ""}, ${money(prices.ebsGp3GiBMonth)}/GiB-month`, gib, prices.ebsGp3GiBMonth);
    }
    fixed("KMS keys", `platform key, ${money(prices.kmsKeyMonth)}/month`, 1, prices.kmsKeyMonth);
    const secrets = credentialsNeeded(plan, config.services).length;
    fixed("Secrets Manager secrets", `generated credentials, ${money(prices.secretsManagerSecretMonth)}/month each`, secrets, prices.secretsManagerSecretMonth);

    const rounded = lines.map((l) => ({ ...l, idleMonthly: round2(l.idleMonthly), fullMonthly: round2(l.fullMonthly) }));
    return {
        ...header,
        lines: rounded,
        idleMonthly: round2(lines.reduce((s, l) => s + l.idleMonthly, 0)),
        fullMonthly: round2(lines.reduce((s, l) => s + l.fullMonthly, 0)),
        warnings,
        notCounted,
    };
}

/**
 * A node group's or Karpenter NodePool's instances and root volumes. Idle: the desired size for the
 * system group (its services are not modelled), elsewhere the minimum (0 for a NodePool) or the
 * nodes the pinned pods need, whichever is more, as the autoscaler leaves it. Full: the maximum.
 * Spot capacity is priced at the mean of the types. On-demand managed groups are priced at their
 * first type (they launch the first type that has capacity), on-demand NodePools at their cheapest
 * (Karpenter's lowest-price choice).
 */
function nodeGroupLines(config: PlatformConfig, role: NodeGroupRole, pinned: readonly PinnedPod[], prices: PriceTable, warnings: string[]): CostLine[] {
    const group = config.nodeGroups[role];
    if (!group.enabled) return [];
    const pool = config.cluster.nodeProvisioner === "karpenter" ? nodePoolPlans(config.nodeGroups).find((p) => p.role === role) : undefined;
    const capacity = group.capacityType;
    const priced = group.instanceTypes.map((t) => ec2Hourly(prices, t, capacity));
    const missing = group.instanceTypes.filter((_, i) => priced[i] === undefined);
    if (missing.length > 0) {
        warnings.push(`no price for ${missing.join(", ")} (nodeGroups.${role}): add it to cost.prices.ec2InstanceHourly or its family to cost.prices.ec2FamilyVcpuHourly`);
        return [];
    }
    const hourlies = priced as number[];
    const hourly = capacity === "spot" ? hourlies.reduce((a, b) => a + b, 0) / hourlies.length : pool ? Math.min(...hourlies) : hourlies[0];
    const shapes = group.instanceTypes.map((t) => instanceShape(t)).filter((s): s is NonNullable<typeof s> => s !== undefined);
    const needed = pinned.length > 0 ? nodesFor(pinned, smallestCommonShape(shapes)) : 0;
    const minimum = pool ? 0 : group.minSize;
    const maximum = pool ? pool.maxNodes : group.maxSize;
    const idle = role === "system" ? group.desiredSize : Math.max(minimum, needed);
    const notes = [
        ...(role !== "system" && needed > minimum ? [`${needed} node(s) hold ${pinned.map((p) => p.name).join(", ")}, which run whether or not a job does`] : []),
        ...(pool && pool.capacityTypes.includes("on-demand") && capacity === "spot"
            ? [`falls back to on-demand when EC2 has no spot capacity for its types, from ${money(Math.min(...group.instanceTypes.map((t) => ec2Hourly(prices, t, "on-demand") as number)))}/h a node then`]
            : []),
    ];
    const types = capacity === "spot" ? `${group.instanceTypes.join("/")} spot (mean)` : pool ? `${group.instanceTypes.join("/")} on-demand (cheapest)` : `${group.instanceTypes[0]} on-demand`;
    const what = pool ? `NodePool ${pool.name}` : `node group ${role}`;
    const diskMonthly = group.diskSizeGiB * prices.ebsGp3GiBMonth;
    return [
        { item: what, detail: `${types}, ${money(hourly)}/h`, idleQuantity: idle, fullQuantity: maximum, idleMonthly: idle * hourly * prices.hoursPerMonth, fullMonthly: maximum * hourly * prices.hoursPerMonth, ...(notes.length ? { note: notes.join("; ") } : {}) },
        { item: `${what} volumes`, detail: `${group.diskSizeGiB} GiB gp3 per node, ${money(prices.ebsGp3GiBMonth)}/GiB-month`, idleQuantity: idle, fullQuantity: maximum, idleMonthly: idle * diskMonthly, fullMonthly: maximum * diskMonthly },
    ];
}
