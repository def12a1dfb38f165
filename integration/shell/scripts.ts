/**
 * Every shell script of the project, with where it comes from and the shell that runs it: the
 * repository's scripts (git ls-files) and the scripts the program writes into its plan (container
 * command/args, probe and lifecycle exec commands, Helm chart values, ConfigMap files, the pod
 * operators of shipped DAGs), over every stack, scenario and preset.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { presets, scenarios } from "../../components/config/schema";
import { loadStackConfig, repoRoot, StackRun, unwrapSecrets } from "../../tools/harness";
import { stackArtefacts } from "../support/artefacts";
import { run } from "../support/cache";
import { planTypes } from "../../tools/planSummary";

/** ShellCheck's dialects that the project's shells map to. */
export type Dialect = "sh" | "bash" | "dash" | "ksh" | "busybox";

export interface ShellScript {
    /** Where it is: "repo images/build.sh" or "local Job spark-platform/minio-buckets › containers[mc].command". */
    readonly identity: string;
    readonly dialect: Dialect;
    readonly text: string;
}

/** The stacks the program has (a Pulumi.<stack>.yaml each). */
export const stacks = fs
    .readdirSync(repoRoot)
    .map((f) => /^Pulumi\.([a-z0-9-]+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();

const shells: Record<string, Dialect> = { sh: "sh", bash: "bash", dash: "dash", ash: "busybox", ksh: "ksh" };

/** The dialect and script of a command line that runs `<shell> [-opts]c <script>`, if it is one. */
export function shellCommand(argv: readonly string[]): { dialect: Dialect; script: string } | undefined {
    let rest = [...argv];
    if (path.posix.basename(rest[0] ?? "") === "env") rest = rest.slice(1);
    let dialect = shells[path.posix.basename(rest[0] ?? "")];
    if (path.posix.basename(rest[0] ?? "") === "busybox" && ["sh", "ash"].includes(rest[1] ?? "")) {
        dialect = "busybox";
        rest = rest.slice(1);
    }
    if (!dialect) return undefined;
    const c = rest.findIndex((a, i) => i > 0 && /^-[a-zA-Z]*c[a-zA-Z]*$/.test(a));
    if (c < 0 || c + 1 >= rest.length) return undefined;
    return { dialect, script: rest[c + 1] };
}

/** The dialect a file's shebang or `# shellcheck shell=` directive names, if it is a shell script. */
export function fileDialect(text: string): Dialect | undefined {
    const directive = /^#\s*shellcheck\s+shell=(\w+)/m.exec(text.split("\n").filter((l) => l.startsWith("#")).join("\n"))?.[1];
    if (directive && shells[directive]) return shells[directive];
    const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(text);
    if (!shebang) return undefined;
    const interpreter = path.posix.basename(shebang[1]) === "env" ? shebang[2] : path.posix.basename(shebang[1]);
    return shells[interpreter ?? ""];
}

/**
 * Scripts of the repository: *.sh, files with a shell shebang, shell files named by a directive
 * (images/versions.env), and the shell command lines of pod operators in Python files (dags/).
 */
export function repositoryScripts(): ShellScript[] {
    const files = execFileSync("git", ["ls-files", "-z"], { cwd: repoRoot }).toString().split("\0").filter(Boolean);
    const out: ShellScript[] = [];
    for (const file of files) {
        const full = path.join(repoRoot, file);
        if (!fs.statSync(full, { throwIfNoEntry: false })?.isFile()) continue;
        const head = fs.readFileSync(full).subarray(0, 4096).toString();
        const dialect = fileDialect(head) ?? (file.endsWith(".sh") ? "sh" : undefined);
        if (dialect) out.push({ identity: `repo ${file}`, dialect, text: fs.readFileSync(full, "utf8") });
        else if (file.endsWith(".py") && head.length > 0) {
            for (const { line, argv } of dagCommandLines(fs.readFileSync(full, "utf8"))) {
                const found = shellCommand(argv);
                if (found) out.push({ identity: `repo ${file}:${line}`, dialect: found.dialect, text: found.script });
            }
        }
    }
    return out;
}

/** Command lines of the pod operators in a DAG file (dag_scripts.py), with their source line. */
export function dagCommandLines(source: string): { line: number; argv: string[] }[] {
    return JSON.parse(run("python3", [path.join(__dirname, "dag_scripts.py")], { input: source, stdio: ["pipe", "pipe", "pipe"], what: "reading the DAG's pod operators" })) as { line: number; argv: string[] }[];
}

type Json = unknown;

/** Shell scripts anywhere in a value: objects with command/args arrays, and ConfigMap-style files. */
function scriptsIn(value: Json, where: string, out: ShellScript[]): void {
    if (Array.isArray(value)) {
        value.forEach((v, i) => {
            const name = v !== null && typeof v === "object" && typeof (v as { name?: unknown }).name === "string" ? (v as { name: string }).name : String(i);
            scriptsIn(v, `${where}[${name}]`, out);
        });
        return;
    }
    if (value === null || typeof value !== "object") return;
    const o = value as Record<string, Json>;
    const strings = (v: Json): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === "string") ? v : undefined);
    const command = strings(o.command) ?? strings(o.cmds);
    const args = strings(o.args) ?? strings(o.arguments);
    if (command || args) {
        const found = shellCommand([...(command ?? []), ...(args ?? [])]);
        if (found) out.push({ identity: `${where}.${command ? "command" : "args"}`, dialect: found.dialect, text: found.script });
    }
    for (const [k, v] of Object.entries(o)) {
        if (k === "command" || k === "args") continue;
        scriptsIn(v, where ? `${where}.${k}` : k, out);
    }
}

/** Shell scripts inside a file the plan ships (ConfigMap data): a shell file, a DAG, or YAML objects. */
function scriptsInFile(key: string, content: string, where: string, out: ShellScript[]): void {
    const dialect = fileDialect(content) ?? (key.endsWith(".sh") ? "sh" : undefined);
    if (dialect) {
        out.push({ identity: `${where}[${key}]`, dialect, text: content });
    } else if (key.endsWith(".py")) {
        for (const { line, argv } of dagCommandLines(content)) {
            const found = shellCommand(argv);
            if (found) out.push({ identity: `${where}[${key}]:${line}`, dialect: found.dialect, text: found.script });
        }
    } else if (/\.(ya?ml|json)$/.test(key) || /^\s*(apiVersion|kind|spec|metadata):/m.test(content)) {
        try {
            for (const doc of parseAllDocuments(content)) scriptsIn(doc.toJS() as Json, `${where}[${key}]`, out);
        } catch {
            /* not YAML: nothing to walk */
        }
    }
}

/** Every shell script in one stack run, named by variant, resource and path. */
export function planScripts(stackRun: StackRun, variant: string): ShellScript[] {
    const out: ShellScript[] = [];
    for (const r of stackRun.resources) {
        if (!r.type.startsWith("kubernetes:")) continue;
        const inputs = unwrapSecrets(r.inputs) as Record<string, Json>;
        const meta = (inputs.metadata ?? {}) as { name?: string; namespace?: string };
        const kind = r.type.split(":").pop();
        const where = r.type === planTypes.helmChart ? `${variant} Chart ${String(inputs.chart)}` : `${variant} ${kind} ${meta.namespace ?? "-"}/${meta.name ?? r.name}`;
        if (kind === "ConfigMap" || kind === "Secret") {
            for (const field of ["data", "stringData"] as const) {
                for (const [key, content] of Object.entries((inputs[field] ?? {}) as Record<string, string>)) {
                    const text = field === "data" && kind === "Secret" ? Buffer.from(content, "base64").toString() : content;
                    if (typeof text === "string") scriptsInFile(key, text, `${where} ${field}`, out);
                }
            }
            continue;
        }
        scriptsIn(r.type === planTypes.helmChart ? inputs.values : inputs, r.type === planTypes.helmChart ? `${where} values` : `${where} ›`, out);
    }
    return out.map((s) => ({ ...s, identity: s.identity.replace("›.", "› ") }));
}

/** One configuration a stack is evaluated with: its committed config, or one scenario with presets. */
export interface Variant {
    readonly stack: string;
    readonly label: string;
    readonly config: Record<string, unknown>;
}

/** The stack file's own spark settings, kept under overrides (a config override replaces the whole key). */
function stackSpark(stack: string): Record<string, unknown> {
    const file = loadStackConfig(stack);
    const raw = file.values[`${file.project}:spark`];
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
}

/**
 * The variants to walk: each stack as committed, and each scenario with no preset and with every
 * preset the scenario accepts (presets only add components, so their union covers each alone).
 */
export async function walkVariants(onError: (variant: Variant, err: Error) => void = () => undefined): Promise<{ variant: Variant; run: StackRun }[]> {
    const runs: { variant: Variant; run: StackRun }[] = [];
    const attempt = async (variant: Variant): Promise<boolean> => {
        try {
            runs.push({ variant, run: await stackArtefacts(variant.stack, variant.config) });
            return true;
        } catch (err) {
            onError(variant, err as Error);
            return false;
        }
    };
    const subsets = (items: readonly string[]): string[][] =>
        items.reduce<string[][]>((acc, item) => [...acc, ...acc.map((s) => [...s, item])], [[]]).sort((a, b) => b.length - a.length);
    for (const stack of stacks) {
        const spark = stackSpark(stack);
        await attempt({ stack, label: stack, config: {} });
        for (const scenario of scenarios) {
            await attempt({ stack, label: `${stack}[${scenario}]`, config: { spark: { ...spark, scenarios: [scenario], presets: [] } } });
            for (const chosen of subsets(presets).filter((s) => s.length > 0)) {
                const label = `${stack}[${scenario}+${chosen.join("+")}]`;
                if (await attempt({ stack, label, config: { spark: { ...spark, scenarios: [scenario], presets: chosen } } })) break;
            }
        }
    }
    return runs;
}

/** Scripts with the same dialect and text, once, with every place they appear. */
export function distinct(scripts: readonly ShellScript[]): { script: ShellScript; places: string[] }[] {
    const byText = new Map<string, { script: ShellScript; places: string[] }>();
    for (const s of scripts) {
        const key = `${s.dialect}\0${s.text}`;
        const entry = byText.get(key);
        if (entry) entry.places.push(s.identity);
        else byText.set(key, { script: s, places: [s.identity] });
    }
    return [...byText.values()];
}
