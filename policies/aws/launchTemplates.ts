/**
 * EC2 launch templates of the node groups, and the EC2NodeClasses Karpenter launches its nodes
 * from: IMDSv2 only with a hop limit of 1 (pods cannot reach the node role's credentials) and
 * encrypted EBS volumes.
 */
import { PolicyResource } from "@pulumi/policy";
import { enforcement, PlatformResourceRule } from "../lib/rule";
import { awsTypes, isTrue, show, subject } from "./common";
import { karpenterTypes } from "../lib/nodePools";
import { read, readList, UNKNOWN } from "../lib/props";

/** Where a resource keeps its launch settings: a launch template at the top, an EC2NodeClass under spec; undefined for other types. */
function launchSettings(args: Pick<PolicyResource, "type" | "props">): unknown {
    if (args.type === awsTypes.launchTemplate) return args.props;
    if (args.type === karpenterTypes.ec2NodeClass) return read(args.props, "spec");
    return undefined;
}

export const imdsv2Required: PlatformResourceRule = {
    kind: "resource",
    family: "aws",
    name: "imdsv2-required",
    description:
        "Launch templates and Karpenter EC2NodeClasses (under spec) require IMDSv2 (metadataOptions.httpTokens \"required\") with metadataOptions.httpPutResponseHopLimit 1, so " +
        "containers cannot fetch the node role's credentials. Unset fields are reported (the defaults allow IMDSv1 and the AMI may set a " +
        "hop limit of 2); values unknown during preview are not.",
    severity: "high",
    remediation: "Set metadataOptions: { httpEndpoint: \"enabled\", httpTokens: \"required\", httpPutResponseHopLimit: 1 } on the launch template (spec.metadataOptions on an EC2NodeClass).",
    defaultEnforcement: enforcement.core,
    validateResource: (args, report) => {
        const settings = launchSettings(args);
        if (settings === undefined || settings === UNKNOWN) return;
        const options = read(settings, "metadataOptions");
        if (options === UNKNOWN) return;
        const tokens = read(options, "httpTokens");
        if (tokens !== UNKNOWN && tokens !== "required") {
            report(`${subject(args)}: metadataOptions.httpTokens is ${show(tokens)}; it must be "required" (IMDSv2 only).`);
        }
        const hops = read(options, "httpPutResponseHopLimit");
        if (hops !== UNKNOWN && Number(hops) !== 1) {
            report(`${subject(args)}: metadataOptions.httpPutResponseHopLimit is ${show(hops)}; it must be 1 so pods cannot reach the instance metadata.`);
        }
    },
};

export const encryptedVolumes: PlatformResourceRule = {
    kind: "resource",
    family: "aws",
    name: "encrypted-volumes",
    description:
        "Every EBS volume a launch template (blockDeviceMappings[].ebs) or Karpenter EC2NodeClass (spec.blockDeviceMappings[].ebs) declares sets encrypted to true or \"true\". Mappings without ebs " +
        "(instance store, noDevice) are skipped; an unset encrypted is reported; unknown values are not.",
    severity: "high",
    remediation: "Set ebs.encrypted: \"true\" and ebs.kmsKeyId: <platform KMS key ARN> on every block device mapping.",
    defaultEnforcement: enforcement.core,
    validateResource: (args, report) => {
        const settings = launchSettings(args);
        if (settings === undefined || settings === UNKNOWN) return;
        const mappings = readList(settings, "blockDeviceMappings");
        if (mappings === UNKNOWN || mappings === undefined) return;
        mappings.forEach((mapping, i) => {
            const ebs = read(mapping, "ebs");
            if (ebs === UNKNOWN || ebs === undefined || ebs === null) return;
            const encrypted = read(ebs, "encrypted");
            if (encrypted === UNKNOWN || isTrue(encrypted)) return;
            const device = read(mapping, "deviceName");
            report(`${subject(args)}: blockDeviceMappings[${i}]${typeof device === "string" ? ` (${device})` : ""}.ebs.encrypted is ${show(encrypted)}; it must be "true".`);
        });
    },
};

export const launchTemplateRules = [imdsv2Required, encryptedVolumes];
