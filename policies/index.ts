/**
 * The CrossGuard policy pack: `pulumi preview --policy-pack policies` (see docs/policies.md).
 *
 * The pack's own config comes from the rules' defaults for one environment, chosen by the
 * SPARK_K8S_POLICY_ENV variable (local, dev, staging or prod; default prod, the strictest).
 * Pulumi's policy config replaces it per rule: `--policy-pack-config policies/config/<env>.json`
 * locally, or the policy group's config in Pulumi Cloud.
 *
 * Constructing PolicyPack starts the analyzer's gRPC server and keeps the process alive: tests never
 * import this module; they use policies/rules.ts and policies/config.ts.
 */
import { PolicyPack } from "@pulumi/policy";
import { packEnvironment, policyConfig, policyEnvironmentVariable, toPolicy } from "./config";
import { allRules } from "./rules";

const environment = packEnvironment(process.env[policyEnvironmentVariable]);

new PolicyPack(
    "spark-k8s-policies",
    {
        description: `Spark K8s Constructor guardrails (Kubernetes, AWS, Spark); defaults for the ${environment} environment.`,
        policies: allRules.map(toPolicy),
        enforcementLevel: "advisory",
    },
    policyConfig(environment),
);
