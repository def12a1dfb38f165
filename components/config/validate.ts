/**
 * Turns raw stack config into a validated PlatformConfig: tier defaults, then the stack's values
 * merged over them, then the strict schema and the cross-field rules. Every problem is collected
 * and reported at once. Pure: no Pulumi.
 */
import { z } from "zod";
import { parseCidr } from "./cidr";
import { isDigestPinned } from "./imageRef";
import { ecrRegistry, imageSources, stackRegistryUrl } from "./registry";
import { tierDefaults } from "./defaults";
import { instanceShape, knownFamilies } from "./instanceTypes";
import { namespaces } from "./names";
import { karpenterRoles, nodeRoles } from "./nodeRoles";
import { karpenterKubernetesVersions } from "./kubernetesReleases";
import { componentPlan } from "../spark/scenarios";
import { pinnedPods } from "../spark/pinnedPods";
import { quotaLoad, quotaShortfalls, regionPartition, teamSettingPath, teamSettings } from "../spark/teams";
import { allocatable, smallestCommonShape } from "../spark/sizing";
import {
    airflowConnectLine,
    configKeys,
    icebergRuntimeLines,
    NodeGroupRole,
    PlatformConfig,
    platformSchema,
    PlatformSettings,
    pulumiWrittenProviders,
    requiredClusterLogTypes,
    secretConfigMarker,
    secretConfigPaths,
    sparkVersions,
    Tier,
    tiers,
} from "./schema";

/** One problem with one key. */
export interface ConfigProblem {
    /** Dotted path of the key, e.g. nodeGroups.gpu.maxSize. */
    readonly path: string;
    /** unknown-key for a key the schema does not know, invalid-value for a value it refuses. */
    readonly kind: "unknown-key" | "invalid-value";
    /** The whole report line: the path, what is wrong and what is allowed. */
    readonly message: string;
}

/** Thrown when config is invalid; its message lists every problem, one per line. */
export class ConfigError extends Error {
    constructor(readonly problems: readonly ConfigProblem[]) {
        super(
            `invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p.message}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

/** Where the config applies. */
export interface ConfigContext {
    /** Pulumi stack name: the tier when environment is unset, and part of every resource name. */
    readonly stack: string;
    /** Pulumi project name, carried into PlatformConfig. */
    readonly project: string;
    /** aws:region of the stack, if set. */
    readonly region?: string;
}

type Path = readonly PropertyKey[];

export function formatPath(path: Path): string {
    return path.reduce<string>((acc, seg) => (typeof seg === "number" ? `${acc}[${seg}]` : acc ? `${acc}.${String(seg)}` : String(seg)), "");
}

function valueAt(root: unknown, path: Path): unknown {
    let v = root;
    for (const seg of path) {
        if (v === null || typeof v !== "object") return undefined;
        v = (v as Record<PropertyKey, unknown>)[seg];
    }
    return v;
}

export function renderValue(v: unknown): string {
    if (v === undefined) return "(unset)";
    const text = JSON.stringify(v) ?? typeof v;
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The value with everything at a secret config path (secretConfigPaths) replaced by the marker, so no message shows a secret. */
export function redactSecrets(path: Path, value: unknown): unknown {
    const p = formatPath(path);
    if (secretConfigPaths.includes(p)) return value === undefined || value === "" ? value : secretConfigMarker;
    const holdsSecretPath = p === "" || secretConfigPaths.some((s) => s.startsWith(`${p}.`));
    if (!holdsSecretPath) return value;
    if (Array.isArray(value)) return value.map((v, i) => redactSecrets([...path, i], v));
    if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets([...path, k], v)]));
    return value;
}

/** The problem "<path>: <value> is not allowed; <expected>", secrets redacted. */
export function notAllowed(path: Path, value: unknown, expected: string): ConfigProblem {
    const p = formatPath(path);
    return { path: p, kind: "invalid-value", message: `${p}: ${renderValue(redactSecrets(path, value))} is not allowed; ${expected}` };
}

/** Keys that were replaced, and what replaces each: setting the old key is an error naming the new one. */
const replacedKeys: Readonly<Record<string, string>> = {
    "spark.scenario": 'replaced by spark.scenarios, a list of scenario names (e.g. ["jupyter-connect-k8s", "airflow-operator"]); the stack runs what any listed scenario needs',
};

/** The problem "<path>: unknown key", with near misses among the allowed keys and the whole list. */
export function unknownKey(path: Path, allowed: readonly string[]): ConfigProblem {
    const p = formatPath(path);
    if (replacedKeys[p]) return { path: p, kind: "unknown-key", message: `${p}: ${replacedKeys[p]}` };
    const key = String(path[path.length - 1]);
    const near = allowed.filter((a) => editDistance(a.toLowerCase(), key.toLowerCase()) <= 2);
    const hint = near.length ? ` (did you mean ${near.join(" or ")}?)` : "";
    return { path: p, kind: "unknown-key", message: `${p}: unknown key${hint}; expected one of: ${allowed.join(", ")}` };
}

function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let prev = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const cur = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
            prev = cur;
        }
    }
    return row[b.length];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Objects merge key by key; arrays and scalars from the override replace the default. */
export function deepMerge(base: unknown, override: unknown): unknown {
    if (override === undefined) return base;
    if (!isPlainObject(base) || !isPlainObject(override)) return override;
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(override)) out[k] = deepMerge(base[k], v);
    return out;
}

/** One problem per issue of a strict schema (ours: every message says what is allowed) over the value it parsed. */
export function schemaProblems(error: z.ZodError, merged: unknown): ConfigProblem[] {
    return error.issues.flatMap((issue) => {
        if (issue.code === "unrecognized_keys") {
            const allowed = issue.message.replace(/^expected one of: /, "").split(", ");
            return issue.keys.map((k) => unknownKey([...issue.path, k], allowed));
        }
        return [notAllowed(issue.path, valueAt(merged, issue.path), issue.message)];
    });
}

/** One cross-field rule; each is named by its key in the rule tables below. */
type Rule = (c: PlatformSettings, tier: Tier, region: string | undefined) => ConfigProblem[];

const nodeGroupRoles: readonly NodeGroupRole[] = nodeRoles;

/** Cross-field rules of the AWS base; each sees settings that may still hold wrongly typed values. */
const awsRules: Record<string, Rule> = {
    /**
     * The stack looks digests up through its own region's provider, and prod deploys every platform
     * image by digest: a digest in spark.images, or a tag in an ECR registry, which the stack resolves.
     */
    imagesResolvable: (c, tier, region) => {
        const out: ConfigProblem[] = [];
        const ecr = c.registry.url === "" ? undefined : ecrRegistry(c.registry.url.split("/")[0]);
        if (ecr && region && ecr.region !== region) {
            out.push(notAllowed(["registry", "url"], c.registry.url, `expected an ECR registry in the stack's region (${region}), where the stack looks image digests up, or a registry outside ECR`));
        }
        if (tier === "prod") {
            // The stack's own registry is ECR; its account does not matter here.
            const registry = c.registry.url === "" ? stackRegistryUrl("000000000000", region ?? "", "prod") : c.registry.url;
            for (const source of imageSources(c.spark.images, registry)) {
                if (!isDigestPinned(source.reference) && !source.lookup) {
                    out.push(
                        notAllowed(
                            ["spark", "images", source.key],
                            source.configured,
                            `expected a reference by digest (repository@sha256:...) or a tag in an ECR registry, which the stack deploys by digest: prod deploys its images by digest only (${source.reference} is a tag outside ECR)`,
                        ),
                    );
                }
            }
        }
        return out;
    },
    nodeGroupSizesConsistent: (c) =>
        nodeGroupRoles.flatMap((role) => {
            const g = c.nodeGroups[role];
            const out: ConfigProblem[] = [];
            if (g.minSize > g.maxSize) {
                out.push(notAllowed(["nodeGroups", role, "minSize"], g.minSize, `expected at most maxSize (${g.maxSize})`));
            } else if (g.desiredSize < g.minSize || g.desiredSize > g.maxSize) {
                out.push(notAllowed(["nodeGroups", role, "desiredSize"], g.desiredSize, `expected from minSize (${g.minSize}) to maxSize (${g.maxSize})`));
            }
            if (g.enabled && g.maxSize === 0) {
                out.push(notAllowed(["nodeGroups", role, "maxSize"], 0, "expected at least 1 for an enabled node group (disable the group instead)"));
            }
            return out;
        }),
    nodeGroupInstanceTypesFitTheirRole: (c) =>
        nodeGroupRoles.flatMap((role) =>
            c.nodeGroups[role].instanceTypes.flatMap((t, i) => {
                const path = ["nodeGroups", role, "instanceTypes", i];
                const shape = instanceShape(t);
                if (!shape) return [notAllowed(path, t, `expected a catalogued instance type of the families ${knownFamilies().join(", ")}`)];
                if (role === "gpu" && shape.gpus === 0) return [notAllowed(path, t, "expected a GPU instance type such as g5.xlarge in the GPU node group")];
                if (role !== "gpu" && shape.gpus > 0) return [notAllowed(path, t, "expected a CPU instance type; GPU instances belong in nodeGroups.gpu")];
                return [];
            }),
        ),
    spotInstanceTypesShareOneShape: (c) =>
        nodeGroupRoles.flatMap((role) => {
            const group = c.nodeGroups[role];
            // Executors are sized to one shape whatever their capacity; other groups only need it for spot.
            if (!group.enabled || (group.capacityType !== "spot" && role !== "executor")) return [];
            const types = group.instanceTypes;
            const shapes = types.map(instanceShape);
            const first = shapes[0];
            const out: ConfigProblem[] = [];
            if (group.capacityType === "spot" && types.length < 2) {
                out.push(notAllowed(["nodeGroups", role, "instanceTypes"], types, "expected at least 2 instance types of the same shape, so spot capacity can be found"));
            }
            shapes.forEach((s, i) => {
                if (first && s && (s.vcpu !== first.vcpu || s.memoryGiB !== first.memoryGiB)) {
                    const why = role === "executor" ? "executors are sized to one shape" : "spot capacity is diversified across one shape";
                    out.push(notAllowed(["nodeGroups", role, "instanceTypes", i], types[i], `expected the same shape as ${first.name} (${first.vcpu} vCPU, ${first.memoryGiB} GiB); ${why}`));
                }
            });
            return out;
        }),
    pinnedPodsFitTheirNodes: (c, tier) => {
        const plan = componentPlan({ ...c.spark, tier, minioEnabled: c.services.minio.enabled });
        const seen = new Set<string>();
        return pinnedPods(c.spark, plan).flatMap((pod) => {
            const group = c.nodeGroups[pod.role];
            const shapes = group.instanceTypes.map(instanceShape);
            const key = `${pod.sizedBy}/${pod.role}/${pod.cpuMillis}/${pod.memoryMiB}`;
            if (!group.enabled || seen.has(key) || shapes.some((s) => s === undefined)) return [];
            seen.add(key);
            const room = allocatable(smallestCommonShape(shapes as NonNullable<(typeof shapes)[number]>[]));
            if (pod.cpuMillis <= room.cpuMillis && pod.memoryMiB <= room.memoryMiB) return [];
            const path = pod.sizedBy.split(".");
            return [notAllowed(path, valueAt(c, path), `expected pods that fit one ${pod.role} node: ${pod.name} requests ${pod.cpuMillis}m CPU and ${pod.memoryMiB} MiB, and ${group.instanceTypes[0]} leaves ${room.cpuMillis}m and ${room.memoryMiB} MiB for pods`)];
        });
    },
    /**
     * A Karpenter NodePool has no minimum or desired size: Karpenter launches nodes for pending
     * pods only and consolidates them away when they empty.
     */
    karpenterPoolsStartEmpty: (c) =>
        c.cluster.nodeProvisioner !== "karpenter"
            ? []
            : karpenterRoles.flatMap((role) =>
                  (["minSize", "desiredSize"] as const)
                      .filter((key) => c.nodeGroups[role][key] !== 0)
                      .map((key) =>
                          notAllowed(
                              ["nodeGroups", role, key],
                              c.nodeGroups[role][key],
                              'expected 0 while cluster.nodeProvisioner is "karpenter": its NodePools have no minimum, Karpenter launches nodes for pending pods only',
                          ),
                      ),
              ),
    karpenterSupportsTheKubernetesVersion: (c) =>
        c.cluster.nodeProvisioner === "karpenter" && !karpenterKubernetesVersions.includes(c.cluster.kubernetesVersion)
            ? [
                  notAllowed(
                      ["cluster", "nodeProvisioner"],
                      "karpenter",
                      `expected "cluster-autoscaler" on Kubernetes ${c.cluster.kubernetesVersion}: the pinned Karpenter supports ${karpenterKubernetesVersions.join(", ")}`,
                  ),
              ]
            : [],
    systemNodeGroupEnabled: (c) => (c.nodeGroups.system.enabled ? [] : [notAllowed(["nodeGroups", "system", "enabled"], false, "expected true; platform services run on the system group")]),
    publicEndpointOnlyForNarrowRanges: (c) => {
        const out: ConfigProblem[] = [];
        if (c.cluster.endpointPublicAccess) {
            if (c.cluster.publicAccessCidrs.length === 0) {
                out.push(notAllowed(["cluster", "publicAccessCidrs"], [], "expected at least one CIDR when endpointPublicAccess is true"));
            }
            c.cluster.publicAccessCidrs.forEach((text, i) => {
                const parsed = parseCidr(text);
                if (parsed && parsed.prefix < 8) {
                    out.push(notAllowed(["cluster", "publicAccessCidrs", i], text, "expected a CIDR of /8 or narrower; the API endpoint is never open to the internet"));
                }
            });
        } else if (c.cluster.publicAccessCidrs.length > 0) {
            out.push(notAllowed(["cluster", "publicAccessCidrs"], c.cluster.publicAccessCidrs, "expected [] when endpointPublicAccess is false"));
        }
        return out;
    },
    requiredClusterLogsOn: (c) =>
        requiredClusterLogTypes
            .filter((t) => !c.cluster.logTypes.includes(t))
            .map((t) => notAllowed(["cluster", "logTypes"], c.cluster.logTypes, `expected a list that includes "${t}" (api, audit and authenticator are always on)`)),
    networkLayoutConsistent: (c) => {
        const n = c.network;
        const out: ConfigProblem[] = [];
        const vpc = parseCidr(n.vpcCidr);
        if (vpc && (vpc.prefix < 16 || vpc.prefix > 20)) {
            out.push(notAllowed(["network", "vpcCidr"], n.vpcCidr, "expected a prefix from /16 to /20"));
        }
        if (n.availabilityZones.length > 0 && n.availabilityZones.length !== n.availabilityZoneCount) {
            out.push(notAllowed(["network", "availabilityZones"], n.availabilityZones, `expected exactly availabilityZoneCount (${n.availabilityZoneCount}) zones, or [] to discover them`));
        }
        if (new Set(n.availabilityZones).size !== n.availabilityZones.length) {
            out.push(notAllowed(["network", "availabilityZones"], n.availabilityZones, "expected distinct zones"));
        }
        const e = n.existing;
        if (n.mode === "existing") {
            if (!e.vpcId) out.push(notAllowed(["network", "existing", "vpcId"], e.vpcId, "expected a VPC id when mode is existing"));
            if (e.privateSubnetIds.length < n.availabilityZoneCount) {
                out.push(notAllowed(["network", "existing", "privateSubnetIds"], e.privateSubnetIds, `expected at least availabilityZoneCount (${n.availabilityZoneCount}) private subnets, one per AZ`));
            }
        } else if (e.vpcId || e.privateSubnetIds.length) {
            out.push(notAllowed(["network", "existing"], e, 'expected no existing VPC ids unless mode is "existing"'));
        }
        return out;
    },
    availabilityZonesInTheRegion: (c, _tier, region) =>
        region
            ? c.network.availabilityZones.flatMap((az, i) =>
                  az.startsWith(region) && az.length === region.length + 1 ? [] : [notAllowed(["network", "availabilityZones", i], az, `expected a zone of ${region}, such as ${region}a`)],
              )
            : [],
    noForceDestroyUnderDeletionProtection: (c) =>
        c.platform.deletionProtection && c.storage.forceDestroy
            ? [notAllowed(["storage", "forceDestroy"], true, "expected false while platform.deletionProtection is true")]
            : [],
    threeZonesOutsideDev: (c, tier) => {
        if (tier === "dev") return [];
        const out: ConfigProblem[] = [];
        if (c.network.availabilityZoneCount !== 3) {
            out.push(notAllowed(["network", "availabilityZoneCount"], c.network.availabilityZoneCount, `expected 3 in ${tier} (2 AZs are allowed in dev only)`));
        }
        return out;
    },
};

/** Cross-field rules of the Spark stack, on every tier. */
const sparkRules: Record<string, Rule> = {
    dynamicAllocationBounds: (c) => {
        const d = c.spark.dynamicAllocation;
        return d.minExecutors > d.maxExecutors
            ? [notAllowed(["spark", "dynamicAllocation", "minExecutors"], d.minExecutors, `expected at most maxExecutors (${d.maxExecutors})`)]
            : [];
    },
    eachSparkVersionOnce: (c) =>
        new Set(c.spark.versions).size === c.spark.versions.length ? [] : [notAllowed(["spark", "versions"], c.spark.versions, "expected each Spark version once")],
    jobNamespacesIncludeSparkJobs: (c) =>
        c.spark.jobNamespaces.includes(namespaces.jobs)
            ? []
            : [notAllowed(["spark", "jobNamespaces"], c.spark.jobNamespaces, `expected a list that includes "${namespaces.jobs}", where Connect servers run`)],
    icebergCatalogSettings: (c, tier) => {
        const i = c.spark.iceberg;
        const out: ConfigProblem[] = [];
        if (i.catalogType === "rest" && !i.restUri) out.push(notAllowed(["spark", "iceberg", "restUri"], i.restUri, "expected the REST catalog URL when catalogType is rest"));
        if (i.catalogType !== "rest" && i.restUri) out.push(notAllowed(["spark", "iceberg", "restUri"], i.restUri, 'expected "" unless catalogType is rest'));
        if (i.catalogType === "glue" && tier === "local") out.push(notAllowed(["spark", "iceberg", "catalogType"], "glue", 'expected "hive" or "rest" on the local tier (Glue needs AWS)'));
        return out;
    },
    icebergPresetOnlyOnIcebergLines: (c) => {
        if (!c.spark.presets.includes("iceberg")) return [];
        const without = c.spark.versions.filter((v) => (sparkVersions as readonly string[]).includes(v) && !icebergRuntimeLines.includes(v));
        if (without.length === 0) return [];
        const lines = icebergRuntimeLines.map((v) => `"${v}"`).join(", ");
        return [
            notAllowed(
                ["spark", "versions"],
                c.spark.versions,
                `expected only Spark lines Apache Iceberg ships a runtime for (${lines}) while spark.presets has "iceberg"; there is no iceberg-spark-runtime for ${without.join(", ")}`,
            ),
        ];
    },
    airflowConnectNeedsItsLine: (c) => {
        const connect = [...new Set(c.spark.scenarios.filter((s) => typeof s === "string" && s.startsWith("airflow-connect-")))];
        if (connect.length === 0 || c.spark.versions.includes(airflowConnectLine)) return [];
        return [
            notAllowed(
                ["spark", "versions"],
                c.spark.versions,
                `expected "${airflowConnectLine}" among the versions while spark.scenarios lists ${connect.map((s) => `"${s}"`).join(" and ")}: the Airflow image's Spark Connect client is for Spark ${airflowConnectLine} only`,
            ),
        ];
    },
    eachScenarioOnce: (c) =>
        new Set(c.spark.scenarios).size === c.spark.scenarios.length ? [] : [notAllowed(["spark", "scenarios"], c.spark.scenarios, "expected each scenario once")],
    gpuPresetNeedsTheK8sBackend: (c) => {
        const standalone = [...new Set(c.spark.scenarios.filter((s) => typeof s === "string" && s.endsWith("-standalone")))];
        return c.spark.presets.includes("gpu") && standalone.length > 0
            ? [notAllowed(["spark", "presets"], c.spark.presets, `expected no gpu preset while spark.scenarios lists ${standalone.map((s) => `"${s}"`).join(" and ")} (GPU executors need the k8s backend)`)]
            : [];
    },
    jobNamespacesNotReserved: (c) => {
        const reserved = new Set([...Object.values(namespaces).filter((n) => n !== namespaces.jobs), "default", "kube-system", "kube-public", "kube-node-lease"]);
        return c.spark.jobNamespaces.flatMap((ns, i) =>
            reserved.has(ns) ? [notAllowed(["spark", "jobNamespaces", i], ns, "expected a namespace of its own; this one belongs to the platform or to Kubernetes")] : [],
        );
    },
    teamsAreJobNamespaces: (c) =>
        Object.keys(c.spark.teams)
            .filter((ns) => !c.spark.jobNamespaces.includes(ns))
            .map((ns) => {
                const p = formatPath(["spark", "teams", ns]);
                return { path: p, kind: "unknown-key" as const, message: `${p}: unknown key; expected one of the job namespaces (spark.jobNamespaces): ${c.spark.jobNamespaces.join(", ")}` };
            }),
    teamMemoryLimitsCoverRequests: (c) =>
        c.spark.jobNamespaces.flatMap((ns) => {
            const { quota } = teamSettings(c.spark, ns);
            return quota.limitsMemoryGiB < quota.requestsMemoryGiB
                ? [notAllowed(teamSettingPath(c.spark, ns, "quota", "limitsMemoryGiB"), quota.limitsMemoryGiB, `expected at least requestsMemoryGiB (${quota.requestsMemoryGiB}) for ${ns}: every pod's memory limit is at least its request`)]
                : [];
        }),
    teamIamRolesFitTheStack: (c, tier, region) => {
        const admins = new Set(tier === "local" ? [] : c.cluster.adminRoleArns);
        const seen = new Map<string, string>();
        return c.spark.jobNamespaces.flatMap((ns) => {
            const arn = c.spark.teams[ns]?.iamRoleArn;
            if (!arn) return [];
            const path = ["spark", "teams", ns, "iamRoleArn"];
            if (tier === "local") return [notAllowed(path, arn, "expected no IAM role on the local tier, which has no EKS access entries")];
            const partition = regionPartition(region ?? "");
            const out: ConfigProblem[] = [];
            if (arn.split(":")[1] !== partition) out.push(notAllowed(path, arn, `expected a role of partition "${partition}", the partition of ${region}`));
            // EKS keeps one access entry per principal.
            if (admins.has(arn)) out.push(notAllowed(path, arn, "expected a role other than cluster.adminRoleArns: one IAM principal has one EKS access entry"));
            const other = seen.get(arn);
            if (other) out.push(notAllowed(path, arn, `expected a role of its own; spark.teams.${other}.iamRoleArn names it already`));
            seen.set(arn, ns);
            return out;
        });
    },
    jobsQuotaHoldsThePlatformPods: (c, tier) => {
        const plan = componentPlan({ ...c.spark, tier, minioEnabled: c.services.minio.enabled });
        const pods = pinnedPods(c.spark, plan);
        const names = [...new Set(pods.map((p) => p.name))].join(", ");
        return quotaShortfalls(quotaLoad(pods), teamSettings(c.spark, namespaces.jobs).quota).map((s) => {
            const path = teamSettingPath(c.spark, namespaces.jobs, "quota", s.key);
            return notAllowed(path, valueAt(c, path), `expected room in ${namespaces.jobs} for the pods the platform keeps there (${names}): ${s.message}`);
        });
    },
    gpuPresetNeedsTheGpuGroup: (c, tier) =>
        tier !== "local" && c.spark.presets.includes("gpu") && !c.nodeGroups.gpu.enabled
            ? [notAllowed(["spark", "presets"], c.spark.presets, "expected no gpu preset while nodeGroups.gpu.enabled is false")]
            : [],
    executorGroupEnabled: (c, tier) =>
        tier !== "local" && !c.nodeGroups.executor.enabled
            ? [notAllowed(["nodeGroups", "executor", "enabled"], false, "expected true; Spark executors run on the executor group")]
            : [],
};

/** Cross-field rules of the platform services, on every tier. */
const servicesRules: Record<string, Rule> = {
    jupyterhubSignIn: (c) => {
        const hub = c.services.jupyterhub;
        const at = (...keys: string[]) => ["services", "jupyterhub", ...keys];
        const out: ConfigProblem[] = [];
        if (hub.adminUsers.length === 0) {
            out.push(
                notAllowed(
                    at("adminUsers"),
                    hub.adminUsers,
                    hub.authenticator === "native"
                        ? "expected at least one admin user, who approves sign-ups (with native nobody gets in otherwise)"
                        : "expected at least one admin user, who manages users and their servers",
                ),
            );
        } else if (new Set(hub.adminUsers).size !== hub.adminUsers.length) {
            out.push(notAllowed(at("adminUsers"), hub.adminUsers, "expected each user once"));
        }
        const github = hub.github;
        if (hub.authenticator === "github") {
            if (!github.clientId) out.push(notAllowed(at("github", "clientId"), github.clientId, 'expected the GitHub OAuth app client id when authenticator is "github"'));
            if (!github.callbackUrl) {
                out.push(
                    notAllowed(at("github", "callbackUrl"), github.callbackUrl, 'expected the callback URL registered with the OAuth app (https://<hub host>/hub/oauth_callback) when authenticator is "github"'),
                );
            }
            const provider = c.secrets.provider;
            if (!pulumiWrittenProviders.includes(provider)) {
                if (github.clientSecret) {
                    out.push(
                        notAllowed(
                            at("github", "clientSecret"),
                            github.clientSecret,
                            `expected "" with secrets.provider "${provider}": the operator puts the client secret in the store (or seals it) under the name docs/secrets.md gives, and Pulumi never reads it`,
                        ),
                    );
                }
            } else if (!github.clientSecret) {
                out.push(
                    notAllowed(
                        at("github", "clientSecret"),
                        github.clientSecret,
                        'expected the OAuth app client secret when authenticator is "github"; set it with: pulumi config set --secret --path services.jupyterhub.github.clientSecret <secret>',
                    ),
                );
            }
        } else {
            for (const key of ["clientId", "organization", "callbackUrl", "clientSecret"] as const) {
                if (github[key]) out.push(notAllowed(at("github", key), github[key], 'expected "" unless authenticator is "github"'));
            }
        }
        return out;
    },
};

/**
 * What each secret provider needs besides its name: the settings without a default, as paths under
 * secrets. They must be set for the chosen provider and stay "" for the others.
 */
export const secretProviderSettings: Readonly<Record<string, readonly (readonly string[])[]>> = {
    vault: [["vault", "server"], ["vault", "authRole"]],
    "azure-key-vault": [["azureKeyVault", "vaultUrl"], ["azureKeyVault", "tenantId"], ["azureKeyVault", "workloadIdentityClientId"]],
    "gcp-secret-manager": [
        ["gcpSecretManager", "projectId"],
        ["gcpSecretManager", "workloadIdentity", "gcpServiceAccount"],
        ["gcpSecretManager", "workloadIdentity", "clusterLocation"],
        ["gcpSecretManager", "workloadIdentity", "clusterName"],
    ],
    "ibm-secrets-manager": [["ibmSecretsManager", "serviceUrl"], ["ibmSecretsManager", "apiKeySecretRef", "namespace"], ["ibmSecretsManager", "apiKeySecretRef", "name"], ["ibmSecretsManager", "apiKeySecretRef", "key"]],
};
/** Optional settings of a provider: "" for every other provider. */
const secretProviderOptional: Readonly<Record<string, readonly (readonly string[])[]>> = {
    "gcp-secret-manager": [["gcpSecretManager", "workloadIdentity", "clusterProjectId"]],
};

/** Rules of the secret provider, on every tier. */
const secretsRules: Record<string, Rule> = {
    secretProviderSettings: (c, tier) => {
        const provider = c.secrets.provider;
        const out: ConfigProblem[] = [];
        if (provider === "aws-secrets-manager" && tier === "local") {
            out.push(notAllowed(["secrets", "provider"], provider, 'expected a provider other than "aws-secrets-manager" on the local tier, which has no AWS ("kubernetes" writes the generated values into Secrets)'));
        }
        const valueAt = (keys: readonly string[]) => keys.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], c.secrets);
        for (const [owner, paths] of Object.entries(secretProviderSettings)) {
            for (const keys of paths) {
                const value = valueAt(keys);
                if (owner === provider && value === "") out.push(notAllowed(["secrets", ...keys], value, `expected a value when provider is "${owner}" (docs/secrets.md)`));
                if (owner !== provider && value !== "") out.push(notAllowed(["secrets", ...keys], value, `expected "" unless provider is "${owner}"`));
            }
        }
        if (c.secrets.revision !== "" && pulumiWrittenProviders.includes(provider)) {
            out.push(notAllowed(["secrets", "revision"], c.secrets.revision, `expected "" with provider "${provider}", whose credential versions Pulumi knows; set it only with a store Pulumi does not write or sealed-secrets (docs/secrets.md)`));
        }
        for (const [owner, paths] of Object.entries(secretProviderOptional)) {
            for (const keys of paths) {
                const value = valueAt(keys);
                if (owner !== provider && value !== "") out.push(notAllowed(["secrets", ...keys], value, `expected "" unless provider is "${owner}"`));
            }
        }
        return out;
    },
};

/** Rules for prod on top of the others. */
const prodRules: Record<string, Rule> = {
    prodIsHighlyAvailable: (c, tier) => {
        if (tier !== "prod") return [];
        const out: ConfigProblem[] = [];
        if (!c.platform.deletionProtection) out.push(notAllowed(["platform", "deletionProtection"], c.platform.deletionProtection, "expected true in prod"));
        if (c.storage.forceDestroy) out.push(notAllowed(["storage", "forceDestroy"], true, "expected false in prod"));
        if (c.cluster.endpointPublicAccess) out.push(notAllowed(["cluster", "endpointPublicAccess"], true, "expected false in prod (the API endpoint is private)"));
        if (c.network.natGateways !== "perAz") out.push(notAllowed(["network", "natGateways"], c.network.natGateways, 'expected "perAz" in prod'));
        if (c.secrets.recoveryWindowInDays < 7) out.push(notAllowed(["secrets", "recoveryWindowInDays"], c.secrets.recoveryWindowInDays, "expected 7 to 30 in prod"));
        if (c.nodeGroups.system.minSize < 2) out.push(notAllowed(["nodeGroups", "system", "minSize"], c.nodeGroups.system.minSize, "expected at least 2 in prod"));
        for (const role of ["system", "driver"] as const) {
            if (c.nodeGroups[role].capacityType === "spot") {
                out.push(notAllowed(["nodeGroups", role, "capacityType"], "spot", "expected \"on-demand\" in prod: an interruption would stop platform services or running drivers"));
            }
        }
        if (!c.services.metastore.database.multiAz) out.push(notAllowed(["services", "metastore", "database", "multiAz"], false, "expected true in prod"));
        return out;
    },
};

/** Areas that only AWS tiers read, and the area only the local tier reads. */
const awsOnlyKeys = ["network", "cluster", "nodeGroups", "storage", "registry", "cost"] as const;

/** Pulumi.yaml gives every area the default {}, so an empty object means "not set". */
const isSet = (v: unknown) => v !== undefined && !(isPlainObject(v) && Object.keys(v).length === 0);

function tierScopeProblems(raw: Record<string, unknown>, tier: Tier): ConfigProblem[] {
    if (tier === "local") {
        return awsOnlyKeys.filter((k) => isSet(raw[k])).map((k) => notAllowed([k], raw[k], "expected no value on the local tier, which creates no AWS resources"));
    }
    return isSet(raw.local) ? [notAllowed(["local"], raw.local, "expected no value outside the local tier")] : [];
}

function resolveTier(raw: Record<string, unknown>, stack: string, problems: ConfigProblem[]): Tier | undefined {
    const env = raw.environment;
    if (env !== undefined && env !== "") {
        if (typeof env === "string" && (tiers as readonly string[]).includes(env)) return env as Tier;
        problems.push(notAllowed(["environment"], env, `expected one of ${tiers.map((t) => `"${t}"`).join(", ")}`));
        return undefined;
    }
    if ((tiers as readonly string[]).includes(stack)) return stack as Tier;
    problems.push(notAllowed(["environment"], env ?? "", `expected one of ${tiers.map((t) => `"${t}"`).join(", ")}; stack "${stack}" is not a tier name, so set environment explicitly`));
    return undefined;
}

/**
 * Validates the raw config of a stack (top-level keys of the project namespace, values decoded)
 * and returns the complete config, or throws ConfigError naming every problem.
 */
export function resolveConfig(raw: Record<string, unknown>, ctx: ConfigContext): PlatformConfig {
    const problems: ConfigProblem[] = [];
    for (const key of Object.keys(raw)) {
        if (!(configKeys as readonly string[]).includes(key)) problems.push(unknownKey([key], configKeys));
    }
    const tier = resolveTier(raw, ctx.stack, problems);
    if (!tier) throw new ConfigError(problems);
    if (tier !== "local" && !ctx.region) {
        problems.push({ path: "aws:region", kind: "invalid-value", message: "aws:region: (unset) is not allowed; expected the AWS region of the stack, such as eu-west-1" });
    }
    problems.push(...tierScopeProblems(raw, tier));
    if (!/^[a-z][a-z0-9-]{0,19}$/.test(ctx.stack)) {
        problems.push({
            path: "stack",
            kind: "invalid-value",
            message: `stack: "${ctx.stack}" is not allowed; expected a stack name of 1 to 20 lower-case letters, digits or dashes, starting with a letter (it names the cluster, buckets and secrets)`,
        });
    }

    const settings = Object.fromEntries(Object.entries(raw).filter(([k]) => k !== "environment" && (configKeys as readonly string[]).includes(k)));
    const merged = deepMerge(tierDefaults(tier), settings);
    const parsed = platformSchema.safeParse(merged);
    const typeProblems = parsed.success ? [] : schemaProblems(parsed.error, merged);
    problems.push(...typeProblems);
    // Cross-field rules are skipped inside an object whose own fields are already mistyped:
    // comparing against a value that is wrong anyway only adds noise.
    const parentOf = (p: string) => p.replace(/(\.[^.[]+|\[\d+\])$/, "");
    const mistypedParents = new Set(typeProblems.filter((p) => p.kind === "invalid-value").map((p) => parentOf(p.path)));
    const rules = Object.entries(tier === "local" ? { ...sparkRules, ...servicesRules, ...secretsRules } : { ...awsRules, ...sparkRules, ...servicesRules, ...secretsRules, ...prodRules });
    for (const [name, rule] of rules) {
        try {
            problems.push(...rule(merged as PlatformSettings, tier, ctx.region).filter((p) => !mistypedParents.has(parentOf(p.path))));
        } catch (err) {
            // A rule can only fail on values the schema has already reported as mistyped.
            if (parsed.success) throw new Error(`config rule ${name} failed: ${(err as Error).message}`, { cause: err });
        }
    }
    const unique = problems.filter((p, i) => problems.findIndex((q) => q.message === p.message) === i);
    if (unique.length > 0 || !parsed.success) throw new ConfigError(unique);
    return { ...parsed.data, stack: ctx.stack, project: ctx.project, tier, region: tier === "local" ? "" : (ctx.region as string) };
}
