/** Composes the platform from validated config. Decisions live in the components' pure functions. */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DataLake, expiryRules } from "./aws/dataLake";
import { PlatformDatabase } from "./aws/database";
import { ClusterAddons, EksCluster } from "./aws/eksCluster";
import { Network } from "./aws/network";
import { KarpenterInfrastructure } from "./aws/karpenter";
import { doNotDisruptAnnotation, ec2NodeClassManifest, nodePoolManifest, nodePoolPlans } from "./aws/karpenterPlan";
import { NodeGroups } from "./aws/nodeGroups";
import { PlatformKey } from "./aws/platformKey";
import { PlatformSecrets } from "./aws/secrets";
import { WorkloadIdentity } from "./aws/workloadIdentity";
import { TeamAccess } from "./aws/teamAccess";
import { PlatformConfig, platformId, platformTags, serviceEndpoints, serviceHost, ServiceIdentity, serviceIdentities, tierDefaults } from "./config";
import { kubernetesReleases } from "./config/kubernetesReleases";
import { KarpenterRole, karpenterRoles } from "./config/nodeRoles";
import { ImageKey, imageSources, stackRegistryUrl, stackRepositories } from "./config/registry";
import { pulumiWrittenProviders } from "./config/schema";
import { ecrDigestFinder, ImageRegistry, resolveImages } from "./aws/imageRegistry";
import { PlatformContext } from "./context";
import { credential, credentialsNeeded, CredentialValues, GeneratedCredentials, generatedSecrets, isProvided } from "./services/credentials";
import { githubClientSecretFromConfig, jupyterhubAuth } from "./services/jupyterhub";
import { externalSecretsPlan } from "./services/externalSecrets";
import { secretDelivery } from "./services/secretDelivery";
import { ComponentPlan, componentPlan, usedImageKeys } from "./spark/scenarios";
import { executorSizingForInstanceTypes, explicitExecutorSizing } from "./spark/sizing";
import { SparkPlatform } from "./sparkStack";
import { CostEstimate, costEstimate } from "./cost/estimate";

/** Stack outputs. Only the kubeconfig is sensitive, and it is a Pulumi secret. AWS outputs are absent on local. */
export interface PlatformOutputs {
    /** The stack's tier: local, dev, staging or prod. */
    readonly environment: string;
    /** The scenarios the stack runs (spark.scenarios). */
    readonly scenarios: readonly string[];
    /** AWS region the stack deploys into (aws:region). */
    readonly region?: string;
    /** VPC the platform runs in, created or existing. */
    readonly vpcId?: pulumi.Output<string>;
    /** Private subnets of the nodes, the control-plane ENIs and the database. */
    readonly privateSubnetIds?: pulumi.Output<string[]>;
    /** EKS cluster name (`<platform.name>-<stack>`). */
    readonly clusterName?: pulumi.Output<string>;
    /** URL of the EKS API server. */
    readonly clusterEndpoint?: pulumi.Output<string>;
    /** Kubernetes version the EKS control plane runs. */
    readonly kubernetesVersion?: pulumi.Output<string>;
    /** Kubeconfig that authenticates with `aws eks get-token`; a Pulumi secret. */
    readonly kubeconfig?: pulumi.Output<string>;
    /** Managed node group names by role, for the enabled groups. */
    readonly nodeGroups?: Record<string, pulumi.Output<string>>;
    /** Karpenter NodePool names by role, where Karpenter provisions the executor and GPU nodes. */
    readonly nodePools?: Record<string, string>;
    /** Bucket names by purpose: S3 buckets on AWS, MinIO buckets on local. */
    readonly buckets: Record<string, pulumi.Input<string>>;
    /** The platform KMS key, which encrypts buckets, volumes, secrets and logs. */
    readonly kmsKeyArn?: pulumi.Output<string>;
    /** Secrets Manager ARNs of the generated credentials, by credential. */
    readonly secretArns?: Record<string, pulumi.Output<string>>;
    /** Pod Identity role ARNs, by service identity. */
    readonly workloadRoleArns?: Record<string, pulumi.Output<string>>;
    /** Host name of the RDS PostgreSQL instance holding the Metastore and Airflow databases. */
    readonly databaseAddress?: pulumi.Output<string>;
    /** In-cluster addresses of Spark Connect, the History Server, Jupyter and Airflow. */
    readonly endpoints?: Record<string, string>;
    /** The registry references without a host resolve against: the stack's own ECR repositories or registry.url. */
    readonly registry?: string;
    /** The reference each platform image the stack runs deploys with (by digest where it is in ECR), by spark.images key. */
    readonly images?: Partial<Record<ImageKey, string>>;
    /** s3a:// URL of the Spark event logs, which the History Server reads. */
    readonly eventLogDir?: pulumi.Output<string>;
    /** What the stack costs a month at idle and at full scale, line by line (docs/cost.md). */
    readonly costEstimate: CostEstimate;
}

/** The configuration the Kubernetes side reads: the tier, the spark and services areas, and sign-in resolved. */
function kubernetesConfig(config: PlatformConfig): Pick<PlatformContext, "environment" | "spark" | "services" | "jupyterhubAuth"> {
    return { environment: config.tier, spark: config.spark, services: config.services, jupyterhubAuth: jupyterhubAuth(config.services.jupyterhub) };
}

interface Base {
    readonly context: Omit<PlatformContext, "idleMonthlyCost">;
    readonly outputs: Omit<PlatformOutputs, "costEstimate">;
}

async function awsBase(config: PlatformConfig, plan: ComponentPlan, credentials: CredentialValues): Promise<Base> {
    const id = platformId(config);
    const provider = new aws.Provider("aws", { region: config.region, defaultTags: { tags: platformTags(config) } });
    const opts = { providers: [provider] };
    const invokeOpts = { provider };
    const protect = config.platform.deletionProtection;

    const identity = aws.getCallerIdentityOutput({}, invokeOpts);
    const partition = aws.getPartitionOutput({}, invokeOpts).partition;
    const availabilityZones = config.network.availabilityZones.length
        ? pulumi.output(config.network.availabilityZones)
        : aws
              .getAvailabilityZonesOutput({ state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] }, invokeOpts)
              .names.apply((names) => names.slice(0, config.network.availabilityZoneCount));

    const key = new PlatformKey(id, {
        platformId: id,
        deletionWindowInDays: config.secrets.kmsKeyDeletionWindowInDays,
        accountId: identity.accountId,
        partition,
        region: config.region,
        protect,
    }, opts);

    const network = new Network(id, { config: config.network, clusterName: id, availabilityZones, region: config.region }, opts);

    const cluster = new EksCluster(id, {
        clusterName: id,
        config: config.cluster,
        subnetIds: network.privateSubnetIds,
        kmsKeyArn: key.keyArn,
        region: config.region,
        partition,
        deletionProtection: protect,
    }, opts);

    // With Karpenter, the executor and GPU nodes come from its NodePools; system and driver stay managed groups.
    const karpenter = config.cluster.nodeProvisioner === "karpenter";
    const nodePools = karpenter ? nodePoolPlans(config.nodeGroups) : [];
    const nodeGroups = new NodeGroups(id, {
        clusterName: cluster.clusterName,
        kubernetesVersion: cluster.version,
        config: config.nodeGroups,
        subnetIds: network.privateSubnetIds,
        kmsKeyArn: key.keyArn,
        partition,
        dependsOn: cluster.addons,
        provisionedByKarpenter: karpenter ? karpenterRoles : [],
    }, opts);
    const karpenterInfrastructure = karpenter
        ? new KarpenterInfrastructure(`${id}-karpenter`, {
              clusterName: cluster.clusterName,
              platformId: id,
              partition,
              clusterSecurityGroupId: cluster.clusterSecurityGroupId,
              existingSubnetIds: config.network.mode === "existing" ? config.network.existing.privateSubnetIds : [],
          }, opts)
        : undefined;

    // Platform images: the stack's own ECR repositories (unless registry.url names another registry),
    // and every tag in ECR resolved to the digest the pods then run.
    const registryUrl = config.registry.url || stackRegistryUrl((await aws.getCallerIdentity({}, invokeOpts)).accountId, config.region, id);
    const ownRepositories = config.registry.url ? [] : stackRepositories(imageSources(config.spark.images, registryUrl), registryUrl);
    const registry = new ImageRegistry(id, { repositories: ownRepositories, keepImages: config.registry.keepImages, kmsKeyArn: key.keyArn, protect }, opts);
    const resolved = await resolveImages(imageSources(config.spark.images, registryUrl, usedImageKeys(plan, config.spark.versions)), ecrDigestFinder(invokeOpts), new Set(ownRepositories));
    for (const line of resolved.awaitingPush) {
        void pulumi.log.warn(`${line}. Its repository is new: the image deploys by tag until it is pushed, and the next pulumi up pins its digest.`, registry);
    }
    const images = { ...config.spark.images, ...resolved.images };

    const dataLake = new DataLake(id, { platformId: id, config: config.storage, kmsKeyArn: key.keyArn, protect }, opts);
    const secrets = new PlatformSecrets(id, { platformId: id, config: config.secrets, kmsKeyId: key.keyArn, values: credentials }, opts);

    const workloads = new WorkloadIdentity(id, {
        clusterName: cluster.clusterName,
        platformId: id,
        partition,
        jobNamespaces: config.spark.jobNamespaces,
        identities: (Object.keys(serviceIdentities) as ServiceIdentity[]).filter(
            (i) =>
                (i !== "airflow" || plan.airflow.enabled) &&
                (i !== "karpenter" || karpenter) &&
                ((i !== "databaseBackup" && i !== "databaseRestore") || config.services.backups.enabled),
        ),
        inputs: {
            warehouseBucketArn: dataLake.buckets.warehouse.arn,
            eventLogBucketArn: dataLake.buckets.eventLogs.arn,
            airflowLogBucketArn: dataLake.buckets.airflowLogs.arn,
            backupBucketArn: dataLake.buckets.backups.arn,
            secretArns: pulumi.all(Object.values(secrets.arns)),
            kmsKeyArn: key.keyArn,
            clusterName: id,
            glueCatalog: config.spark.presets.includes("iceberg") && config.spark.iceberg.catalogType === "glue"
                ? pulumi.all([partition, identity.accountId]).apply(([p, accountId]) => ({ partition: p, region: config.region, accountId }))
                : undefined,
            karpenter: karpenterInfrastructure
                ? pulumi
                      .all([partition, identity.accountId, karpenterInfrastructure.interruptionQueueArn, karpenterInfrastructure.nodeRoleArn])
                      .apply(([p, accountId, interruptionQueueArn, nodeRoleArn]) => ({ partition: p, region: config.region, accountId, interruptionQueueArn, nodeRoleArn }))
                : undefined,
        },
    }, opts);

    // Each team's IAM role reaches its namespace as the team's group.
    new TeamAccess(`${id}-teams`, { clusterName: cluster.clusterName, spark: config.spark, account: pulumi.all([partition, identity.accountId]).apply(([p, accountId]) => ({ partition: p, accountId })) }, opts);

    const clusterAddons = new ClusterAddons(id, {
        clusterName: cluster.clusterName,
        config: config.cluster,
        dependsOn: [...nodeGroups.nodeGroups, ...workloads.associations],
    }, opts);

    // Every workload goes through this provider, which exists only once the node groups are up,
    // CoreDNS and the EBS CSI driver are active and the Pod Identity associations are in place:
    // pods then schedule, resolve names and get credentials on their first start, instead of
    // relying on await timeouts.
    const workloadProvider = new k8s.Provider(`${id}-workloads`, { kubeconfig: cluster.kubeconfig, enableServerSideApply: true }, {
        parent: cluster,
        dependsOn: [...nodeGroups.nodeGroups, ...workloads.associations, clusterAddons],
    });

    const database = new PlatformDatabase(id, {
        platformId: id,
        config: config.services.metastore.database,
        vpcId: network.vpcId,
        subnetIds: network.privateSubnetIds,
        clusterSecurityGroupId: cluster.clusterSecurityGroupId,
        kmsKeyArn: key.keyArn,
        admin: credential(credentials, "databaseAdmin", "PlatformDatabase"),
        deletionProtection: protect,
    }, opts);

    // Executors are sized to the smallest shape of what provisions their nodes: the NodePool's
    // instance types with Karpenter, the node group's otherwise.
    const instanceTypesOf = (role: KarpenterRole) => nodePools.find((p) => p.role === role)?.instanceTypes ?? config.nodeGroups[role].instanceTypes;
    const buckets = Object.fromEntries(Object.entries(dataLake.buckets).map(([k, b]) => [k, b.name])) as Record<keyof typeof dataLake.buckets, pulumi.Output<string>>;
    return {
        context: {
            ...kubernetesConfig({ ...config, spark: { ...config.spark, images } }),
            plan,
            provider: workloadProvider,
            storage: { kind: "s3", region: config.region, buckets },
            bucketExpiry: expiryRules(config.storage),
            credentials,
            database: { host: database.address, port: 5432, sslMode: "require", inCluster: false },
            podSecurityVersion: `v${config.cluster.kubernetesVersion}`,
            vpcCidr: config.network.vpcCidr,
            storageClassName: cluster.storageClassName,
            nodeGroups: true,
            executorSizing: {
                cpu: executorSizingForInstanceTypes(instanceTypesOf("executor"), false),
                gpu: executorSizingForInstanceTypes(instanceTypesOf("gpu"), true),
            },
            clusterAutoscaler: {
                clusterName: id,
                region: config.region,
                imageTag: kubernetesReleases[config.cluster.kubernetesVersion].clusterAutoscalerImageTag,
                serviceAccountName: serviceIdentities.clusterAutoscaler.serviceAccount,
            },
            externalSecrets: externalSecretsPlan(config),
            sealedSecrets: config.secrets.provider === "sealed-secrets",
            secretDelivery: secretDelivery(config.secrets, id),
            ...(config.secrets.provider === "aws-secrets-manager" ? { secretVersions: secrets.versions } : {}),
            ...(karpenter ? { executorAnnotations: doNotDisruptAnnotation } : {}),
            karpenter: karpenterInfrastructure
                ? {
                      clusterName: id,
                      interruptionQueueName: karpenterInfrastructure.interruptionQueueName,
                      serviceAccountName: serviceIdentities.karpenter.serviceAccount,
                      replicas: config.nodeGroups.system.minSize >= 2 ? 2 : 1,
                      pools: nodePools.map((pool) => ({
                          nodePool: nodePoolManifest(pool),
                          nodeClass: pulumi
                              .all([karpenterInfrastructure.nodeRoleName, key.keyArn])
                              .apply(([nodeRoleName, kmsKeyArn]) => ec2NodeClassManifest(pool, { clusterName: id, nodeRoleName, kmsKeyArn, tags: platformTags(config) })),
                      })),
                      dependsOn: karpenterInfrastructure.ready,
                  }
                : undefined,
        },
        outputs: {
            environment: config.tier,
            scenarios: config.spark.scenarios,
            region: config.region,
            vpcId: network.vpcId,
            privateSubnetIds: network.privateSubnetIds,
            clusterName: cluster.clusterName,
            clusterEndpoint: cluster.endpoint,
            kubernetesVersion: cluster.version,
            kubeconfig: cluster.kubeconfig,
            nodeGroups: nodeGroups.nodeGroupNames,
            ...(karpenter ? { nodePools: Object.fromEntries(nodePools.map((p) => [p.role, p.name])) } : {}),
            buckets,
            kmsKeyArn: key.keyArn,
            secretArns: secrets.arns,
            workloadRoleArns: workloads.roleArns,
            databaseAddress: database.address,
            registry: registryUrl,
            images: resolved.images,
        },
    };
}

/** The local tier: an existing cluster from the kubeconfig, MinIO for buckets, PostgreSQL in the cluster. */
function localBase(config: PlatformConfig, plan: ComponentPlan, credentials: CredentialValues): Base {
    const provider = new k8s.Provider("local", {
        context: config.local.kubeContext || undefined,
        enableServerSideApply: true,
    });
    const buckets = { warehouse: "warehouse", eventLogs: "event-logs", airflowLogs: "airflow-logs", backups: "backups" };
    return {
        context: {
            ...kubernetesConfig(config),
            plan,
            provider,
            externalSecrets: externalSecretsPlan(config),
            sealedSecrets: config.secrets.provider === "sealed-secrets",
            secretDelivery: secretDelivery(config.secrets, platformId(config)),
            storage: { kind: "minio", endpoint: `http://${serviceHost(serviceEndpoints.minio)}:${serviceEndpoints.minio.port}`, buckets },
            bucketExpiry: expiryRules(config.storage),
            credentials,
            database: { host: serviceHost(serviceEndpoints.postgres), port: serviceEndpoints.postgres.port, sslMode: "disable", inCluster: true },
            // The cluster version is unknown; admission evaluates a newer pin as its own latest.
            podSecurityVersion: `v${tierDefaults("local").cluster.kubernetesVersion}`,
            storageClassName: config.local.storageClassName || undefined,
            nodeGroups: false,
            // No node shape to fill: executors are as large as spark.localExecutor says.
            executorSizing: {
                cpu: explicitExecutorSizing({ ...config.spark.localExecutor, gpusPerExecutor: 0 }),
                gpu: explicitExecutorSizing({ ...config.spark.localExecutor, gpusPerExecutor: 1 }),
            },
        },
        outputs: { environment: config.tier, scenarios: config.spark.scenarios, buckets },
    };
}

/** The platform's base for its tier, plus the context the Kubernetes side is built from. */
export async function createBase(config: PlatformConfig): Promise<Base> {
    const plan = componentPlan({ ...config.spark, tier: config.tier, minioEnabled: config.services.minio.enabled });
    // The operator's own values (the GitHub OAuth client secret) are read from the stack only where
    // Pulumi writes what the cluster reads; with any other provider they are in the store already.
    const pulumiWrites = pulumiWrittenProviders.includes(config.secrets.provider);
    const names = credentialsNeeded(plan, config.services).filter((n) => pulumiWrites || !isProvided(n));
    const provided: Record<string, pulumi.Output<string>> = names.includes("githubOAuth") ? { [generatedSecrets.githubOAuth.fields.clientSecret.configPath]: githubClientSecretFromConfig(config.project) } : {};
    const credentials = new GeneratedCredentials(platformId(config), { passwordLength: config.secrets.passwordLength, names, provided }).values;
    return config.tier === "local" ? localBase(config, plan, credentials) : awsBase(config, plan, credentials);
}

export async function createPlatform(config: PlatformConfig): Promise<PlatformOutputs> {
    const base = await createBase(config);
    const estimate = costEstimate(config, config.cost.prices);
    const spark = new SparkPlatform("spark", { ...base.context, idleMonthlyCost: estimate.idleMonthly });
    return { ...base.outputs, endpoints: spark.endpoints, eventLogDir: spark.eventLogDir, costEstimate: estimate };
}
