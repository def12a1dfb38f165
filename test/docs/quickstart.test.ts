/**
 * docs/quickstart.md, checked command by command: every command of its shell blocks is either
 * checked against the repository and the program (npm scripts, stack files, image targets and
 * references, namespaces, services and ports), run where it runs offline and fast (the offline
 * plan, the image build as a dry run), or listed below as needing Docker, a cluster or the Pulumi
 * CLI. A command the test does not know fails it.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { namespaces } from "../../components/config/names";
import { buildTarget } from "../../components/config/registry";
import { PlatformConfig } from "../../components/config/schema";
import { authenticatorValues, jupyterhubAuth } from "../../components/services/jupyterhub";
import { componentPlan, usedImageKeys } from "../../components/spark/scenarios";
import { RecordedResource, repoRoot, runStack, stackConfig } from "../../tools/harness";
import { planCommand } from "../../tools/plan";

const quickstartDoc = path.join(repoRoot, "docs", "quickstart.md");
/** The stack the quick start deploys. */
const stack = "local";

/** The commands of a Markdown document's sh/bash/shell blocks: continuations joined, comments and blank lines dropped. */
export function shellCommands(markdown: string): string[] {
    const commands: string[] = [];
    for (const m of markdown.matchAll(/^```(?:sh|bash|shell)\s*\n([\s\S]*?)^```\s*$/gm)) {
        const joined = m[1].replace(/\\\n\s*/g, " ");
        for (const raw of joined.split("\n")) {
            const line = raw.replace(/\s+#.*$/, "").trim();
            if (line !== "" && !line.startsWith("#")) commands.push(line);
        }
    }
    return commands;
}

/** What the checks compare the commands with, computed once. */
interface Context {
    readonly scripts: Record<string, string>;
    readonly config: PlatformConfig;
    readonly resources: readonly RecordedResource[];
    /** The stack output endpoints: component → URL. */
    readonly endpoints: Record<string, string>;
    /** images/build.sh --list. */
    readonly buildTargets: readonly string[];
    /** The kind cluster the commands name, by the command that names it. */
    readonly kindClusters: Map<string, string>;
}

/** How a command was checked. */
type Outcome = "checked" | "ran" | "needs a cluster, Docker or the Pulumi CLI";

const needs: Outcome = "needs a cluster, Docker or the Pulumi CLI";

/** Prerequisite checks: they print the tool's version, so they need only the tool. */
const versionChecks = new Set(["docker version", "kind version", "kubectl version --client", "pulumi version", "node --version"]);

function runBuild(env: Record<string, string>, args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync("bash", [path.join(repoRoot, "images", "build.sh"), ...args], { env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8", timeout: 20000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function stackFileExists(name: string): void {
    assert.ok(fs.existsSync(path.join(repoRoot, `Pulumi.${name}.yaml`)), `stack "${name}" has no Pulumi.${name}.yaml`);
    assert.equal(name, stack, `the quick start deploys the ${stack} stack, not ${name}`);
}

/** The namespaces the stack creates: its Namespace resources and its charts' namespaces. */
function stackNamespaces(ctx: Context): Set<string> {
    const names = new Set<string>();
    for (const r of ctx.resources) {
        const inputs = r.inputs as { metadata?: { name?: unknown }; namespace?: unknown };
        if (r.type === "kubernetes:core/v1:Namespace" && typeof inputs.metadata?.name === "string") names.add(inputs.metadata.name);
        if (r.type === "kubernetes:helm.sh/v4:Chart" && typeof inputs.namespace === "string") names.add(inputs.namespace);
    }
    return names;
}

/** Checks one command against the repository and the program; throws naming what does not exist. */
export async function checkCommand(command: string, ctx: Context): Promise<Outcome> {
    const words = command.split(/\s+/);
    if (versionChecks.has(command)) return needs;

    if (command === "npm ci") {
        assert.ok(fs.existsSync(path.join(repoRoot, "package-lock.json")), "npm ci needs package-lock.json");
        return needs;
    }
    if (command === "npm test") {
        assert.ok(ctx.scripts.test, "package.json has no test script");
        return "checked";
    }
    const npmRun = /^npm run (\S+)(?: -- (.*))?$/.exec(command);
    if (npmRun) {
        assert.ok(ctx.scripts[npmRun[1]], `package.json has no script "${npmRun[1]}"`);
        if (npmRun[1] === "plan") {
            const result = await planCommand((npmRun[2] ?? "").split(/\s+/).filter((w) => w !== ""));
            assert.equal(result.code, 0, `${command}: ${result.stderr}`);
            assert.match(result.stdout, new RegExp(`^Offline plan of stack ${stack} `, "m"));
            return "ran";
        }
        return "checked";
    }

    const kind = /^kind (create|delete) cluster --name (\S+)$/.exec(command);
    if (kind) {
        ctx.kindClusters.set(command, kind[2]);
        return needs;
    }

    const build = /^((?:[A-Z_]+=\S+ )+)images\/build\.sh((?: \S+)*)$/.exec(command);
    if (build) {
        const env = Object.fromEntries(build[1].trim().split(" ").map((pair) => pair.split("=", 2) as [string, string]));
        for (const key of Object.keys(env)) assert.ok(["REGISTRY", "KIND_CLUSTER", "PUSH", "PLATFORM"].includes(key), `images/build.sh takes no ${key}`);
        if (env.KIND_CLUSTER) ctx.kindClusters.set(command, env.KIND_CLUSTER);
        const targets = build[2].trim().split(/\s+/).filter((t) => t !== "");
        for (const t of targets) assert.ok(ctx.buildTargets.includes(t), `images/build.sh has no target ${t} (it has ${ctx.buildTargets.join(", ")})`);
        // The targets are exactly the images the stack runs.
        const plan = componentPlan({ scenarios: ctx.config.spark.scenarios, presets: ctx.config.spark.presets, versions: ctx.config.spark.versions, tier: ctx.config.tier, minioEnabled: ctx.config.services.minio.enabled });
        const keys = usedImageKeys(plan, ctx.config.spark.versions);
        assert.deepEqual([...targets].sort(), keys.map(buildTarget).sort(), "the build targets differ from the images the local stack runs");
        // Run it as a dry run: the references it prints are the stack's image settings, so none is needed.
        const dry = runBuild({ ...env, DRY_RUN: "1" }, targets);
        assert.equal(dry.status, 0, dry.stderr);
        for (const key of keys) assert.ok(dry.stdout.includes(`    ${key}: docker.io/${ctx.config.spark.images[key]}\n`), `build.sh prints no ${key}: docker.io/${ctx.config.spark.images[key]}`);
        if (env.KIND_CLUSTER) assert.match(dry.stdout, new RegExp(`kind load docker-image --name ${env.KIND_CLUSTER} `));
        return "ran";
    }

    if (command === "pulumi login --local") return needs;
    const select = /^pulumi stack select (?:--create |-c )?(\S+)$/.exec(command);
    if (select) {
        stackFileExists(select[1]);
        return needs;
    }
    if (command === "pulumi up" || command === "pulumi preview") return needs;
    const withStack = /^pulumi (?:up|preview|destroy) --stack (\S+)$/.exec(command) ?? /^pulumi stack rm (\S+) --preserve-config$/.exec(command);
    if (withStack) {
        stackFileExists(withStack[1]);
        return needs;
    }

    const getPods = /^kubectl get pods -n (\S+)$/.exec(command);
    if (getPods) {
        assert.ok(stackNamespaces(ctx).has(getPods[1]), `the ${stack} stack creates no namespace ${getPods[1]} (it creates ${[...stackNamespaces(ctx)].join(", ")})`);
        return needs;
    }
    const forward = /^kubectl port-forward -n (\S+) svc\/(\S+) (\d+):(\d+)$/.exec(command);
    if (forward) {
        const [, namespace, service, , remotePort] = forward;
        const host = `${service}.${namespace}.svc.cluster.local`;
        const endpoint = Object.values(ctx.endpoints).find((url) => new RegExp(`^[a-z]+://${host.replace(/\./g, "\\.")}(:\\d+)?(/|$)`).test(url));
        assert.ok(endpoint, `the ${stack} stack has no endpoint ${host} (its endpoints: ${Object.values(ctx.endpoints).join(", ")})`);
        const url = new URL(endpoint.replace(/^[a-z]+:/, "http:"));
        const port = url.port !== "" ? url.port : endpoint.startsWith("https:") ? "443" : "80";
        assert.equal(remotePort, port, `${host} listens on ${port}, not ${remotePort}`);
        return needs;
    }
    throw new Error(`unknown command in docs/quickstart.md: "${words.join(" ")}"; check it here or list it as needing a cluster`);
}

describe("docs/quickstart.md: every command is checked or run", function () {
    this.timeout(60000);
    let ctx: Context;
    let doc: string;
    before(async () => {
        doc = fs.readFileSync(quickstartDoc, "utf8");
        const run = await runStack(stack);
        const list = runBuild({}, ["--list"]);
        assert.equal(list.status, 0, list.stderr);
        ctx = {
            scripts: (JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts,
            config: stackConfig(stack),
            resources: run.resources,
            endpoints: run.outputs.endpoints as Record<string, string>,
            buildTargets: list.stdout.trim().split("\n"),
            kindClusters: new Map(),
        };
    });

    it("has shell commands from install to teardown", () => {
        const commands = shellCommands(doc);
        assert.ok(commands.length >= 15, `only ${commands.length} commands`);
        for (const step of ["npm ci", "pulumi up", "kubectl port-forward", "pulumi destroy", "kind delete cluster"]) assert.ok(commands.some((c) => c.startsWith(step)), step);
    });

    it("knows every command and each holds against the repository, or runs", async () => {
        const outcomes = new Map<string, Outcome>();
        for (const command of shellCommands(doc)) outcomes.set(command, await checkCommand(command, ctx));
        assert.ok([...outcomes.values()].filter((o) => o === "ran").length >= 2, "the offline plan and the image build dry run ran");
        // One kind cluster throughout: created, loaded into, deleted.
        assert.deepEqual(new Set(ctx.kindClusters.values()).size, 1, `kind clusters named: ${[...ctx.kindClusters.values()].join(", ")}`);
    });

    it("builds the images with the same command as docs/local.md", () => {
        const local = shellCommands(fs.readFileSync(path.join(repoRoot, "docs", "local.md"), "utf8"));
        for (const command of shellCommands(doc).filter((c) => c.includes("images/build.sh"))) assert.ok(local.includes(command), command);
    });

    it("names the admin, the password rule, the notebook profile and kernel as the program sets them", () => {
        const hub = ctx.config.services.jupyterhub;
        const admin = /sign up as `([^`]+)` with a password of at least (\d+)\s+characters/.exec(doc.replace(/\n\s*/g, " "));
        assert.ok(admin, "the doc says whom to sign up as");
        assert.equal(hub.authenticator, "native");
        assert.ok(hub.adminUsers.includes(admin[1]), `${admin[1]} is not in services.jupyterhub.adminUsers (${hub.adminUsers.join(", ")})`);
        const native = authenticatorValues(jupyterhubAuth(hub)).config.NativeAuthenticator as { minimum_password_length: number };
        assert.equal(Number(admin[2]), native.minimum_password_length);

        const chart = ctx.resources.find((r) => r.type === "kubernetes:helm.sh/v4:Chart" && (r.inputs as { namespace?: string }).namespace === namespaces.jupyterhub);
        const profiles = ((chart?.inputs as { values: { singleuser: { profileList: { display_name: string }[] } } }).values.singleuser.profileList).map((p) => p.display_name);
        const profile = /with the profile \*\*([^*]+)\*\*/.exec(doc);
        assert.ok(profile && profiles.includes(profile[1]), `profile ${profile?.[1]} is not one of ${profiles.join(", ")}`);

        const kernel = /Its kernel is \*\*([^*]+)\*\*/.exec(doc);
        const dockerfile = fs.readFileSync(path.join(repoRoot, "images", "jupyter-spark", "Dockerfile"), "utf8");
        const displayName = /--display-name "([^"]+)"/.exec(dockerfile)?.[1];
        const line = /^Spark (\d+\.\d+) /.exec(profile[1])?.[1];
        assert.ok(kernel && displayName && line);
        assert.equal(kernel[1], displayName.replace("${SPARK_LINE}", line));
    });

    it("says which Connect servers the plan shows: the stack's Spark lines", () => {
        const servers = /two Spark Connect servers \(Spark ([\d.]+) and ([\d.]+)\)/.exec(doc);
        assert.ok(servers);
        assert.deepEqual([servers[1], servers[2]], [...ctx.config.spark.versions]);
    });

    it("names files of the repository that exist", () => {
        const paths = [...doc.matchAll(/`((?:notebooks|images|docs|components)\/[^`\s]+|Pulumi\.[a-z]+\.yaml|package-lock\.json)`/g)].map((m) => m[1]);
        const links = [...doc.matchAll(/\]\(((?:\.\.\/)?[^)#:\s]+)(?:#[^)]*)?\)/g)].map((m) => path.join("docs", m[1]));
        assert.ok(paths.includes("notebooks/01-quick-start.ipynb"));
        for (const p of [...paths, ...links]) assert.ok(fs.existsSync(path.join(repoRoot, p)), `${p} does not exist`);
    });

    it("fails on a script, a stack, an image target, a namespace, a service or a command that does not exist", async () => {
        const wrong = [
            ["npm run plann -- --stack local", /no script "plann"/],
            ["npm run plan -- --stack nowhere", /Pulumi\.nowhere\.yaml|nowhere/],
            ["pulumi stack select --create nowhere", /has no Pulumi\.nowhere\.yaml/],
            ["REGISTRY=docker.io KIND_CLUSTER=spark images/build.sh spark-runtime-9.9", /no target spark-runtime-9\.9/],
            ["REGISTRY=docker.io KIND_CLUSTER=spark images/build.sh spark-runtime-3.5", /differ from the images the local stack runs/],
            ["kubectl get pods -n airflow", /creates no namespace airflow/],
            ["kubectl port-forward -n jupyterhub svc/proxy 8000:80", /no endpoint proxy\.jupyterhub/],
            ["kubectl port-forward -n jupyterhub svc/proxy-public 8000:8080", /listens on 80, not 8080/],
            ["helm install spark", /unknown command/],
        ] as const;
        for (const [command, error] of wrong) await assert.rejects(checkCommand(command, ctx), error, command);
    });
});
