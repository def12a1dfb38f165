import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadStackConfig, maskSecrets, secretMask, secretSig } from "../tools/harness";

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
  deletionProtection:
    type: boolean
    description: no default
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
        assert.equal("demo:deletionProtection" in values, false, "a declaration without default sets nothing");
    });

    it("keeps project defaults for keys the stack does not set", () => {
        const dir = projectDir({ "Pulumi.yaml": pulumiYaml, "Pulumi.dev.yaml": "config: {}\n" });
        const { values } = loadStackConfig("dev", dir);
        assert.equal(values["demo:network"], "{}");
        assert.equal(values["aws:region"], "us-east-2");
    });

    it("refuses secure values it cannot decrypt and missing stack files", () => {
        const dir = projectDir({ "Pulumi.yaml": pulumiYaml, "Pulumi.dev.yaml": "config:\n  demo:token:\n    secure: AAABAK\n" });
        assert.throws(() => loadStackConfig("dev", dir), /demo:token: secure values cannot be decrypted offline/);
        assert.throws(() => loadStackConfig("nope", dir), /no stack file Pulumi\.nope\.yaml/);
    });

    it("masks secret values at any depth", () => {
        const wrapped = { [secretSig]: "1b47061264138c4ac30d75fd1eb44270", value: "hunter2" };
        assert.deepEqual(maskSecrets({ a: [wrapped, { b: wrapped }], c: "plain" }), { a: [secretMask, { b: secretMask }], c: "plain" });
    });
});
