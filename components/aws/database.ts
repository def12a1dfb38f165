import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ServicesConfig } from "../config/schema";

/** Inputs of PlatformDatabase: the RDS settings, where the instance runs and who may connect. */
export interface PlatformDatabaseArgs {
    /** Platform id (`<platform.name>-<stack>`). */
    readonly platformId: string;
    /** services.metastore.database: instance class, storage, Multi-AZ, backups and engine version. */
    readonly config: ServicesConfig["metastore"]["database"];
    /** VPC of the database's security group. */
    readonly vpcId: pulumi.Input<string>;
    /** Private subnets of the DB subnet group. */
    readonly subnetIds: pulumi.Input<string[]>;
    /** The EKS cluster security group, which managed nodes carry: the only source allowed in. */
    readonly clusterSecurityGroupId: pulumi.Input<string>;
    /** Platform key that encrypts the storage and the Performance Insights data. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Administrator credentials: { username, password }, a Pulumi secret. */
    readonly admin: pulumi.Output<Record<string, string>>;
    /** RDS deletion protection and Pulumi protect on the instance. */
    readonly deletionProtection: boolean;
}

/** `postgres16` from "16" or "16.4": the parameter group family of an engine version. */
export function parameterGroupFamily(engineVersion: string): string {
    return `postgres${engineVersion.split(".")[0]}`;
}

/** Performance Insights is not offered on the micro and small burstable classes. */
export function supportsPerformanceInsights(instanceClass: string): boolean {
    return !/\.(micro|small)$/.test(instanceClass);
}

/**
 * Amazon RDS for PostgreSQL for the Hive Metastore and Airflow (each gets its own database and user
 * from the in-cluster init job): private subnets, reachable only from cluster nodes, encrypted with
 * the platform key, TLS required, automated backups, and a final snapshot on deletion.
 */
export class PlatformDatabase extends pulumi.ComponentResource {
    readonly address: pulumi.Output<string>;
    readonly port: pulumi.Output<number>;

    constructor(name: string, args: PlatformDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:aws:PlatformDatabase", name, {}, opts);
        const parent = { parent: this };
        const c = args.config;
        const subnets = new aws.rds.SubnetGroup(name, { subnetIds: args.subnetIds, description: `Private subnets of ${args.platformId}` }, parent);
        const sg = new aws.ec2.SecurityGroup(`${name}-db`, { vpcId: args.vpcId, description: "PostgreSQL for the Spark platform, from cluster nodes only" }, parent);
        new aws.vpc.SecurityGroupIngressRule(`${name}-db-from-nodes`, {
            securityGroupId: sg.id,
            referencedSecurityGroupId: args.clusterSecurityGroupId,
            ipProtocol: "tcp",
            fromPort: 5432,
            toPort: 5432,
            description: "PostgreSQL from EKS nodes",
        }, parent);
        const parameters = new aws.rds.ParameterGroup(name, {
            family: parameterGroupFamily(c.engineVersion),
            description: "TLS only",
            parameters: [{ name: "rds.force_ssl", value: "1" }],
        }, parent);
        const instance = new aws.rds.Instance(name, {
            identifierPrefix: `${args.platformId}-`,
            engine: "postgres",
            engineVersion: c.engineVersion,
            instanceClass: c.instanceClass,
            allocatedStorage: c.allocatedStorageGiB,
            maxAllocatedStorage: c.allocatedStorageGiB * 4,
            storageType: "gp3",
            storageEncrypted: true,
            kmsKeyId: args.kmsKeyArn,
            multiAz: c.multiAz,
            dbSubnetGroupName: subnets.name,
            vpcSecurityGroupIds: [sg.id],
            parameterGroupName: parameters.name,
            publiclyAccessible: false,
            username: args.admin.apply((a) => a.username),
            password: pulumi.secret(args.admin.apply((a) => a.password)),
            backupRetentionPeriod: c.backupRetentionDays,
            copyTagsToSnapshot: true,
            deletionProtection: args.deletionProtection,
            skipFinalSnapshot: false,
            finalSnapshotIdentifier: `${args.platformId}-metastore-final`,
            autoMinorVersionUpgrade: true,
            performanceInsightsEnabled: supportsPerformanceInsights(c.instanceClass),
            performanceInsightsKmsKeyId: supportsPerformanceInsights(c.instanceClass) ? args.kmsKeyArn : undefined,
            enabledCloudwatchLogsExports: ["postgresql"],
        }, { parent: this, protect: args.deletionProtection });
        this.address = instance.address;
        this.port = instance.port;
        this.registerOutputs({ address: this.address });
    }
}
