/** KMS: customer-managed keys rotate their key material. */
import { enforcement, PlatformResourceRule } from "../lib/rule";
import { awsTypes, isTrue, show, subject } from "./common";
import { read, UNKNOWN } from "../lib/props";

export const kmsKeyRotation: PlatformResourceRule = {
    kind: "resource",
    family: "aws",
    name: "kms-key-rotation",
    description:
        "Symmetric KMS keys (aws:kms/key) set enableKeyRotation true. Unset is reported (the AWS default is no rotation); unknown is not. " +
        "Keys AWS cannot rotate automatically — asymmetric or HMAC keySpec, or imported/custom-key-store origin — are skipped.",
    severity: "medium",
    remediation: "Set enableKeyRotation: true (and optionally rotationPeriodInDays) on the key.",
    defaultEnforcement: enforcement.core,
    validateResource: (args, report) => {
        if (args.type !== awsTypes.kmsKey) return;
        const spec = read(args.props, "customerMasterKeySpec") ?? read(args.props, "keySpec");
        const origin = read(args.props, "customKeyStoreId") !== undefined ? "CUSTOM_KEY_STORE" : read(args.props, "xksKeyId") !== undefined ? "EXTERNAL_KEY_STORE" : "AWS_KMS";
        if (spec === UNKNOWN) return;
        if (typeof spec === "string" && spec !== "SYMMETRIC_DEFAULT") return;
        if (origin !== "AWS_KMS") return;
        const rotation = read(args.props, "enableKeyRotation");
        if (rotation === UNKNOWN || isTrue(rotation)) return;
        report(`${subject(args)}: enableKeyRotation is ${show(rotation)}; it must be true.`);
    },
};

export const kmsRules = [kmsKeyRotation];
