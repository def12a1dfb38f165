/**
 * Every rule of the pack, family by family. Each family's index.ts exports its rules; the pack,
 * the offline check and the generated config and docs all read this one list.
 */
import { awsRules } from "./aws";
import { kubernetesRules } from "./kubernetes";
import { PlatformRule } from "./lib/rule";
import { sparkRules } from "./spark";

export const allRules: PlatformRule[] = [...kubernetesRules, ...awsRules, ...sparkRules];
