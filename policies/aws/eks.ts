/**
 * EKS control plane: secrets envelope-encrypted with a customer-managed key, audit-relevant
 * control-plane logs, and an API endpoint that is never open to the internet (private only in prod).
 */
import { ResourceValidationArgs, ReportViolation } from "@pulumi/policy";
import { enforcement, PlatformResourceRule } from "../lib/rule";
import { awsTypes, isTrue, show, subject } from "./common";
import { booleanOf, read, readList, UNKNOWN } from "../lib/props";

/** A KMS key ARN (not an alias): arn:<partition>:kms:<region>:<account>:key/<id>. */
const kmsKeyArnPattern = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

function onCluster(check: (args: ResourceValidationArgs, report: ReportViolation) => void) {
    return (args: ResourceValidationArgs, report: ReportViolation): void => {
        if (args.type !== awsTypes.eksCluster) return;
        check(args, report);
    };
}

export const eksSecretsEncryption: PlatformResourceRule = {
    kind: "resource",
    family: "aws",
    name: "eks-secrets-encryption",
    description:
        "EKS clusters envelope-encrypt Kubernetes Secrets with a customer-managed KMS key: encryptionConfig.resources includes \"secrets\" " +
        "and encryptionConfig.provider.keyArn is a KMS key ARN (not an alias, never alias/aws/*). An absent encryptionConfig is reported; " +
        "a key ARN or resource list unknown during preview is not.",
    severity: "high",
    remediation: "Set encryptionConfig: { resources: [\"secrets\"], provider: { keyArn: <platform KMS key ARN> } } on the cluster.",
    defaultEnforcement: enforcement.core,
    validateResource: onCluster((args, report) => {
        const config = read(args.props, "encryptionConfig");
        if (config === UNKNOWN) return;
        if (config === undefined || config === null) {
            report(`${subject(args)}: encryptionConfig is not set; Kubernetes Secrets are not encrypted with a customer-managed KMS key.`);
            return;
        }
        const resources = readList(config, "resources");
        if (resources !== UNKNOWN && !resources?.includes(UNKNOWN) && !resources?.includes("secrets")) {
            report(`${subject(args)}: encryptionConfig.resources is ${show(resources)}; it must include "secrets".`);
        }
        const keyArn = read(config, "provider", "keyArn");
        if (keyArn === UNKNOWN) return;
        if (typeof keyArn !== "string" || keyArn === "") {
            report(`${subject(args)}: encryptionConfig.provider.keyArn is not set; use the ARN of a customer-managed KMS key.`);
        } else if (/(^|:)alias\/aws\//.test(keyArn)) {
            report(`${subject(args)}: encryptionConfig.provider.keyArn is the AWS-managed key ${keyArn}; use a customer-managed KMS key ARN.`);
        } else if (!kmsKeyArnPattern.test(keyArn)) {
            report(`${subject(args)}: encryptionConfig.provider.keyArn ${show(keyArn)} is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>).`);
        }
    }),
};

/** Control-plane log types the rule requires. */
export const requiredControlPlaneLogs = ["api", "audit", "authenticator"] as const;

export const eksControlPlaneLogs: PlatformResourceRule = {
    kind: "resource",
    family: "aws",
    name: "eks-control-plane-logs",
    description:
        `EKS clusters send the ${requiredControlPlaneLogs.join(", ")} control-plane logs to CloudWatch (enabledClusterLogTypes). ` +
        "Absent means no logs and is reported; a list unknown during preview is not.",
    severity: "medium",
    remediation: `Set enabledClusterLogTypes to include ${requiredControlPlaneLogs.map((t) => `"${t}"`).join(", ")} (config cluster.logTypes).`,
    defaultEnforcement: enforcement.core,
    validateResource: onCluster((args, report) => {
        const types = readList(args.props, "enabledClusterLogTypes");
        if (types === UNKNOWN || types?.includes(UNKNOWN)) return;
        const missing = requiredControlPlaneLogs.filter((t) => !(types ?? []).includes(t));
        if (missing.length > 0) {
            report(`${subject(args)}: enabledClusterLogTypes is ${show(types)}; it is missing ${missing.map((t) => `"${t}"`).join(", ")}.`);
        }
    }),
};

/** True when a CIDR opens the endpoint to every address. */
function isOpenCidr(cidr: unknown): boolean {
    return typeof cidr === "string" && /^(0\.0\.0\.0\/0|::\/0)$/.test(cidr.trim());
}

export const eksEndpointNotOpen: PlatformResourceRule = {
    kind: "resource",
    family: "aws",
    name: "eks-endpoint-not-open",
    description:
        "A public EKS API endpoint is limited to known CIDRs: while vpcConfig.endpointPublicAccess is true or unset (the AWS default is public), " +
        "vpcConfig.publicAccessCidrs must be set, non-empty (AWS treats empty as 0.0.0.0/0) and never contain 0.0.0.0/0 or ::/0. " +
        "Unknown endpointPublicAccess or CIDR lists are not reported.",
    severity: "critical",
    remediation: "Set vpcConfig.endpointPublicAccess to false, or list the office/VPN egress ranges in vpcConfig.publicAccessCidrs (config cluster.publicAccessCidrs).",
    defaultEnforcement: enforcement.core,
    validateResource: onCluster((args, report) => {
        const vpc = read(args.props, "vpcConfig");
        if (vpc === UNKNOWN || vpc === undefined || vpc === null) return; // vpcConfig is required by the provider.
        const isPublic = read(vpc, "endpointPublicAccess");
        if (isPublic === UNKNOWN || (isPublic !== undefined && !isTrue(isPublic))) return;
        const cidrs = readList(vpc, "publicAccessCidrs");
        if (cidrs === UNKNOWN) return;
        if (cidrs === undefined || cidrs.length === 0) {
            report(`${subject(args)}: vpcConfig.endpointPublicAccess is ${show(isPublic ?? "unset (public)")} and vpcConfig.publicAccessCidrs is ${show(cidrs)}, which AWS treats as 0.0.0.0/0.`);
            return;
        }
        const open = cidrs.filter(isOpenCidr);
        if (open.length > 0) {
            report(`${subject(args)}: vpcConfig.publicAccessCidrs contains ${open.map((c) => show(c)).join(", ")}; the public API endpoint is open to the internet.`);
        }
    }),
};

export const eksPrivateEndpoint: PlatformResourceRule = {
    kind: "resource",
    family: "aws",
    name: "eks-private-endpoint",
    description:
        "EKS clusters keep the private API endpoint on (vpcConfig.endpointPrivateAccess true), so nodes and pods reach the API inside the VPC. " +
        "Unset is reported (the AWS default is false); unknown is not.",
    severity: "medium",
    remediation: "Set vpcConfig.endpointPrivateAccess to true.",
    defaultEnforcement: enforcement.core,
    validateResource: onCluster((args, report) => {
        const vpc = read(args.props, "vpcConfig");
        if (vpc === UNKNOWN || vpc === undefined || vpc === null) return;
        const isPrivate = read(vpc, "endpointPrivateAccess");
        if (isPrivate === UNKNOWN || isTrue(isPrivate)) return;
        report(`${subject(args)}: vpcConfig.endpointPrivateAccess is ${show(isPrivate)}; it must be true.`);
    }),
};

export const eksPublicEndpointDisabled: PlatformResourceRule = {
    kind: "resource",
    family: "aws",
    name: "eks-public-endpoint-disabled",
    description:
        "In prod the EKS API endpoint is private only: vpcConfig.endpointPublicAccess is false. Unset is reported (the AWS default is public); " +
        "unknown is not. Mandatory in prod, advisory elsewhere.",
    severity: "high",
    remediation: "Set vpcConfig.endpointPublicAccess to false (config cluster.endpointPublicAccess) and reach the API through the VPC (VPN, bastion via SSM).",
    defaultEnforcement: enforcement.prodOnly,
    validateResource: onCluster((args, report) => {
        const vpc = read(args.props, "vpcConfig");
        if (vpc === UNKNOWN || vpc === undefined || vpc === null) return;
        const isPublic = read(vpc, "endpointPublicAccess");
        if (isPublic === UNKNOWN || booleanOf(isPublic) === false) return;
        report(`${subject(args)}: vpcConfig.endpointPublicAccess is ${show(isPublic ?? "unset (public)")}; it must be false.`);
    }),
};

export const eksRules = [eksSecretsEncryption, eksControlPlaneLogs, eksEndpointNotOpen, eksPrivateEndpoint, eksPublicEndpointDisabled];
