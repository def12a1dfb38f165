/**
 * The platform's OpenTelemetry collector configuration under the real collector: a collector of the
 * configuration's components at the release the platform deploys validates the YAML the ConfigMap
 * carries, and rejects broken variants with its own messages.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { collectorConfig, openTelemetryCollectorImage, openTelemetryCollectorVersion } from "../../components/services/tracing";
import { collectorComponents, collectorRelease, ensureOtelcol } from "../support/otelcol";

/** Runs a command; its standard output, all its output, and whether it succeeded. */
function exec(bin: string, args: string[]): { ok: boolean; stdout: string; output: string } {
    const r = spawnSync(bin, args, { encoding: "utf8", timeout: 5 * 60 * 1000 });
    if (r.error) throw r.error;
    return { ok: r.status === 0, stdout: r.stdout, output: `${r.stdout}\n${r.stderr}` };
}

type Config = Record<string, Record<string, unknown>> & { service: { pipelines: Record<string, Record<string, string[]>> } };

describe(`collector configuration under the OpenTelemetry collector ${openTelemetryCollectorVersion}`, function () {
    this.timeout(60 * 60 * 1000);
    let bin: string;
    let work: string;
    before(function () {
        bin = ensureOtelcol();
        work = fs.mkdtempSync(path.join(os.tmpdir(), "otelcol-"));
    });
    after(function () {
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    /** Writes a configuration as the ConfigMap does and runs `validate` on it. */
    function validate(config: unknown, name: string): { ok: boolean; output: string } {
        const file = path.join(work, `${name}.yaml`);
        fs.writeFileSync(file, toYaml(config));
        return exec(bin, ["validate", `--config=${file}`]);
    }

    it("is the release the platform's image is tagged with, built of collector modules of that release", function () {
        assert.ok(openTelemetryCollectorImage.endsWith(`:${openTelemetryCollectorVersion}`), openTelemetryCollectorImage);
        assert.match(exec(bin, ["--version"]).output, new RegExp(`^otelcol version ${openTelemetryCollectorVersion.replace(/\./g, "\\.")}$`, "m"));
        const modules = new Map([...exec("go", ["version", "-m", bin]).output.matchAll(/^\s+dep\s+(\S+)\s+(\S+)/gm)].map((m) => [m[1], m[2]]));
        assert.equal(modules.get("go.opentelemetry.io/collector/otelcol"), collectorRelease);
        for (const c of Object.values(collectorComponents).flat()) assert.equal(modules.get(c.module), collectorRelease, c.module);
    });

    it("has exactly the components the configuration defines", function () {
        const listed = parseYaml(exec(bin, ["components"]).stdout) as Record<string, { name: string }[]>;
        const config = collectorConfig() as Config;
        for (const kind of ["receivers", "processors", "exporters", "extensions"]) {
            assert.deepEqual(listed[kind].map((c) => c.name).sort(), Object.keys(config[kind]).sort(), kind);
        }
    });

    it("validate accepts the generated configuration", function () {
        const r = validate(collectorConfig(), "platform");
        assert.ok(r.ok, r.output);
    });

    it("validate rejects a pipeline that names an exporter the configuration does not define", function () {
        const config = collectorConfig() as Config;
        config.service.pipelines.traces.exporters = ["otlp_http"];
        const r = validate(config, "undefined-exporter");
        assert.ok(!r.ok, r.output);
        assert.match(r.output, /service::pipelines::traces: references exporter "otlp_http" which is not configured/);
    });

    it("validate rejects a memory_limiter without a limit", function () {
        const config = collectorConfig() as Config;
        config.processors.memory_limiter = { check_interval: "1s" };
        const r = validate(config, "no-memory-limit");
        assert.ok(!r.ok, r.output);
        assert.match(r.output, /processors::memory_limiter: 'limit_mib' or 'limit_percentage' must be greater than zero/);
    });
});
