/** What the Kubernetes side of the platform needs from the base it runs on (AWS or local). */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BucketPurpose, LifecycleRule } from "./aws/dataLake";
import { ServicesConfig, SparkConfig, Tier } from "./config/schema";
import { ClusterAutoscalerArgs } from "./services/clusterAutoscaler";
import { CredentialValues, GeneratedSecretName } from "./services/credentials";
import type { SecretDeliveryPlan } from "./services/secretDelivery";
import { ExternalSecretsArgs } from "./services/externalSecrets";
import { KarpenterArgs } from "./services/karpenter";
import { JupyterHubAuth } from "./services/jupyterhub";
import { ComponentPlan } from "./spark/scenarios";
import { ExecutorSizing } from "./spark/sizing";

/** Where table data, event logs, Airflow logs and backups live. */
export type ObjectStorage =
    | {
          /** Amazon S3; pods reach it with credentials from EKS Pod Identity. */
          readonly kind: "s3";
          readonly region: string;
          readonly buckets: Record<BucketPurpose, pulumi.Input<string>>;
      }
    | {
          /** MinIO in the cluster; pods reach it with the MinIO root credentials. */
          readonly kind: "minio";
          /** http://minio.minio.svc.cluster.local:9000 */
          readonly endpoint: string;
          readonly buckets: Record<BucketPurpose, string>;
      };

/** The PostgreSQL server the Metastore and Airflow keep their databases on. */
export interface DatabaseServer {
    /** Host name clients connect to: the RDS endpoint, or the in-cluster Service. */
    readonly host: pulumi.Input<string>;
    /** TCP port PostgreSQL listens on (5432). */
    readonly port: number;
    /** RDS requires TLS; the in-cluster server on the local tier does not offer it. */
    readonly sslMode: "require" | "disable";
    /** true when the platform runs PostgreSQL in the cluster itself (local tier). */
    readonly inCluster: boolean;
}

/**
 * Everything the Kubernetes side is built from. The base it runs on (AWS or local) computes the
 * values here; of the configuration, the Kubernetes side sees only the spark and services areas.
 */
export interface PlatformContext {
    /** The spark config area: scenarios, presets, lines, images, sizes of servers. */
    readonly spark: SparkConfig;
    /** The services config area: Metastore, Airflow, JupyterHub, MinIO, PostgreSQL. */
    readonly services: ServicesConfig;
    /** What the stack's scenarios and presets switch on (componentPlan). */
    readonly plan: ComponentPlan;
    /** Kubernetes provider of every resource; on AWS it waits for the nodes and add-ons. */
    readonly provider: k8s.Provider;
    /** Object storage: S3 buckets on AWS, MinIO on the local tier. */
    readonly storage: ObjectStorage;
    /** The generated credentials the stack's components read. */
    readonly credentials: CredentialValues;
    /** How credential Secrets reach the cluster (secretDelivery of secrets.provider). */
    readonly secretDelivery: SecretDeliveryPlan;
    /** The Secrets Manager version id of each credential, where the store is the one Pulumi writes. */
    readonly secretVersions?: Readonly<Partial<Record<GeneratedSecretName, pulumi.Input<string>>>>;
    /** PostgreSQL server of the Metastore and Airflow databases. */
    readonly database: DatabaseServer;
    /** Kubernetes minor the Pod Security Admission labels pin, e.g. "v1.33". */
    readonly podSecurityVersion: string;
    /** StorageClass for volumes; undefined means the cluster default. */
    readonly storageClassName?: string;
    /** Scheduling onto node groups applies only where the platform made them (AWS tiers). */
    readonly nodeGroups: boolean;
    /**
     * Executor sizes: from the executor and GPU node groups' shapes on AWS, from
     * spark.localExecutor where the node shape is unknown (local).
     */
    readonly executorSizing: { readonly cpu: ExecutorSizing; readonly gpu: ExecutorSizing };
    /** How JupyterHub users sign in, the OAuth secret read from the stack's secret config. */
    readonly jupyterhubAuth: JupyterHubAuth;
    /** The cluster-autoscaler for the base's node groups; absent where there are none to scale. */
    readonly clusterAutoscaler?: ClusterAutoscalerArgs;
    /**
     * Annotations of every executor pod the platform's template makes: Karpenter's do-not-disrupt
     * where Karpenter provisions the executor nodes; none otherwise.
     */
    readonly executorAnnotations?: Readonly<Record<string, string>>;
    /** Karpenter and its NodePools, where it provisions the executor and GPU nodes; absent otherwise. */
    readonly karpenter?: KarpenterArgs;
    /** The External Secrets Operator and the store of secrets.provider; absent on local unless a store provider is chosen. */
    readonly externalSecrets?: ExternalSecretsArgs;
    /** The Sealed Secrets controller, with secrets.provider "sealed-secrets". */
    readonly sealedSecrets?: boolean;
    /** How long each bucket keeps objects (storage.*RetentionDays), for MinIO's lifecycle; S3 buckets carry theirs already. */
    readonly bucketExpiry: Readonly<Record<BucketPurpose, readonly LifecycleRule[]>>;
    /** The VPC CIDR on AWS, where the API server's and the database's ENIs are; absent on local. NetworkPolicies use it. */
    readonly vpcCidr?: string;
    /** The stack's tier, which workloads may read (Airflow's DAGs as the Variable spark_k8s_environment). */
    readonly environment: Tier;
    /** The stack's estimated cost a month at idle (components/cost/estimate.ts), which the platform dashboard shows. */
    readonly idleMonthlyCost: number;
}
