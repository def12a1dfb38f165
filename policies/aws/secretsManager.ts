/** Secrets Manager: secrets are encrypted with a customer-managed key, not aws/secretsmanager. */
import { enforcement, PlatformResourceRule } from "../lib/rule";
import { awsTypes, show, subject } from "./common";
import { read, UNKNOWN } from "../lib/props";

export const secretsManagerCmk: PlatformResourceRule = {
    kind: "resource",
    family: "aws",
    name: "secrets-manager-cmk",
    description:
        "Secrets Manager secrets (aws:secretsmanager/secret) set kmsKeyId to a customer-managed KMS key; unset, empty or alias/aws/secretsmanager " +
        "means the AWS-managed key and is reported. A kmsKeyId unknown during preview (the key is created in the same update) is not.",
    severity: "medium",
    remediation: "Set kmsKeyId to the platform KMS key (ARN or id) on the secret.",
    defaultEnforcement: enforcement.core,
    validateResource: (args, report) => {
        if (args.type !== awsTypes.secret) return;
        const keyId = read(args.props, "kmsKeyId");
        if (keyId === UNKNOWN) return;
        if (typeof keyId !== "string" || keyId.trim() === "") {
            report(`${subject(args)}: kmsKeyId is ${show(keyId)}; set a customer-managed KMS key.`);
        } else if (/(^|:)alias\/aws\//.test(keyId)) {
            report(`${subject(args)}: kmsKeyId is the AWS-managed key ${keyId}; use a customer-managed KMS key.`);
        }
    },
};

export const secretsManagerRules = [secretsManagerCmk];
