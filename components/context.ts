/** What the Kubernetes side of the platform needs from the base it runs on (AWS or local). */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BucketPurpose } from "./aws/dataLake";
import { PlatformConfig } from "./config/schema";
import { CredentialValues } from "./services/credentials";
import { ComponentPlan } from "./spark/scenarios";

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
    readonly host: pulumi.Input<string>;
    readonly port: number;
    /** RDS requires TLS; the in-cluster server on the local tier does not offer it. */
    readonly sslMode: "require" | "disable";
    /** true when the platform runs PostgreSQL in the cluster itself (local tier). */
    readonly inCluster: boolean;
}

export interface PlatformContext {
    readonly config: PlatformConfig;
    readonly plan: ComponentPlan;
    readonly provider: k8s.Provider;
    readonly storage: ObjectStorage;
    readonly credentials: CredentialValues;
    readonly database: DatabaseServer;
    /** Kubernetes minor the Pod Security Admission labels pin, e.g. "v1.33". */
    readonly podSecurityVersion: string;
    /** StorageClass for volumes; undefined means the cluster default. */
    readonly storageClassName?: string;
    /** Scheduling onto node groups applies only where the platform made them (AWS tiers). */
    readonly nodeGroups: boolean;
}
