/**
 * The image scripts that run without Docker, run for real: images/versions.env sourced by bash,
 * images/build.sh in its dry-run mode, and images/common/maven-fetch.sh under busybox sh (the
 * Alpine fetch stage's /bin/sh, with busybox's applets and curl, as `apk add curl` leaves it)
 * against Maven Central and against a loopback repository.
 */
import { strict as assert } from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { tierDefaults } from "../../components/config/defaults";
import { repoRoot } from "../../tools/harness";
import { run } from "../support/cache";
import { freePort, startServer } from "../support/processes";
import { imageVersions } from "../support/spark";
import { describeRun, ensureShells, PodScriptRun, runPodScript } from "./pod";

const imagesDir = path.join(repoRoot, "images");
const buildScript = path.join(imagesDir, "build.sh");
const mavenFetch = path.join(imagesDir, "common", "maven-fetch.sh");

/** Every variable images/versions.env defines, as bash sees it after `source` under set -euo pipefail. */
function sourcedVersions(): Map<string, string> {
    const out = run("/bin/bash", ["-c", 'set -euo pipefail; before="$(compgen -v)"; source "$1"; for v in $(compgen -v); do grep -qx "$v" <<<"$before" || printf "%s\\0%s\\0" "$v" "${!v}"; done', "bash", path.join(imagesDir, "versions.env")]);
    const parts = out.split("\0").slice(0, -1);
    return new Map(parts.flatMap((p, i) => (i % 2 === 0 ? [[p, parts[i + 1]] as [string, string]] : [])).filter(([k]) => k !== "before"));
}

/** The commands a dry run prints ("+ cmd args..."), split into words by bash itself (they are printf %q quoted). */
function dryRunCommands(stdout: string): string[][] {
    return stdout
        .split("\n")
        .filter((l) => l.startsWith("+ "))
        .map((l) => run("/bin/bash", ["-c", `words() { printf '%s\\0' "$@"; }; eval "words $1"`, "bash", l.slice(2)]).split("\0").slice(0, -1));
}

const buildRun = (env: Record<string, string>, args: string[] = []): Promise<PodScriptRun> =>
    runPodScript({ shell: "bash", script: `exec bash ${[buildScript, ...args].map((a) => `'${a}'`).join(" ")}`, env: { HOME: os.tmpdir(), ...env }, timeoutMs: 60000 });

describe("shell: images/versions.env and images/build.sh, run by bash", function () {
    this.timeout(5 * 60 * 1000);
    const registry = "registry.example.test:5000/team";

    it("versions.env sources cleanly under set -euo pipefail, and bash reads exactly what the suite's parser reads", function () {
        const bash = sourcedVersions();
        assert.deepEqual(Object.fromEntries([...bash].sort()), Object.fromEntries([...imageVersions()].sort()));
        for (const [k, v] of bash) assert.doesNotMatch(v, /\$\{?\w/, `${k} has an unexpanded reference`);
    });

    it("a dry run of every target builds each image from an existing Dockerfile, passing only ARGs it declares, with versions.env values", async function () {
        const result = await buildRun({ REGISTRY: registry, DRY_RUN: "1", PUSH: "1" });
        assert.equal(result.code, 0, describeRun(result));
        const versions = sourcedVersions();
        const commands = dryRunCommands(result.stdout);
        const builds = commands.filter((c) => c[1] === "build");
        assert.ok(builds.length > 0, result.stdout);
        for (const build of builds) {
            const dockerfile = build[build.indexOf("--file") + 1];
            const tag = build[build.indexOf("--tag") + 1];
            assert.ok(fs.existsSync(dockerfile) && dockerfile.startsWith(imagesDir), `${tag}: Dockerfile ${dockerfile}`);
            assert.equal(build[build.length - 1], imagesDir, `${tag}: the build context is images/`);
            const declared = new Set([...fs.readFileSync(dockerfile, "utf8").matchAll(/^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)/gm)].map((m) => m[1]));
            build.forEach((word, i) => {
                if (build[i - 1] !== "--build-arg") return;
                const [name, ...rest] = word.split("=");
                assert.ok(declared.has(name), `${tag}: --build-arg ${name} is not an ARG of ${path.relative(repoRoot, dockerfile)}`);
                if (versions.has(name)) assert.equal(rest.join("="), versions.get(name), `${tag}: ${name}`);
            });
            assert.ok(commands.some((c) => c[1] === "push" && c[2] === tag), `${tag} is pushed with PUSH=1`);
        }
        assert.equal(new Set(builds.map((b) => b[b.indexOf("--tag") + 1])).size, builds.length, "each image is built once");
    });

    it("prints, for every spark.images setting, the program's default image in the registry", async function () {
        const result = await buildRun({ REGISTRY: registry, DRY_RUN: "1" });
        assert.equal(result.code, 0, describeRun(result));
        const printed = Object.fromEntries([...result.stdout.matchAll(/^ {4}(\w+): (\S+)$/gm)].map((m) => [m[1], m[2]]));
        const defaults = tierDefaults("prod").spark.images as Record<string, string>;
        assert.deepEqual(printed, Object.fromEntries(Object.entries(defaults).map(([k, v]) => [k, `${registry}/${v}`])));
    });

    it("refuses an unknown target (exit 2) and a missing REGISTRY", async function () {
        const unknown = await buildRun({ REGISTRY: registry, DRY_RUN: "1" }, ["no-such-image"]);
        assert.equal(unknown.code, 2, describeRun(unknown));
        assert.match(unknown.stderr, /unknown target 'no-such-image'/);
        const noRegistry = await buildRun({ DRY_RUN: "1" });
        assert.notEqual(noRegistry.code, 0, describeRun(noRegistry));
        assert.match(noRegistry.stderr, /set REGISTRY/);
    });
});

describe("shell: images/common/maven-fetch.sh under busybox sh with curl", function () {
    this.timeout(10 * 60 * 1000);
    let applets: string;
    let work: string;
    const fetch = (args: string[], env: Record<string, string> = {}): Promise<PodScriptRun> =>
        runPodScript({
            shell: "busybox",
            script: `exec sh ${[mavenFetch, ...args].map((a) => `'${a}'`).join(" ")}`,
            env: { HOME: work, ...env },
            // busybox's applets first, then curl (the Alpine stage has both and nothing else).
            path: [applets, path.join(work, "curl-only")],
            cwd: work,
            timeoutMs: 5 * 60 * 1000,
        });
    const sha1 = (file: string): string => createHash("sha1").update(fs.readFileSync(file)).digest("hex");

    before(function () {
        this.timeout(20 * 60 * 1000);
        ensureShells(["busybox", "bash"]);
        work = fs.mkdtempSync(path.join(os.tmpdir(), "maven-fetch-"));
        applets = path.join(work, "busybox-applets");
        fs.mkdirSync(applets);
        run("/bin/busybox", ["--install", "-s", applets]);
        fs.mkdirSync(path.join(work, "curl-only"));
        fs.symlinkSync(run("/bin/sh", ["-c", "command -v curl"]).trim(), path.join(work, "curl-only", "curl"));
    });
    after(() => work && fs.rmSync(work, { recursive: true, force: true }));

    it("downloads a jar the hive-metastore image fetches from Maven Central and verifies it against the published sha1", async function () {
        const version = imageVersions().get("POSTGRESQL_JDBC_VERSION");
        assert.ok(version, "POSTGRESQL_JDBC_VERSION in versions.env");
        assert.match(fs.readFileSync(path.join(imagesDir, "hive-metastore", "Dockerfile"), "utf8"), /org\.postgresql:postgresql:\$\{POSTGRESQL_JDBC_VERSION\}/);
        const dest = path.join(work, "central");
        const result = await fetch([dest, `org.postgresql:postgresql:${version}`]);
        assert.equal(result.code, 0, describeRun(result));
        const jar = path.join(dest, `postgresql-${version}.jar`);
        assert.ok(fs.existsSync(jar), describeRun(result));
        assert.match(result.stdout, new RegExp(`^${sha1(jar)}  postgresql-${version}\\.jar$`, "m"));
        assert.deepEqual(fs.readdirSync(dest), [`postgresql-${version}.jar`], "only the verified jar is kept");
    });

    describe("against a loopback repository", function () {
        let repository: string;
        const publish = (coordinatePath: string, body: string, digest: string): void => {
            const file = path.join(work, "repo", coordinatePath);
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, body);
            fs.writeFileSync(`${file}.sha1`, digest);
        };

        before(async function () {
            const port = await freePort();
            fs.mkdirSync(path.join(work, "repo"), { recursive: true });
            await startServer({ name: "maven-repo", command: "python3", args: ["-m", "http.server", "--bind", "127.0.0.1", "--directory", path.join(work, "repo"), String(port)], ready: { port }, timeoutMs: 30000 });
            repository = `http://127.0.0.1:${port}`;
            publish("g/x/good/1.0/good-1.0-cuda12.jar", "good", createHash("sha1").update("good").digest("hex"));
            publish("g/x/old/2.0/old-2.0.jar", "old", `${createHash("sha1").update("old").digest("hex").toUpperCase()}  old-2.0.jar\n`);
            publish("g/x/bad/1.0/bad-1.0.jar", "tampered", createHash("sha1").update("original").digest("hex"));
        });

        it("takes a classifier, an empty classifier (RAPIDS_CLASSIFIER=) and the older 'digest  file' .sha1 form", async function () {
            const dest = path.join(work, "loopback-ok");
            publish("g/x/plain/3.0/plain-3.0.jar", "plain", createHash("sha1").update("plain").digest("hex"));
            const result = await fetch([dest, "g.x:good:1.0:cuda12", "g.x:plain:3.0:", "g.x:old:2.0"], { MAVEN_REPOSITORY: repository });
            assert.equal(result.code, 0, describeRun(result));
            assert.deepEqual(fs.readdirSync(dest).sort(), ["good-1.0-cuda12.jar", "old-2.0.jar", "plain-3.0.jar"]);
        });

        it("fails the build when a jar does not match its published sha1", async function () {
            const result = await fetch([path.join(work, "loopback-bad"), "g.x:bad:1.0"], { MAVEN_REPOSITORY: repository });
            assert.notEqual(result.code, 0, describeRun(result));
            assert.match(`${result.stdout}\n${result.stderr}`, /FAILED/);
        });

        it("fails on a jar the repository does not have", async function () {
            const result = await fetch([path.join(work, "loopback-missing"), "g.x:absent:1.0"], { MAVEN_REPOSITORY: repository });
            assert.notEqual(result.code, 0, describeRun(result));
        });
    });

    for (const coordinate of ["g.x:a:1.0-SNAPSHOT", "g.x:a:LATEST", "g.x:a:RELEASE", "g.x:a:[1.0,2.0)", "g.x:a:1.+", "g.x:a:v1", "g.x:a", "ga"]) {
        it(`refuses ${coordinate} before downloading anything (exit 2)`, async function () {
            const result = await fetch([path.join(work, "refused"), coordinate], { MAVEN_REPOSITORY: "http://127.0.0.1:9/unreachable" });
            assert.equal(result.code, 2, describeRun(result));
            assert.match(result.stderr, /maven-fetch: /);
        });
    }
});
