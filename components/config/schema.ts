/**
 * The typed configuration model. Each area is one Pulumi config key holding an object; the schema
 * is strict, so an unknown key anywhere is an error, and every message says what is allowed.
 */
import { z } from "zod";
import { parseCidr } from "./cidr";
import { kubernetesVersions } from "./kubernetesReleases";
import { isPinnedImage } from "./imageRef";

/**
 * Environment tiers; each has its own defaults (components/config/defaults.ts). local runs the
 * Spark stack on an existing cluster from the kubeconfig, with no AWS at all.
 */
export const tiers = ["local", "dev", "staging", "prod"] as const;
export type Tier = (typeof tiers)[number];
export type AwsTier = Exclude<Tier, "local">;

/**
 * The six ways the platform is used. A stack lists any of them (spark.scenarios) and runs the union
 * of the components they need (componentPlan).
 */
export const scenarios = [
    "jupyter-connect-k8s",
    "jupyter-connect-standalone",
    "airflow-connect-k8s",
    "airflow-connect-standalone",
    "airflow-k8s-submit",
    "airflow-operator",
] as const;
export type Scenario = (typeof scenarios)[number];

/** Presets compose with scenarios; gpu needs the k8s backend (no *-standalone scenario listed). */
export const presets = ["gpu", "iceberg", "cost-optimized"] as const;
export type Preset = (typeof presets)[number];

/**
 * Spark lines the platform runs side by side, oldest first. Each has its images (images/versions.env
 * SPARK<NN>_*, spark.images.spark<NN> and jupyter<NN>) and its Connect server, spark-connect-<NN>.
 */
export const sparkVersions = ["3.5", "4.1", "4.3"] as const;
export type SparkVersion = (typeof sparkVersions)[number];

/** "4.1" → "41": the suffix of a line's names (spark-connect-41, spark.images.spark41, SPARK41_* in images/versions.env). */
export type LineSuffix<V extends string = SparkVersion> = V extends `${infer Major}.${infer Minor}` ? `${Major}${Minor}` : never;
export function lineSuffix<V extends string>(version: V): LineSuffix<V> {
    return version.replace(".", "") as LineSuffix<V>;
}

/**
 * Lines Apache Iceberg ships a Spark runtime for (iceberg-spark-runtime-<line>, at the
 * ICEBERG_VERSION of images/versions.env, 1.11.0): the iceberg preset needs one on every listed line.
 * Iceberg 1.11.0 and 1.12.0 publish runtimes for 3.5 and 4.1, none for 4.2 or 4.3.
 */
export const icebergRuntimeLines: readonly SparkVersion[] = ["3.5", "4.1"];

/**
 * The Spark line of the Connect client the Airflow image installs (images/airflow/Dockerfile): its
 * Connect DAGs talk to that line's server only, so airflow-connect-* scenarios need it in spark.versions.
 */
export const airflowConnectLine: SparkVersion = "3.5";

/** The spark.images keys of a line's Spark runtime and notebook images. */
export type SparkImageKey = `spark${LineSuffix}`;
export type JupyterImageKey = `jupyter${LineSuffix}`;
export const sparkImageKey = <V extends SparkVersion>(version: V) => `spark${lineSuffix(version)}` as const;
export const jupyterImageKey = <V extends SparkVersion>(version: V) => `jupyter${lineSuffix(version)}` as const;

export const icebergCatalogTypes = ["hive", "glue", "rest"] as const;

export { kubernetesVersions };
export const clusterLogTypes = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;
/** Retention periods CloudWatch Logs accepts. */
export const logRetentionValues = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
/** Control-plane logs that may never be switched off. */
export const requiredClusterLogTypes = ["api", "audit", "authenticator"] as const;

const quote = (values: readonly string[]) => values.map((v) => `"${v}"`).join(", ");

/** A strict object whose unknown-key error lists the keys it accepts. */
export function strictObject<T extends z.ZodRawShape>(shape: T) {
    const allowed = Object.keys(shape).join(", ");
    return z.strictObject(shape, {
        error: (issue) =>
            issue.code === "unrecognized_keys"
                ? `expected one of: ${allowed}`
                : issue.code === "invalid_type"
                  ? `expected an object with keys ${allowed}`
                  : undefined,
    });
}

function integer(min: number, max: number) {
    const error = `expected an integer from ${min} to ${max}`;
    return z.int({ error }).min(min, { error }).max(max, { error });
}

const boolean = () => z.boolean({ error: "expected true or false" });

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
    return z.enum(values, { error: `expected one of ${quote(values)}` });
}

export function pattern(re: RegExp, expected: string) {
    return z.string({ error: `expected ${expected}` }).regex(re, { error: `expected ${expected}` });
}

const cidr = () =>
    z
        .string({ error: "expected an IPv4 CIDR such as 10.0.0.0/16" })
        .refine((v) => parseCidr(v) !== undefined, { error: "expected an IPv4 CIDR such as 10.0.0.0/16, with no host bits set" });

const list = <T extends z.ZodType>(item: T, min: number, max: number, what: string) =>
    z.array(item, { error: `expected a list of ${what}` }).min(min, { error: `expected ${min} to ${max} ${what}` }).max(max, {
        error: `expected ${min} to ${max} ${what}`,
    });

/** An IAM role ARN (any partition). */
export const roleArn = () => pattern(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, "an IAM role ARN such as arn:aws:iam::123456789012:role/platform-admin");

const dnsLabel = (what: string) => pattern(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, `${what}: lower-case letters, digits and dashes, at most 63`);

/** A container image pinned by tag (not "latest") or by digest. */
const image = () =>
    z
        .string({ error: "expected an image reference pinned by tag or digest, such as registry/spark-runtime:3.5.6-p1" })
        .refine(isPinnedImage, {
            error: "expected an image reference pinned by tag or digest (never latest), such as registry/spark-runtime:3.5.6-p1",
        });

/**
 * What the validated config holds in place of a secret config value that is set. The value itself
 * is read as a Pulumi secret where it is used (see secretConfigPaths), never from the typed config.
 */
export const secretConfigMarker = "[secret]";

/**
 * Config paths that hold secrets, set with `pulumi config set --secret --path <path> <value>`.
 * Validation never prints their values, and the validated config holds only secretConfigMarker.
 */
export const secretConfigPaths: readonly string[] = ["services.jupyterhub.github.clientSecret"];

/** A secret string: "" when unset, otherwise replaced by secretConfigMarker once validated. */
const secretText = (what: string) => {
    const error = `expected ${what} as text, set with pulumi config set --secret --path`;
    return z
        .string({ error })
        .max(1024, { error: `expected ${what} of at most 1024 characters` })
        .transform((v) => (v === "" ? "" : secretConfigMarker));
};

/** JupyterHub user names as JupyterHub normalizes them (lower case); no commas or spaces, which NativeAuthenticator refuses. */
const hubUserName = () =>
    pattern(/^[a-z0-9][a-z0-9._@-]{0,63}$/, "a JupyterHub user name: lower-case letters, digits, '.', '_', '@' or '-', at most 64 (JupyterHub lower-cases names)");

/** How JupyterHub signs users in. */
export const jupyterhubAuthenticators = ["native", "github"] as const;
export type JupyterHubAuthenticator = (typeof jupyterhubAuthenticators)[number];

/** One pinned image reference per Spark line, under the key `key(line)`. */
const perLine = <K extends string>(key: (version: SparkVersion) => K) =>
    Object.fromEntries(sparkVersions.map((v) => [key(v), image()])) as Record<K, ReturnType<typeof image>>;


export const networkSchema = strictObject({
    /** create: a new VPC; existing: use the VPC and subnets named in `existing`. */
    mode: oneOf(["create", "existing"]),
    vpcCidr: cidr(),
    availabilityZoneCount: integer(2, 3),
    /** Explicit AZ names; empty means the first available AZs of the region. */
    availabilityZones: list(pattern(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, "an availability zone name such as eu-west-1a"), 0, 3, "availability zones"),
    /** single: one NAT gateway (cheap); perAz: one per AZ (no cross-AZ dependency). */
    natGateways: oneOf(["single", "perAz"]),
    existing: strictObject({
        vpcId: z.union([z.literal(""), pattern(/^vpc-[0-9a-f]{8,17}$/, "a VPC id such as vpc-0abc12345def67890")], {
            error: "expected a VPC id such as vpc-0abc12345def67890",
        }),
        privateSubnetIds: list(pattern(/^subnet-[0-9a-f]{8,17}$/, "a subnet id such as subnet-0abc1234"), 0, 6, "subnet ids"),
    }),
});

/**
 * What provisions the executor and GPU nodes on AWS tiers: the cluster-autoscaler resizing managed
 * node groups, or Karpenter launching nodes from NodePools (components/aws/karpenterNodePools.ts).
 * The system and driver groups stay managed node groups either way.
 */
export const nodeProvisioners = ["cluster-autoscaler", "karpenter"] as const;
export type NodeProvisioner = (typeof nodeProvisioners)[number];

export const clusterSchema = strictObject({
    kubernetesVersion: oneOf(kubernetesVersions),
    /** Who provisions executor and GPU nodes: managed node groups resized by the cluster-autoscaler, or Karpenter NodePools. */
    nodeProvisioner: oneOf(nodeProvisioners),
    /** Public API endpoint; always limited to publicAccessCidrs. The private endpoint is always on. */
    endpointPublicAccess: boolean(),
    publicAccessCidrs: list(cidr(), 0, 40, "CIDRs"),
    /** IAM role ARNs granted cluster-admin through EKS access entries. */
    adminRoleArns: list(roleArn(), 0, 20, "role ARNs"),
    logTypes: list(oneOf(clusterLogTypes), 0, 5, "log types"),
    /** Days CloudWatch keeps control-plane logs (a value CloudWatch accepts). */
    logRetentionDays: z.union(logRetentionValues.map((d) => z.literal(d)), { error: `expected one of ${logRetentionValues.join(", ")}` }),
});

/** How a node group's instances are bought. */
export const capacityTypes = ["on-demand", "spot"] as const;
export type CapacityType = (typeof capacityTypes)[number];

export const nodeGroupSchema = strictObject({
    enabled: boolean(),
    instanceTypes: list(pattern(/^[a-z][a-z0-9]*\.[a-z0-9]+$/, "an EC2 instance type such as m6i.xlarge"), 1, 10, "instance types"),
    minSize: integer(0, 100),
    desiredSize: integer(0, 100),
    maxSize: integer(0, 100),
    /** Root volume size (gp3, encrypted with the platform key). */
    diskSizeGiB: integer(20, 2000),
    /**
     * on-demand, or spot (interruptible, about a third of the price; needs at least 2 instance types of
     * one shape). Executors are spot everywhere; dev also runs its system and driver groups on spot.
     */
    capacityType: oneOf(capacityTypes),
});

const executorNodeGroupSchema = nodeGroupSchema.extend({
    minSize: integer(0, 1000),
    desiredSize: integer(0, 1000),
    maxSize: integer(0, 1000),
});

export const nodeGroupsSchema = strictObject({
    /** Nodes for platform services (operator, metastore, Airflow, Jupyter hub); on-demand but in dev. */
    system: nodeGroupSchema,
    /** Nodes for Spark drivers and Connect servers (losing one loses the job); on-demand but in dev. */
    driver: nodeGroupSchema,
    /** Nodes for executors (spot by default), tainted so only executors land there. */
    executor: executorNodeGroupSchema,
    /** NVIDIA nodes, tainted nvidia.com/gpu, scaling from zero. */
    gpu: nodeGroupSchema,
});

export const storageSchema = strictObject({
    /** Let `pulumi destroy` delete non-empty buckets. Never in prod. */
    forceDestroy: boolean(),
    eventLogRetentionDays: integer(1, 3650),
    airflowLogRetentionDays: integer(1, 3650),
    backupRetentionDays: integer(1, 3650),
    /** How long overwritten or deleted versions are kept in versioned buckets. */
    noncurrentVersionRetentionDays: integer(1, 365),
    abortIncompleteMultipartUploadDays: integer(1, 30),
});

/**
 * Where workloads' credentials come from (docs/secrets.md): a store the External Secrets Operator
 * reads through one ClusterSecretStore, the Sealed Secrets controller, or Secrets Pulumi writes.
 */
export const secretProviders = ["aws-secrets-manager", "vault", "azure-key-vault", "gcp-secret-manager", "ibm-secrets-manager", "sealed-secrets", "kubernetes"] as const;
export type SecretProvider = (typeof secretProviders)[number];

/**
 * Providers whose values Pulumi writes (the Secrets, or the Secrets Manager secrets), and so reads
 * from the stack: with the others the operator puts every value in the store or seals it.
 */
export const pulumiWrittenProviders: readonly SecretProvider[] = ["kubernetes", "aws-secrets-manager"];

/** "" (unset) or a value of the given form; which fields a provider needs is a cross-field rule. */
const optional = (re: RegExp, expected: string) => z.union([z.literal(""), pattern(re, expected)], { error: `expected "" or ${expected}` });
const httpsUrl = (example: string) => optional(/^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[\w./-]*)?$/, `an https URL such as ${example}`);
const uuid = (what: string) => optional(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, `${what}: a UUID in lower case`);
const k8sName = (what: string) => optional(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, `${what}: lower-case letters, digits and dashes, at most 63`);

export const secretStoresSchema = {
    provider: oneOf(secretProviders),
    vault: strictObject({
        /** The Vault server's address. */
        server: httpsUrl("https://vault.example.com:8200"),
        /** Mount path of the KV version 2 engine holding the platform's secrets. */
        mountPath: pattern(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, "a KV engine mount path such as secret"),
        /** Vault role of the Kubernetes auth method that the operator's service account logs in as. */
        authRole: optional(/^[\w.-]{1,128}$/, "a Vault role name"),
        /** Mount path of the Kubernetes auth method. */
        authMountPath: pattern(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, "an auth method mount path such as kubernetes"),
    }),
    azureKeyVault: strictObject({
        vaultUrl: optional(/^https:\/\/[a-z0-9-]{3,24}\.vault\.azure\.(net|cn|us)\/?$/, "a Key Vault URL such as https://platform-kv.vault.azure.net"),
        tenantId: uuid("the Entra ID tenant"),
        /** Client id of the managed identity the operator's service account federates with (Azure workload identity). */
        workloadIdentityClientId: uuid("the managed identity's client id"),
    }),
    gcpSecretManager: strictObject({
        projectId: optional(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "a Google Cloud project id"),
        /** GKE workload identity: the operator's service account acts as this Google service account. */
        workloadIdentity: strictObject({
            gcpServiceAccount: optional(/^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$/, "a Google service account e-mail such as eso@project.iam.gserviceaccount.com"),
            clusterProjectId: optional(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "the GKE cluster's project id"),
            clusterLocation: optional(/^[a-z]+-[a-z]+\d(-[a-z])?$/, "the GKE cluster's region or zone, such as europe-west1"),
            clusterName: k8sName("the GKE cluster's name"),
        }),
    }),
    ibmSecretsManager: strictObject({
        serviceUrl: httpsUrl("https://<instance id>.<region>.secrets-manager.appdomain.cloud"),
        /** The Kubernetes Secret holding the IBM Cloud API key, which an operator creates outside Pulumi. */
        apiKeySecretRef: strictObject({ namespace: k8sName("a namespace"), name: k8sName("a Secret name"), key: optional(/^[-._a-zA-Z0-9]{1,253}$/, "a key of that Secret") }),
    }),
};

export const secretsSchema = strictObject({
    /** Days Secrets Manager keeps a deleted secret recoverable: 0 (immediate) or 7 to 30. */
    recoveryWindowInDays: integer(0, 30).refine((v) => v === 0 || v >= 7, { error: "expected 0 or an integer from 7 to 30" }),
    passwordLength: integer(24, 128),
    kmsKeyDeletionWindowInDays: integer(7, 30),
    ...secretStoresSchema,
    /** How often the External Secrets Operator re-reads each credential from the store: a Go duration of h, m and s above zero. */
    refreshInterval: pattern(/^(?=.*[1-9])(\d+h)?(\d+m)?(\d+s)?$/, 'a Go duration of hours, minutes and seconds above zero, such as "1h", "15m" or "1h30m"'),
    /** Bumped by the operator after rotating credentials in a store Pulumi does not write: rolls the workloads that read them. */
    revision: pattern(/^[A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" and "-", at most 63, or ""'),
});

/**
 * Where the platform images are pulled from (AWS tiers). References in spark.images without a
 * registry host resolve against `url`; a tag in ECR deploys as the digest the registry holds.
 */
export const registrySchema = strictObject({
    /**
     * "" (default): this stack's own ECR repositories, `<account>.dkr.ecr.<region>.amazonaws.com/<platform id>`,
     * which the stack creates. Otherwise another stack's or a shared registry (host and optional path),
     * and the stack creates none.
     */
    url: z.union([z.literal(""), pattern(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/, "a registry host with an optional path, such as 111122223333.dkr.ecr.eu-west-1.amazonaws.com/spark-staging")], {
        error: "expected a registry host with an optional path, such as 111122223333.dkr.ecr.eu-west-1.amazonaws.com/spark-staging, or empty",
    }),
    /** Images each of the stack's own repositories keeps, newest first (an ECR lifecycle rule expires the rest). */
    keepImages: integer(1, 1000),
});

const price = (unit: string) => {
    const error = `expected a price in US dollars ${unit}, at least 0`;
    return z.number({ error }).min(0, { error }).max(1_000_000, { error: `expected a price in US dollars ${unit} below 1000000` });
};
const priceMap = (key: RegExp, what: string, unit: string) =>
    z.record(pattern(key, what), price(unit), { error: `expected an object of ${what} to prices in US dollars ${unit}` });

/** The price table the cost estimate and the rightsizing calculator read; the defaults are components/cost/prices.ts. */
export const costSchema = strictObject({
    prices: strictObject({
        region: pattern(/^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region such as eu-west-1"),
        recordedOn: pattern(/^\d{4}-\d{2}-\d{2}$/, "a date such as 2026-12-05"),
        source: z.string({ error: "expected text naming where the prices come from" }).min(1, { error: "expected text naming where the prices come from" }).max(500, { error: "expected at most 500 characters" }),
        hoursPerMonth: integer(672, 744),
        ec2FamilyVcpuHourly: priceMap(/^[a-z][a-z0-9-]*$/, "instance families such as m6i", "per vCPU-hour"),
        ec2InstanceHourly: priceMap(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "instance types such as g5.xlarge", "per hour"),
        spotShareOfOnDemand: z.number({ error: "expected a share of the on-demand price above 0 and at most 1" }).gt(0, { error: "expected a share of the on-demand price above 0 and at most 1" }).max(1, { error: "expected a share of the on-demand price above 0 and at most 1" }),
        eksStandardHourly: price("per hour"),
        eksExtendedHourly: price("per hour"),
        natGatewayHourly: price("per hour"),
        publicIpv4Hourly: price("per hour"),
        ebsGp3GiBMonth: price("per GiB-month"),
        rdsPostgresHourly: priceMap(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "RDS instance classes such as db.t4g.small", "per hour"),
        rdsGp3GiBMonth: price("per GiB-month"),
        kmsKeyMonth: price("per month"),
        secretsManagerSecretMonth: price("per month"),
    }),
});

export const generalSchema = strictObject({
    /** Prefix of every resource name; with the stack name it names the cluster (spark-prod). */
    name: pattern(/^[a-z][a-z0-9-]{1,11}$/, "2 to 12 lower-case letters, digits or dashes, starting with a letter"),
    /** Protect stateful resources from deletion (Pulumi protect, EKS deletion protection, no forceDestroy). Always on in prod. */
    deletionProtection: boolean(),
    /** Extra tags on every AWS resource. */
    tags: z.record(
        pattern(/^[\w .:/=+@-]{1,128}$/, "tag keys of 1 to 128 letters, digits, spaces or _.:/=+-@"),
        z.string({ error: "expected a string tag value" }).max(256, { error: "expected a tag value of at most 256 characters" }),
        { error: "expected an object of string tags" },
    ),
});

/**
 * The ResourceQuota of a job namespace (components/spark/teams.ts). Spark and the platform limit
 * memory at the request, so limitsMemoryGiB is at least requestsMemoryGiB.
 */
export const teamQuotaSchema = strictObject({
    /** Cores all pods of the namespace may request together (requests.cpu). */
    requestsCpu: integer(1, 100000),
    /** Memory all pods may request together (requests.memory). */
    requestsMemoryGiB: integer(1, 1000000),
    /** Memory limits of all pods together (limits.memory). */
    limitsMemoryGiB: integer(1, 1000000),
    /** GPUs all pods may request together (requests.nvidia.com/gpu). */
    gpus: integer(0, 10000),
    pods: integer(1, 100000),
    persistentVolumeClaims: integer(0, 100000),
});

/** The LimitRange of a job namespace: what a container that declares no resources gets. */
export const teamLimitsSchema = strictObject({
    /** CPU request of a container that sets none. */
    defaultCpuMillis: integer(10, 64000),
    /** Memory request, and limit, of a container that sets none. */
    defaultMemoryMiB: integer(16, 262144),
});

/**
 * A Kubernetes group a team's members reach their namespace as: EKS refuses access entries whose
 * groups start with "system:" (reserved for Kubernetes, RBAC "Referring to subjects").
 */
export const teamGroup = () =>
    pattern(/^(?!system:)[a-z0-9]([-a-z0-9:._]{0,98}[a-z0-9])?$/, 'a Kubernetes group name: lower-case letters, digits and "-:._", at most 100, not starting with "system:"');

/** One team: a job namespace's own quota and limits over spark.teamDefaults, key by key, its group and the IAM role its members use. */
export const teamSchema = strictObject({
    quota: teamQuotaSchema.partial().optional(),
    limits: teamLimitsSchema.partial().optional(),
    /** The group bound to the namespace's team Role; default `spark-team:<namespace>` (components/spark/teams.ts). */
    group: teamGroup().optional(),
    /** AWS stacks: the IAM role whose sessions the EKS access entry maps to the group; none, no access entry. */
    iamRoleArn: roleArn().optional(),
});

export const sparkSchema = strictObject({
    /** The ways this stack is used; it runs what any of them needs. */
    scenarios: list(oneOf(scenarios), 1, scenarios.length, "scenarios"),
    presets: list(oneOf(presets), 0, 3, "presets"),
    /** Spark lines to run Connect servers (or standalone clusters) for. */
    versions: list(oneOf(sparkVersions), 1, sparkVersions.length, "Spark versions"),
    /** Namespaces Spark jobs run in; the operator watches them. Connect runs in spark-jobs. */
    jobNamespaces: list(dnsLabel("a namespace"), 1, 10, "namespaces"),
    /** Quota and limits every job namespace gets unless spark.teams says otherwise. */
    teamDefaults: strictObject({ quota: teamQuotaSchema, limits: teamLimitsSchema }),
    /** Per job namespace (each key one of jobNamespaces): what differs from teamDefaults. */
    teams: z.record(z.string(), teamSchema, { error: "expected an object of job namespaces to their quota and limits" }),
    images: strictObject({
        ...perLine(sparkImageKey),
        sparkRapids: image(),
        hiveMetastore: image(),
        ...perLine(jupyterImageKey),
        airflow: image(),
    }),
    dynamicAllocation: strictObject({
        minExecutors: integer(0, 1000),
        maxExecutors: integer(1, 1000),
        executorIdleTimeoutSeconds: integer(10, 3600),
    }),
    /** Resources of each Spark Connect server (it is the driver of its sessions). */
    connect: strictObject({ driverCores: integer(1, 32), driverMemoryMiB: integer(1024, 262144) }),
    /** Workers per Spark line when the backend is standalone. */
    standalone: strictObject({ workers: integer(1, 100), workerCores: integer(1, 64), workerMemoryMiB: integer(1024, 524288) }),
    /** Executor size where the node shape is unknown (the local tier); AWS tiers derive it from the executor node group. */
    localExecutor: strictObject({ cores: integer(1, 16), memoryMiB: integer(512, 65536) }),
    iceberg: strictObject({
        /** The Spark SQL catalog name: an identifier, not spark_catalog (Spark's built-in one). */
        catalogName: pattern(/^(?!spark_catalog$)[A-Za-z_][A-Za-z0-9_]{0,63}$/, "an identifier of letters, digits and underscores other than spark_catalog, such as lake"),
        catalogType: oneOf(icebergCatalogTypes),
        /** REST catalog URI, required when catalogType is rest. */
        restUri: z.union([z.literal(""), z.url({ error: "expected an http(s) URL" })], { error: "expected an http(s) URL or empty" }),
    }),
});

export const servicesSchema = strictObject({
    /**
     * Run the controllers and servers that support it (Spark Operator, External Secrets Operator,
     * Airflow scheduler, API server and triggerer) with two replicas, leader election where they
     * have it, and PodDisruptionBudgets; on in prod (components/services/replication.ts).
     */
    highAvailability: boolean(),
    metastore: strictObject({
        replicas: integer(1, 5),
        /** Amazon RDS for PostgreSQL on AWS tiers; the local tier runs PostgreSQL in the cluster. */
        database: strictObject({
            instanceClass: pattern(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "an RDS instance class such as db.t4g.medium"),
            allocatedStorageGiB: integer(20, 4096),
            multiAz: boolean(),
            backupRetentionDays: integer(1, 35),
            engineVersion: pattern(/^1[4-7](\.\d+)?$/, "a PostgreSQL major version from 14 to 17, optionally with a minor, such as 16.4"),
        }),
    }),
    airflow: strictObject({
        /** DAGs from git; with an empty repo the example DAGs shipped in dags/ are mounted instead. */
        gitSync: strictObject({
            repo: z.union([z.literal(""), pattern(/^(https:\/\/|git@|ssh:\/\/)\S+$/, "a git URL (https://, ssh:// or git@)")], { error: "expected a git URL or empty" }),
            branch: pattern(/^[\w./-]{1,100}$/, "a branch name"),
            subPath: pattern(/^[\w./-]{0,200}$/, "a path inside the repository"),
        }),
    }),
    /** JupyterHub sign-in; the chart's default dummy authenticator is never used. */
    jupyterhub: strictObject({
        /** native: NativeAuthenticator (users sign up, an admin approves each one); github: GitHub OAuth. */
        authenticator: oneOf(jupyterhubAuthenticators),
        /**
         * JupyterHub admins (GitHub logins with github). With native they approve sign-ups; each must
         * sign up first, before anyone else can claim the name.
         */
        adminUsers: list(hubUserName(), 0, 20, "user names"),
        /** GitHub OAuth app; only with authenticator github, otherwise every field is "". */
        github: strictObject({
            clientId: z.union([z.literal(""), pattern(/^[A-Za-z0-9._-]{8,100}$/, "a GitHub OAuth app client id")], {
                error: "expected a GitHub OAuth app client id or empty",
            }),
            /** Only members of this organization may sign in; "" lets in only adminUsers. */
            organization: z.union([z.literal(""), pattern(/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/, "a GitHub organization name")], {
                error: "expected a GitHub organization name or empty",
            }),
            /** The callback URL registered with the OAuth app: https://<hub host>/hub/oauth_callback (http only for localhost). */
            callbackUrl: z.union(
                [
                    z.literal(""),
                    pattern(
                        /^(https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?|http:\/\/(localhost|127\.0\.0\.1)(:\d{1,5})?)(\/[\w.~%-]+)*\/hub\/oauth_callback$/,
                        "an https URL ending in /hub/oauth_callback (http only for localhost)",
                    ),
                ],
                { error: "expected an https URL ending in /hub/oauth_callback (http only for localhost), or empty" },
            ),
            /** The OAuth app's client secret: a secret, see secretConfigPaths. */
            clientSecret: secretText("the GitHub OAuth client secret"),
        }),
    }),
    minio: strictObject({ enabled: boolean(), storageGiB: integer(1, 10000) }),
    /** In-cluster PostgreSQL (local tier). */
    postgres: strictObject({ storageGiB: integer(1, 1000) }),
    /** Metrics, dashboards, alerts and traces: kube-prometheus-stack, Tempo and an OpenTelemetry collector. */
    observability: strictObject({
        /** Install the monitoring stack; off by default on the local tier. */
        enabled: boolean(),
        prometheus: strictObject({
            /** Days Prometheus keeps samples. */
            retentionDays: integer(1, 365),
            /** Size of each Prometheus replica's volume. */
            storageGiB: integer(5, 10000),
            /** Prometheus and Alertmanager replicas; 2 or more in prod. */
            replicas: integer(1, 3),
        }),
        /**
         * Where docs/alerts.md is published, e.g. https://github.com/<org>/<repo>/blob/main/docs/alerts.md;
         * every alert's runbook link is this plus its anchor. "" keeps the repository path docs/alerts.md.
         */
        runbookBaseUrl: z.union([z.literal(""), pattern(/^https:\/\/[^\s#?]+$/, "an https URL without # or ?")], { error: "expected an https URL of docs/alerts.md, or empty" }),
        tracing: strictObject({
            /** Install Tempo and the OpenTelemetry collector, and send Airflow's traces to them. */
            enabled: boolean(),
            /** Hours Tempo keeps traces. */
            retentionHours: integer(1, 8760),
            /** Size of Tempo's volume. */
            storageGiB: integer(1, 10000),
        }),
    }),
    /** Daily dumps of the Metastore and Airflow databases to the backups bucket; retention is storage.backupRetentionDays. */
    backups: strictObject({
        enabled: boolean(),
        /** When the backup CronJob runs: five cron fields, in UTC. */
        schedule: pattern(/^(\S+\s+){4}\S+$/, "five cron fields such as 0 2 * * *"),
    }),
});

/** Settings only the local tier reads. */
export const localSchema = strictObject({
    /** kubeconfig context to deploy into; empty means the current context. */
    kubeContext: z.string({ error: "expected a kubeconfig context name" }).max(253, { error: "expected at most 253 characters" }),
    /** StorageClass for volumes; empty means the cluster's default. */
    storageClassName: z.union([z.literal(""), dnsLabel("a StorageClass name")], { error: "expected a StorageClass name or empty" }),
});

export const platformSchema = strictObject({
    platform: generalSchema,
    network: networkSchema,
    cluster: clusterSchema,
    nodeGroups: nodeGroupsSchema,
    storage: storageSchema,
    secrets: secretsSchema,
    registry: registrySchema,
    cost: costSchema,
    spark: sparkSchema,
    services: servicesSchema,
    local: localSchema,
});

export type NetworkConfig = z.infer<typeof networkSchema>;
export type ClusterConfig = z.infer<typeof clusterSchema>;
export type NodeGroupConfig = z.infer<typeof nodeGroupSchema>;
export type NodeGroupsConfig = z.infer<typeof nodeGroupsSchema>;
/** The node groups' roles, one per node role of ./nodeRoles. */
export type NodeGroupRole = keyof NodeGroupsConfig;
export type StorageConfig = z.infer<typeof storageSchema>;
export type SecretsConfig = z.infer<typeof secretsSchema>;
export type GeneralConfig = z.infer<typeof generalSchema>;
export type RegistryConfig = z.infer<typeof registrySchema>;
export type CostConfig = z.infer<typeof costSchema>;
export type SparkConfig = z.infer<typeof sparkSchema>;
export type TeamQuota = z.infer<typeof teamQuotaSchema>;
export type TeamLimits = z.infer<typeof teamLimitsSchema>;
export type ServicesConfig = z.infer<typeof servicesSchema>;
export type JupyterHubConfig = ServicesConfig["jupyterhub"];
export type ObservabilityConfig = ServicesConfig["observability"];
export type BackupsConfig = ServicesConfig["backups"];
export type LocalConfig = z.infer<typeof localSchema>;
export type PlatformSettings = z.infer<typeof platformSchema>;

/** The validated configuration of one stack: settings plus where they apply. */
export interface PlatformConfig extends PlatformSettings {
    /** Pulumi stack name; with platform.name it makes the platform id. */
    readonly stack: string;
    /** Pulumi project name: the namespace of the stack's config keys. */
    readonly project: string;
    /** The environment key, or the stack name when environment is unset and the name is a tier. */
    readonly tier: Tier;
    /** aws:region; empty on the local tier. */
    readonly region: string;
}

/** The config keys of the project namespace, in the order Pulumi.yaml declares them. */
export const configKeys = ["environment", ...Object.keys(platformSchema.shape)] as const;

/** Keys whose Pulumi config value is an object (JSON-encoded by the CLI); all but environment. */
export const objectKeys: ReadonlySet<string> = new Set(Object.keys(platformSchema.shape));
