/**
 * The tutorial notebooks (notebooks/*.ipynb) as files: nbformat 4.5 structure checked directly (the
 * properties nbformat's v4.5 schema requires of notebooks and cells; the integration suite runs the
 * nbformat library's own validate and executes them), committed without outputs, numbered 01..06
 * with their titles, the notebook image's kernel, the session cell, and code that names no host
 * beyond the SPARK_REMOTE default and carries no credentials.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

const repoRoot = path.resolve(__dirname, "..", "..");
const notebooksDir = path.join(repoRoot, "notebooks");

/** The tutorials, in order: number and the title their first cell carries. */
const tutorials: readonly { number: string; title: string }[] = [
    { number: "01", title: "Quick start" },
    { number: "02", title: "Spark internals" },
    { number: "03", title: "Spark on Kubernetes" },
    { number: "04", title: "Custom images" },
    { number: "05", title: "Troubleshooting" },
    { number: "06", title: "Tuning" },
];

/** The Spark Connect URL a notebook falls back to without SPARK_REMOTE; the only one its code may name. */
const defaultRemote = "sc://localhost:15002";
const sessionLine = `spark = SparkSession.builder.remote(os.environ.get("SPARK_REMOTE", "${defaultRemote}")).getOrCreate()`;

/** The kernel images/jupyter-spark registers (ipykernel install --name). */
function imageKernelName(): string {
    const dockerfile = fs.readFileSync(path.join(repoRoot, "images", "jupyter-spark", "Dockerfile"), "utf8");
    const m = /ipykernel install [^\n]*\\?\s*--name "([^"]+)"/.exec(dockerfile.replace(/\\\n\s*/g, " "));
    if (!m) throw new Error("images/jupyter-spark/Dockerfile registers no named kernel");
    return m[1];
}

type Json = Record<string, unknown>;

const sourceText = (source: unknown): string => (Array.isArray(source) ? source.join("") : typeof source === "string" ? source : "");
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const onlyKeys = (o: Json, allowed: readonly string[]): string[] => Object.keys(o).filter((k) => !allowed.includes(k));
const isSource = (v: unknown): boolean => typeof v === "string" || (Array.isArray(v) && v.every((l) => typeof l === "string"));

/** Credentials and hosts a committed code cell must not carry. */
const forbiddenInCode: readonly { what: string; pattern: RegExp }[] = [
    { what: "an AWS access key id", pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
    { what: "a private key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
    { what: "a credential setting", pattern: /(access\.key|secret\.key|secret_access_key|session\.token|password|passwd|api[_-]?key|token\s*=)/i },
    { what: "a URL", pattern: /\b[a-z][a-z0-9+.-]*:\/\/(?!localhost:15002")[^\s"']+/i },
    { what: "a cluster host name", pattern: /\.svc(\.cluster\.local)?\b|\.amazonaws\.com\b/ },
];

/** Everything wrong with one notebook's JSON, as messages; [] when it is fine. */
function notebookProblems(nb: unknown, expected: { number: string; title: string; kernel: string }): string[] {
    const problems: string[] = [];
    if (!isObject(nb)) return ["not a JSON object"];
    problems.push(...onlyKeys(nb, ["cells", "metadata", "nbformat", "nbformat_minor"]).map((k) => `unknown top-level key ${k}`));
    if (nb.nbformat !== 4) problems.push(`nbformat ${String(nb.nbformat)}, not 4`);
    if (typeof nb.nbformat_minor !== "number" || nb.nbformat_minor < 5) problems.push(`nbformat_minor ${String(nb.nbformat_minor)}: cell ids need 4.5`);
    const metadata = isObject(nb.metadata) ? nb.metadata : {};
    const kernelspec = isObject(metadata.kernelspec) ? metadata.kernelspec : {};
    if (kernelspec.name !== expected.kernel) problems.push(`kernelspec.name ${String(kernelspec.name)}: the notebook image's kernel is ${expected.kernel}`);
    if (typeof kernelspec.display_name !== "string") problems.push("kernelspec.display_name missing");
    if (!Array.isArray(nb.cells) || nb.cells.length === 0) return [...problems, "no cells"];
    const ids = new Set<string>();
    (nb.cells as unknown[]).forEach((cell, i) => {
        const at = `cell ${i}`;
        if (!isObject(cell)) {
            problems.push(`${at}: not an object`);
            return;
        }
        const id = cell.id;
        if (typeof id !== "string" || !/^[a-zA-Z0-9-_]{1,64}$/.test(id)) problems.push(`${at}: id ${String(id)} is not 1-64 of [a-zA-Z0-9-_]`);
        else if (ids.has(id)) problems.push(`${at}: duplicate id ${id}`);
        else ids.add(id);
        if (!isObject(cell.metadata)) problems.push(`${at}: metadata is not an object`);
        if (!isSource(cell.source)) problems.push(`${at}: source is neither a string nor a list of strings`);
        if (cell.cell_type === "code") {
            problems.push(...onlyKeys(cell, ["cell_type", "id", "metadata", "source", "outputs", "execution_count"]).map((k) => `${at}: unknown key ${k}`));
            if (!Array.isArray(cell.outputs)) problems.push(`${at}: outputs missing`);
            else if (cell.outputs.length > 0) problems.push(`${at} (${String(id)}): has ${cell.outputs.length} stored output(s)`);
            if (cell.execution_count !== null) problems.push(`${at} (${String(id)}): execution_count ${JSON.stringify(cell.execution_count)}, not null`);
            const code = sourceText(cell.source);
            for (const f of forbiddenInCode) {
                const m = f.pattern.exec(code);
                if (m) problems.push(`${at} (${String(id)}): ${f.what} in code: ${m[0]}`);
            }
        } else if (cell.cell_type === "markdown" || cell.cell_type === "raw") {
            problems.push(...onlyKeys(cell, ["cell_type", "id", "metadata", "source", "attachments"]).map((k) => `${at}: unknown key ${k}`));
        } else {
            problems.push(`${at}: cell_type ${String(cell.cell_type)}`);
        }
    });
    const cells = nb.cells.filter(isObject);
    const first = cells[0];
    if (first?.cell_type !== "markdown" || !sourceText(first.source).startsWith(`# ${expected.number} ${expected.title}`)) {
        problems.push(`the first cell is not the markdown title "# ${expected.number} ${expected.title}"`);
    }
    const code = cells.filter((c) => c.cell_type === "code").map((c) => sourceText(c.source));
    if (!code[0]?.includes(sessionLine)) problems.push(`the first code cell does not build the session with ${sessionLine}`);
    const creates = code.findIndex((c) => /CREATE DATABASE/.test(c));
    if (creates >= 0) {
        if (!code[creates].includes(`tutorial_${expected.number}_`)) problems.push(`the database is not named tutorial_${expected.number}_*`);
        if (!code.slice(creates + 1).some((c) => /DROP DATABASE IF EXISTS \{database\} CASCADE/.test(c))) problems.push("the database it creates is never dropped");
    }
    return problems;
}

describe("tutorial notebooks (notebooks/)", () => {
    const files = fs.readdirSync(notebooksDir).filter((f) => f.endsWith(".ipynb")).sort();
    const kernel = imageKernelName();

    it("are exactly 01..06, one per tutorial, named <number>-<slug>.ipynb", () => {
        assert.deepEqual(files.map((f) => f.slice(0, 3)), tutorials.map((t) => `${t.number}-`));
        for (const f of files) assert.match(f, /^\d\d-[a-z0-9-]+\.ipynb$/);
    });

    for (const t of tutorials) {
        it(`${t.number} ${t.title}: nbformat 4.5 with cell ids, no outputs, null execution counts, the image's kernel, the session cell, no hosts or credentials in code`, () => {
            const file = files.find((f) => f.startsWith(`${t.number}-`));
            assert.ok(file, `no notebooks/${t.number}-*.ipynb`);
            const nb = JSON.parse(fs.readFileSync(path.join(notebooksDir, file), "utf8")) as unknown;
            assert.deepEqual(notebookProblems(nb, { ...t, kernel }), []);
        });
    }

    it("README.md names every notebook", () => {
        const readme = fs.readFileSync(path.join(notebooksDir, "README.md"), "utf8");
        for (const f of files) assert.ok(readme.includes(f), `README.md does not mention ${f}`);
    });

    describe("the checks catch what they are for", () => {
        const t = tutorials[0];
        const original = (): Json => JSON.parse(fs.readFileSync(path.join(notebooksDir, files[0]), "utf8")) as Json;
        const firstCode = (nb: Json): Json => (nb.cells as Json[]).find((c) => c.cell_type === "code")!;
        const problemsOf = (change: (nb: Json) => void): string[] => {
            const nb = original();
            change(nb);
            return notebookProblems(nb, { ...t, kernel });
        };

        it("a stored output or execution count", () => {
            const problems = problemsOf((nb) => {
                const cell = firstCode(nb);
                cell.outputs = [{ output_type: "stream", name: "stdout", text: ["connected to Spark 3.5.9\n"] }];
                cell.execution_count = 1;
            });
            assert.equal(problems.length, 2, problems.join("\n"));
            assert.match(problems[0], /has 1 stored output/);
            assert.match(problems[1], /execution_count 1, not null/);
        });

        it("a missing or duplicate cell id, and an older nbformat_minor", () => {
            assert.match(problemsOf((nb) => delete (nb.cells as Json[])[1].id).join("\n"), /cell 1: id undefined/);
            assert.match(problemsOf((nb) => ((nb.cells as Json[])[2].id = (nb.cells as Json[])[1].id)).join("\n"), /cell 2: duplicate id/);
            assert.match(problemsOf((nb) => (nb.nbformat_minor = 4)).join("\n"), /nbformat_minor 4/);
        });

        it("another server, a cluster host or a credential in code", () => {
            const withCode = (text: string) => problemsOf((nb) => (firstCode(nb).source = [`${sessionLine}\n`, text])).join("\n");
            assert.match(withCode('spark2 = SparkSession.builder.remote("sc://spark-connect-35:15002").getOrCreate()'), /a URL in code: sc:\/\/spark-connect-35:15002/);
            assert.match(withCode('host = "hive-metastore.spark-platform.svc.cluster.local"'), /a cluster host name/);
            assert.match(withCode('spark.conf.set("spark.hadoop.fs.s3a.secret.key", "x")'), /a credential setting/);
            assert.match(withCode('key = "AKIAABCDEFGHIJKLMNOP"'), /an AWS access key id/);
            assert.equal(withCode("print(1)"), "");
        });

        it("a wrong title, kernel or session cell, and a database never dropped", () => {
            assert.match(problemsOf((nb) => ((nb.cells as Json[])[0].source = ["# Quick start"])).join("\n"), /markdown title "# 01 Quick start"/);
            assert.match(problemsOf((nb) => (((nb.metadata as Json).kernelspec as Json).name = "python3")).join("\n"), /kernelspec.name python3/);
            assert.match(problemsOf((nb) => (firstCode(nb).source = 'spark = SparkSession.builder.remote("sc://localhost:15002").getOrCreate()')).join("\n"), /does not build the session/);
            assert.match(problemsOf((nb) => (nb.cells = (nb.cells as Json[]).filter((c) => c.id !== "nb01-drop"))).join("\n"), /never dropped/);
        });
    });
});
