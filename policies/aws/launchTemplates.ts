/**
 * EC2 launch templates of the node groups: IMDSv2 only with a hop limit of 1 (pods cannot reach the
 * node role's credentials) and encrypted EBS volumes.
 */
import { enforcement, PlatformResourceRule } from "../lib/rule";
import { awsTypes, isTrue, show, subject } from "./common";
import { read, readList, UNKNOWN } from "../lib/props";

export const imdsv2Required: PlatformResourceRule = {
    kind: "resource",
    family: "aws",
    name: "imdsv2-required",
    description:
        "Launch templates require IMDSv2 (metadataOptions.httpTokens \"required\") with metadataOptions.httpPutResponseHopLimit 1, so " +
        "containers cannot fetch the node role's credentials. Unset fields are reported (the defaults allow IMDSv1 and the AMI may set a " +
        "hop limit of 2); values unknown during preview are not.",
    severity: "high",
    remediation: "Set metadataOptions: { httpEndpoint: \"enabled\", httpTokens: \"required\", httpPutResponseHopLimit: 1 } on the launch template.",
    defaultEnforcement: enforcement.core,
    validateResource: (args, report) => {
        if (args.type !== awsTypes.launchTemplate) return;
        const options = read(args.props, "metadataOptions");
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
        "Every EBS volume a launch template declares (blockDeviceMappings[].ebs) sets encrypted to true or \"true\". Mappings without ebs " +
        "(instance store, noDevice) are skipped; an unset encrypted is reported; unknown values are not.",
    severity: "high",
    remediation: "Set ebs.encrypted: \"true\" and ebs.kmsKeyId: <platform KMS key ARN> on every block device mapping.",
    defaultEnforcement: enforcement.core,
    validateResource: (args, report) => {
        if (args.type !== awsTypes.launchTemplate) return;
        const mappings = readList(args.props, "blockDeviceMappings");
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
