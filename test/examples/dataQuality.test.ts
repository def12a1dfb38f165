/**
 * The data-quality example (examples/data-quality/), offline: the suite files, the pins, the DAG's
 * constants against the program's facts, and the README's table of modes. GX and Airflow run them
 * in integration/examples/dataQuality.test.ts.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { serviceEndpoints, serviceHost } from "../../components/config/names";
import { lineSuffix, tiers } from "../../components/config/schema";
import { exampleDagVariables, variableEnvName } from "../../components/services/airflow";
import { repoRoot } from "../../tools/harness";

const exampleDir = path.join(repoRoot, "examples", "data-quality");
const read = (...parts: string[]): string => fs.readFileSync(path.join(exampleDir, ...parts), "utf8");
const dag = read("dags", "data_quality.py");
const readme = read("README.md");

/** The strings of a module-level Python tuple assignment `NAME = ("a", "b")`. */
function pythonTuple(source: string, name: string): string[] {
    const m = new RegExp(`^${name} = \\(([^)]*)\\)`, "m").exec(source);
    assert.ok(m, `${name} is a tuple of strings`);
    return [...m[1].matchAll(/"([^"]*)"/g)].map((x) => x[1]);
}

/** A module-level Python string constant. */
function pythonString(source: string, name: string): string {
    const m = new RegExp(`^${name} = "([^"]*)"`, "m").exec(source);
    assert.ok(m, `${name} is a string constant`);
    return m[1];
}

interface SuiteFile {
    name: string;
    expectations: { type: string; kwargs: Record<string, unknown>; meta?: { why?: string } }[];
}

describe("examples/data-quality", () => {
    const suites = fs.readdirSync(path.join(exampleDir, "expectations")).filter((f) => f.endsWith(".json"));

    it("keeps at least the orders suite under expectations/", () => {
        assert.ok(suites.includes("orders.json"), suites.join(", "));
    });

    for (const file of suites) {
        it(`expectations/${file}: a GX suite named after its file, each rule a known shape with its reason`, () => {
            const suite = JSON.parse(read("expectations", file)) as SuiteFile;
            assert.equal(suite.name, path.basename(file, ".json"), "the DAG's suite Param names the file");
            assert.ok(Array.isArray(suite.expectations) && suite.expectations.length > 0);
            const seen = new Set<string>();
            for (const e of suite.expectations) {
                assert.match(e.type, /^expect_[a-z0-9_]+$/, "the snake_case name of a GX expectation");
                assert.ok(e.kwargs !== null && typeof e.kwargs === "object" && !Array.isArray(e.kwargs), `${e.type}: kwargs is an object`);
                assert.ok((e.meta?.why ?? "").trim().length > 0, `${e.type}: meta.why says why the rule exists`);
                const key = `${e.type} ${JSON.stringify(e.kwargs)}`;
                assert.ok(!seen.has(key), `${key} is listed twice`);
                seen.add(key);
            }
        });
    }

    it("pins every requirement with ==, GX from the 1.x line", () => {
        const lines = read("requirements.txt").split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
        for (const l of lines) assert.match(l, /^[A-Za-z0-9_.-]+==[A-Za-z0-9_.+!-]+$/, l);
        assert.ok(lines.some((l) => /^great_expectations==1\.\d+\.\d+$/.test(l)), "great_expectations==1.x.y");
    });

    it("the DAG's modes are the four the platform's users chose, each documented in the README", () => {
        const modes = pythonTuple(dag, "VALIDATION_MODES");
        assert.deepEqual(modes, ["always", "skip", "production_only", "scheduled"]);
        const documented = [...readme.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
        assert.deepEqual(documented, modes, "the README's table of modes, in order");
    });

    it("the DAG's environments are the platform's tiers, production the prod tier", () => {
        assert.deepEqual(pythonTuple(dag, "ENVIRONMENTS"), [...tiers]);
        assert.equal(pythonString(dag, "PRODUCTION"), "prod");
        assert.ok((tiers as readonly string[]).includes("prod"));
    });

    it("the DAG reads the Spark Connect 3.5 URL from the Variable the platform sets, defaulting to the program's Service", () => {
        const endpoint = serviceEndpoints.connect("3.5");
        assert.equal(pythonString(dag, "CONNECT_URL_35"), `sc://${serviceHost(endpoint)}:${endpoint.grpcPort}`);
        const variable = `spark_k8s_connect_url_${lineSuffix("3.5")}`;
        assert.ok(Object.keys(exampleDagVariables({ environment: "dev", warehouseUri: "s3a://w/warehouse", sparkImages: {}, connectUrls: { "3.5": "sc://x:1" } })).includes(variable));
        assert.ok(dag.includes(`var.value.get('${variable}'`), `the DAG reads ${variable}`);
    });

    it("the DAG's default environment is the tier the platform sets as the Variable spark_k8s_environment", () => {
        assert.equal(exampleDagVariables({ environment: "staging", warehouseUri: "s3a://w/warehouse", sparkImages: {}, connectUrls: {} }).spark_k8s_environment, "staging");
        assert.ok(dag.includes(`os.environ.get("${variableEnvName("spark_k8s_environment")}"`), "the DAG reads the environment variable Airflow's pods get");
    });
});
