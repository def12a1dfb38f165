/**
 * RDS: encrypted storage, never publicly reachable, and in prod protected from deletion with a
 * final snapshot.
 */
import { enforcement, PlatformResourceRule } from "../lib/rule";
import { awsTypes, isTrue, show, subject } from "./common";
import { read, UNKNOWN } from "../lib/props";

const storageTypes: readonly string[] = [awsTypes.rdsInstance, awsTypes.rdsCluster];
const networkTypes: readonly string[] = [awsTypes.rdsInstance, awsTypes.rdsClusterInstance];

export const rdsEncrypted: PlatformResourceRule = {
    kind: "resource",
    family: "aws",
    name: "rds-encrypted",
    description:
        "RDS instances and clusters set storageEncrypted true. Unset is reported (the API default is unencrypted), except on read replicas " +
        "(replicateSourceDb), which inherit the source's encryption; unknown is not reported.",
    severity: "high",
    remediation: "Set storageEncrypted: true and kmsKeyId: <platform KMS key ARN>; an existing unencrypted database must be restored from an encrypted snapshot copy.",
    defaultEnforcement: enforcement.core,
    validateResource: (args, report) => {
        if (!storageTypes.includes(args.type)) return;
        const encrypted = read(args.props, "storageEncrypted");
        if (encrypted === UNKNOWN || isTrue(encrypted)) return;
        if (encrypted === undefined && read(args.props, "replicateSourceDb") !== undefined) return;
        report(`${subject(args)}: storageEncrypted is ${show(encrypted)}; it must be true.`);
    },
};

export const rdsNotPublic: PlatformResourceRule = {
    kind: "resource",
    family: "aws",
    name: "rds-not-public",
    description: "RDS instances (and Aurora cluster instances) never set publiclyAccessible true. Unset means private (the default); unknown is not reported.",
    severity: "critical",
    remediation: "Set publiclyAccessible: false and keep the database in private subnets, reachable from the cluster's security group only.",
    defaultEnforcement: enforcement.core,
    validateResource: (args, report) => {
        if (!networkTypes.includes(args.type)) return;
        const isPublic = read(args.props, "publiclyAccessible");
        if (isPublic === UNKNOWN || !isTrue(isPublic)) return;
        report(`${subject(args)}: publiclyAccessible is ${show(isPublic)}; the database must not be reachable from the internet.`);
    },
};

export const rdsDeletionProtection: PlatformResourceRule = {
    kind: "resource",
    family: "aws",
    name: "rds-deletion-protection",
    description:
        "In prod, RDS instances and clusters set deletionProtection true and do not set skipFinalSnapshot true. An unset deletionProtection " +
        "is reported (the default is off); an unset skipFinalSnapshot is fine (the default takes a snapshot); unknown values are not reported.",
    severity: "high",
    remediation: "Set deletionProtection: true, skipFinalSnapshot: false and a finalSnapshotIdentifier (config platform.deletionProtection).",
    defaultEnforcement: enforcement.prodOnly,
    validateResource: (args, report) => {
        if (!storageTypes.includes(args.type)) return;
        const protection = read(args.props, "deletionProtection");
        if (protection !== UNKNOWN && !isTrue(protection)) {
            report(`${subject(args)}: deletionProtection is ${show(protection)}; it must be true.`);
        }
        const skip = read(args.props, "skipFinalSnapshot");
        if (skip !== UNKNOWN && isTrue(skip)) {
            report(`${subject(args)}: skipFinalSnapshot is ${show(skip)}; deleting the database must leave a final snapshot.`);
        }
    },
};

export const rdsRules = [rdsEncrypted, rdsNotPublic, rdsDeletionProtection];
