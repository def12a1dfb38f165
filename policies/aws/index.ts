/**
 * The AWS rule family: EKS control plane, node launch templates and node groups, S3 data lake,
 * KMS, Secrets Manager and RDS. policies/index.ts turns these into the pack.
 */
import { PlatformRule } from "../lib/rule";
import { eksRules } from "./eks";
import { kmsRules } from "./kms";
import { launchTemplateRules } from "./launchTemplates";
import { nodeGroupRules } from "./nodeGroups";
import { rdsRules } from "./rds";
import { s3Rules } from "./s3";
import { secretsManagerRules } from "./secretsManager";

export * from "./eks";
export * from "./kms";
export * from "./launchTemplates";
export * from "./nodeGroups";
export * from "./rds";
export * from "./s3";
export * from "./secretsManager";

export const awsRules: PlatformRule[] = [...eksRules, ...launchTemplateRules, ...nodeGroupRules, ...s3Rules, ...kmsRules, ...secretsManagerRules, ...rdsRules];
