import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig, maskSecrets, runProgram, secretMask, secretSig, secureValueStandIn, stackFileEnvironments } from "../../tools/harness";

function projectDir(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-harness-"));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
}

const pulumiYaml = `name: demo
runtime: nodejs
config:
  platformName:
    type: string
    description: name
    default: spark
  network:
    description: area
    default: {}
  replicas:
    type: integer
    description: typed
    default: 2
  aws:region:
    value: us-east-2
`;

describe("stack harness config loading", () => {
    it("applies Pulumi.yaml defaults under the project namespace and lets the stack file override them", () => {
        const dir = projectDir({
            "Pulumi.yaml": pulumiYaml,
            "Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n  demo:network:\n    natGateways: single\n",
        });
        const { project, values } = loadStackConfig("dev", dir);
        assert.equal(project, "demo");
        assert.equal(values["demo:platformName"], "spark");
        assert.equal(values["aws:region"], "eu-west-1");
        assert.equal(values["demo:network"], '{"natGateways":"single"}', "objects are JSON-encoded, the stack's replacing the default");
        assert.equal(values["demo:replicas"], "2");
    });

    it("refuses, like the CLI, a declared key without default that the stack leaves unset", () => {
        const dir = projectDir({
            "Pulumi.yaml": `${pulumiYaml}  required:\n    type: boolean\n    description: no default\n`,
            "Pulumi.dev.yaml": "config: {}\n",
        });
        assert.throws(() => loadStackConfig("dev", dir), /Stack 'dev' is missing configuration value 'required'/);
    });

    it("refuses, like the CLI, a stack value of another type than declared", () => {
        const dir = projectDir({ "Pulumi.yaml": pulumiYaml, "Pulumi.dev.yaml": "config:\n  demo:replicas: three\n" });
        assert.throws(() => loadStackConfig("dev", dir), /'replicas' must be of type 'integer'/);
    });

    it("keeps project defaults for keys the stack does not set", () => {
        const dir = projectDir({ "Pulumi.yaml": pulumiYaml, "Pulumi.dev.yaml": "config: {}\n" });
        const { values } = loadStackConfig("dev", dir);
        assert.equal(values["demo:network"], "{}");
        assert.equal(values["aws:region"], "us-east-2");
    });

    it("stands in for encrypted values at any depth and marks their keys secret, as the CLI would", () => {
        const stackFile = "config:\n  demo:token:\n    secure: AAABAK\n  demo:network:\n    auth:\n      clientSecret:\n        secure: AAABAL\n      clientId: plain\n";
        const dir = projectDir({ "Pulumi.yaml": pulumiYaml, "Pulumi.dev.yaml": stackFile });
        const { values, secretKeys } = loadStackConfig("dev", dir);
        assert.equal(values["demo:token"], secureValueStandIn);
        assert.deepEqual(JSON.parse(values["demo:network"]), { auth: { clientSecret: secureValueStandIn, clientId: "plain" } });
        assert.deepEqual(secretKeys.sort(), ["demo:network", "demo:token"]);
        assert.equal(loadStackConfig("dev", projectDir({ "Pulumi.yaml": pulumiYaml, "Pulumi.dev.yaml": "config:\n  demo:platformName: x\n" })).secretKeys.length, 0);
    });

    it("refuses missing stack files", () => {
        const dir = projectDir({ "Pulumi.yaml": pulumiYaml, "Pulumi.dev.yaml": "config: {}\n" });
        assert.throws(() => loadStackConfig("nope", dir), /no stack file Pulumi\.nope\.yaml/);
    });

    it("lists the ESC environments a stack file imports, apart from the config key named environment", () => {
        const stackFile = "environment:\n  - demo/dev\n  - shared/aws\nconfig:\n  demo:environment: staging\n";
        const dir = projectDir({ "Pulumi.yaml": `${pulumiYaml}  environment:\n    type: string\n    description: tier\n    default: ""\n`, "Pulumi.dev.yaml": stackFile });
        const { values, environments } = loadStackConfig("dev", dir);
        assert.deepEqual(environments, ["demo/dev", "shared/aws"]);
        assert.equal(values["demo:environment"], "staging", "the tier config key is config, not an import");
        assert.equal(values.environment, undefined);
        assert.deepEqual(loadStackConfig("dev", projectDir({ "Pulumi.yaml": pulumiYaml, "Pulumi.dev.yaml": "config: {}\n" })).environments, []);
        // An inline environment definition, as Pulumi's ProjectStack accepts it: its imports, plain or with options.
        assert.deepEqual(stackFileEnvironments({ imports: ["demo/dev", { "demo/creds": { merge: false } }], values: { a: 1 } }, "f"), ["demo/dev", "demo/creds"]);
        assert.throws(() => stackFileEnvironments("demo/dev", "Pulumi.dev.yaml"), /Pulumi\.dev\.yaml: environment must be a list/);
        assert.throws(() => stackFileEnvironments([42], "Pulumi.dev.yaml"), /imports 42, which is not an environment name/);
    });

    it("records assets as the program gave them ({ text }, { path }), not as the SDK's promises", async () => {
        class Thing extends pulumi.CustomResource {
            constructor(name: string, props: pulumi.Inputs) {
                super("test:index:Thing", name, props);
            }
        }
        const { resources } = await runProgram(() => new Thing("thing", { body: new pulumi.asset.StringAsset("a: 1\n"), file: new pulumi.asset.FileAsset("/etc/hostname") }));
        assert.deepEqual(resources[0].inputs, { body: { text: "a: 1\n" }, file: { path: "/etc/hostname" } });
    });

    it("masks secret values at any depth", () => {
        const wrapped = { [secretSig]: "1b47061264138c4ac30d75fd1eb44270", value: "hunter2" };
        assert.deepEqual(maskSecrets({ a: [wrapped, { b: wrapped }], c: "plain" }), { a: [secretMask, { b: secretMask }], c: "plain" });
    });
});
