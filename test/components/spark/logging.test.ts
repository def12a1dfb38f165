import { strict as assert } from "assert";
import {
    jsonEventTemplate,
    jsonLogFields,
    log4j2FileName,
    quietLoggers,
    sparkLog4j2Properties,
    structuredLoggingConf,
    structuredLoggingKey,
} from "../../../components/spark/logging";
import { parseSparkDefaults } from "../../../components/spark/sparkDefaults";
import { sparkVersions } from "../../../components/config/schema";
import { StackRun } from "../../../tools/harness";
import { inputs, ofType, stackRun, stackRunWith } from "../../support";

/** log4j2.properties as log4j2's PropertiesConfigurationFactory reads it: key = value, # comments. */
function readProperties(text: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const line of text.split("\n")) {
        if (line.trim() === "" || line.startsWith("#")) continue;
        const m = /^([^=\s]+)\s*=\s*(.*)$/.exec(line);
        assert.ok(m, `not a properties line: ${line}`);
        assert.ok(!out.has(m[1]), `${m[1]} is set twice`);
        out.set(m[1], m[2]);
    }
    return out;
}

function configMap(run: StackRun, name: string): Record<string, string> {
    const cm = ofType(run, "kubernetes:core/v1:ConfigMap").find((r) => inputs<{ metadata: { name: string } }>(r).metadata.name === name);
    assert.ok(cm, `ConfigMap ${name}`);
    return inputs<{ data: Record<string, string> }>(cm).data;
}

describe("Spark's structured logs", () => {
    describe("the log4j2 configuration", () => {
        const props = readProperties(sparkLog4j2Properties());

        it("sends the root logger at info to one Console appender on stdout with the JSON template layout", () => {
            assert.equal(props.get("rootLogger.level"), "info");
            const ref = props.get("rootLogger.appenderRef.console.ref");
            const appender = [...props.entries()].find(([k, v]) => /^appender\.[^.]+\.name$/.test(k) && v === ref);
            assert.ok(appender, `no appender named ${ref}`);
            const prefix = appender[0].replace(/\.name$/, "");
            assert.equal(props.get(`${prefix}.type`), "Console");
            assert.equal(props.get(`${prefix}.target`), "SYSTEM_OUT");
            assert.equal(props.get(`${prefix}.layout.type`), "JsonTemplateLayout");
            assert.deepEqual([...props.keys()].filter((k) => /^appender\.[^.]+\.type$/.test(k)), [`${prefix}.type`], "one appender only");
        });

        it("inlines the event template as JSON with the timestamp, level, logger, thread, message, exception and MDC", () => {
            const template = JSON.parse(props.get("appender.console.layout.eventTemplate") ?? "") as Record<string, { $resolver?: string; stacktrace?: { $resolver: string; field: string; stackTrace: { stringified: boolean } } }>;
            assert.deepEqual(template, jsonEventTemplate());
            assert.equal(template[jsonLogFields.timestamp].$resolver, "timestamp");
            assert.equal(template[jsonLogFields.level].$resolver, "level");
            assert.equal(template[jsonLogFields.logger].$resolver, "logger");
            assert.equal(template[jsonLogFields.thread].$resolver, "thread");
            assert.equal(template[jsonLogFields.message].$resolver, "message");
            assert.equal(template[jsonLogFields.mdc].$resolver, "mdc");
            // The whole trace as one string value: a multi-line exception stays inside its event.
            assert.deepEqual(template[jsonLogFields.exception].stacktrace, { $resolver: "exception", field: "stackTrace", stackTrace: { stringified: true } });
        });

        it("keeps the quiet levels of Spark's own defaults", () => {
            const set = new Map<string, string>();
            for (const [k, v] of props) if (/^logger\.[^.]+\.name$/.test(k)) set.set(v, props.get(k.replace(/\.name$/, ".level")) ?? "");
            assert.deepEqual(Object.fromEntries(set), quietLoggers);
        });

        it("takes another root level", () => {
            assert.equal(readProperties(sparkLog4j2Properties("warn")).get("rootLogger.level"), "warn");
        });
    });

    it("switches Spark's structured logging framework on for 4.x lines only", () => {
        assert.deepEqual(structuredLoggingConf("3.5"), {});
        for (const v of sparkVersions.filter((x) => !x.startsWith("3."))) assert.deepEqual(structuredLoggingConf(v), { [structuredLoggingKey]: "true" }, v);
    });

    describe("in the plan", function () {
        this.timeout(60000);

        it("every Connect server's ConfigMap has log4j2.properties beside spark-defaults.conf, which its driver copies to its executors", async () => {
            const run = await stackRunWith("dev", { cluster: { publicAccessCidrs: ["198.51.100.0/24"] }, spark: { versions: ["3.5", "4.1", "4.3"] } });
            for (const line of ["35", "41", "43"]) {
                const data = configMap(run, `spark-connect-${line}-conf`);
                assert.equal(data[log4j2FileName], sparkLog4j2Properties(), line);
                assert.ok(data["executor-pod-template.yaml"], `${line}: Kubernetes executors`);
                // Spark copies every file of SPARK_CONF_DIR but spark*.conf, spark*.properties and templates to executors.
                assert.ok(!/^spark.*(conf|properties)$/.test(log4j2FileName));
                const conf = parseSparkDefaults(data["spark-defaults.conf"]);
                assert.equal(conf[structuredLoggingKey], line === "35" ? undefined : "true", line);
            }
        });

        it("the Connect pods read it from SPARK_CONF_DIR, where the ConfigMap is mounted", async () => {
            const run = await stackRun("prod");
            const d = ofType(run, "kubernetes:apps/v1:Deployment").find((r) => inputs<{ metadata: { name: string } }>(r).metadata.name === "spark-connect-35");
            assert.ok(d);
            type Spec = { containers: { env: { name: string; value?: string }[]; volumeMounts: { name: string; mountPath: string }[] }[]; volumes: { name: string; configMap?: { name: string } }[] };
            const spec = inputs<{ spec: { template: { spec: Spec } } }>(d).spec.template.spec;
            const confDir = spec.containers[0].env.find((e) => e.name === "SPARK_CONF_DIR")?.value;
            const mount = spec.containers[0].volumeMounts.find((m) => m.mountPath === confDir);
            assert.ok(mount, "SPARK_CONF_DIR is a mount");
            assert.equal(spec.volumes.find((v) => v.name === mount.name)?.configMap?.name, "spark-connect-35-conf");
        });

        it("the History Server's ConfigMap has it too", async () => {
            const data = configMap(await stackRun("local"), "spark-history-server-conf");
            assert.equal(data[log4j2FileName], sparkLog4j2Properties());
        });

        it("the standalone master and workers have it, and the 4.x conf their executors inherit switches structured logging on", async () => {
            const run = await stackRunWith("dev", { cluster: { publicAccessCidrs: ["198.51.100.0/24"] }, spark: { scenarios: ["jupyter-connect-standalone"], versions: ["3.5", "4.1"] } });
            for (const line of ["35", "41"]) {
                const data = configMap(run, `spark-master-${line}-conf`);
                assert.equal(data[log4j2FileName], sparkLog4j2Properties(), line);
                assert.equal(parseSparkDefaults(data["spark-defaults.conf"])[structuredLoggingKey], line === "35" ? undefined : "true", line);
                assert.equal(configMap(run, `spark-connect-${line}-standalone-conf`)[log4j2FileName], sparkLog4j2Properties(), line);
            }
        });
    });
});
