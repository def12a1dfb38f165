/**
 * The NodePools and EC2NodeClasses the program writes, against the CRDs of the pinned Karpenter
 * (pkg/apis/crds of github.com/aws/karpenter-provider-aws at the chart's version, from the Go module
 * proxy): no field the API server would prune as unknown, and every type, enum and pattern the
 * schema states. CEL rules (x-kubernetes-validations) are left to the API server.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { ec2NodeClassManifest, karpenterKinds, nodePoolManifest, nodePoolPlans } from "../../components/aws/karpenterPlan";
import { tierDefaults } from "../../components/config";
import { platformTags } from "../../components/config/names";
import { charts } from "../../components/services/charts";
import { stackConfig } from "../../tools/harness";
import { goModuleDir } from "../support/helm";

type Schema = {
    type?: string;
    properties?: Record<string, Schema>;
    additionalProperties?: Schema | boolean;
    items?: Schema;
    required?: string[];
    enum?: unknown[];
    pattern?: string;
    "x-kubernetes-preserve-unknown-fields"?: boolean;
};

/** The openAPIV3Schema of a CRD file's served version. */
function crdSchema(dir: string, file: string, version: string): Schema {
    const crd = parseYaml(fs.readFileSync(path.join(dir, file), "utf8")) as { spec: { versions: { name: string; schema: { openAPIV3Schema: Schema } }[] } };
    const served = crd.spec.versions.find((v) => v.name === version);
    if (!served) throw new Error(`${file}: no version ${version}`);
    return served.schema.openAPIV3Schema;
}

/** Every place the value leaves the schema: unknown fields, wrong types, enums and patterns, missing required fields. */
function schemaProblems(value: unknown, s: Schema, at: string): string[] {
    if (s["x-kubernetes-preserve-unknown-fields"]) return [];
    const out: string[] = [];
    if (s.enum && !s.enum.includes(value)) out.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
    if (s.pattern && typeof value === "string" && !new RegExp(s.pattern).test(value)) out.push(`${at}: "${value}" does not match ${s.pattern}`);
    if (s.type === "object" || s.properties) {
        if (typeof value !== "object" || value === null || Array.isArray(value)) return [...out, `${at}: expected an object`];
        const o = value as Record<string, unknown>;
        for (const r of s.required ?? []) if (!(r in o)) out.push(`${at}: ${r} is required`);
        for (const [k, v] of Object.entries(o)) {
            const field = s.properties?.[k] ?? (typeof s.additionalProperties === "object" ? s.additionalProperties : undefined);
            if (field) out.push(...schemaProblems(v, field, `${at}.${k}`));
            else out.push(`${at}.${k}: unknown field (the API server prunes it)`);
        }
    } else if (s.type === "array") {
        if (!Array.isArray(value)) return [...out, `${at}: expected a list`];
        value.forEach((v, i) => out.push(...schemaProblems(v, s.items ?? {}, `${at}[${i}]`)));
    } else if (s.type === "integer" && !Number.isInteger(value)) out.push(`${at}: expected an integer`);
    else if (s.type === "string" && typeof value !== "string") out.push(`${at}: expected a string`);
    else if (s.type === "boolean" && typeof value !== "boolean") out.push(`${at}: expected true or false`);
    return out;
}

describe("Karpenter objects against the pinned Karpenter's CRDs", function () {
    this.timeout(20 * 60 * 1000);
    let crds: string;
    before(function () {
        crds = path.join(goModuleDir("github.com/aws/karpenter-provider-aws", `v${charts.karpenter.version}`), "pkg/apis/crds");
    });

    for (const stack of ["dev", "staging", "prod"] as const) {
        it(`${stack}: every NodePool and EC2NodeClass fits the ${karpenterKinds.nodePool.apiVersion} and ${karpenterKinds.nodeClass.apiVersion} schemas`, function () {
            const nodePool = crdSchema(crds, "karpenter.sh_nodepools.yaml", "v1");
            const nodeClass = crdSchema(crds, "karpenter.k8s.aws_ec2nodeclasses.yaml", "v1");
            const config = stackConfig(stack);
            const plans = nodePoolPlans(tierDefaults(stack).nodeGroups);
            assert.deepEqual(plans.map((p) => p.role), ["executor", "gpu"]);
            for (const plan of plans) {
                const pool = nodePoolManifest(plan);
                const cls = ec2NodeClassManifest(plan, { clusterName: `spark-${stack}`, nodeRoleName: `spark-${stack}-karpenter-node-1`, kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/k", tags: platformTags(config) });
                const found = [...schemaProblems(pool.spec, nodePool.properties!.spec, `NodePool ${plan.name} spec`), ...schemaProblems(cls.spec, nodeClass.properties!.spec, `EC2NodeClass ${plan.name} spec`)];
                assert.deepEqual(found, [], found.join("\n"));
            }
        });
    }

    it("would catch a misspelt field", function () {
        const nodeClass = crdSchema(crds, "karpenter.k8s.aws_ec2nodeclasses.yaml", "v1");
        const [plan] = nodePoolPlans(tierDefaults("dev").nodeGroups);
        const spec = { ...ec2NodeClassManifest(plan, { clusterName: "c", nodeRoleName: "r", kmsKeyArn: "k", tags: {} }).spec, metadataOption: {} };
        assert.deepEqual(schemaProblems(spec, nodeClass.properties!.spec, "spec"), ["spec.metadataOption: unknown field (the API server prunes it)"]);
    });
});
