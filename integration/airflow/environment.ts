/**
 * Where the Airflow tests run Airflow: a throwaway AIRFLOW_HOME with a SQLite metadata database made
 * by `airflow db migrate`, a DAG folder (as the chart mounts the program's ConfigMap, or as git-sync
 * delivers the repository's dags/), and the DagBag report of dagbag.py.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cachedDirectory, cacheRoot, digestOf, run } from "../support/cache";
import { loadStackConfig, StackRun } from "../../tools/harness";
import { resourcesOfType, stackArtefacts } from "../support/artefacts";
import { Venv } from "../support/python";
import { repositoryRoot } from "./image";
import { planTypes } from "../../tools/planSummary";

/** One AIRFLOW_HOME: its directory and the environment every airflow process there gets. */
export interface AirflowHome {
    readonly dir: string;
    readonly env: Record<string, string>;
    /** Runs the `airflow` CLI of the venv with this home (extra env on top); returns its output. */
    airflow(args: readonly string[], extraEnv?: Record<string, string>, timeoutMs?: number): string;
    remove(): void;
}

/** A fresh AIRFLOW_HOME for a DAG folder, its database migrated; `config` adds AIRFLOW__<SECTION>__<KEY> settings. */
export function airflowHome(venv: Venv, dagsFolder: string, config: Record<string, Record<string, string>> = {}): AirflowHome {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-it-airflow-home-"));
    const settings = Object.entries(config).flatMap(([section, keys]) => Object.entries(keys).map(([k, v]): [string, string] => [`AIRFLOW__${section.toUpperCase()}__${k.toUpperCase()}`, v]));
    const env: Record<string, string> = {
        PATH: `${path.dirname(venv.python)}:${process.env.PATH ?? ""}`,
        HOME: process.env.HOME ?? dir,
        AIRFLOW_HOME: dir,
        AIRFLOW__CORE__DAGS_FOLDER: dagsFolder,
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: `sqlite:///${path.join(dir, "airflow.db")}`,
        AIRFLOW__CORE__UNIT_TEST_MODE: "False",
        ...Object.fromEntries(settings),
    };
    const airflow = (args: readonly string[], extraEnv: Record<string, string> = {}, timeoutMs = 300000): string =>
        run(venv.bin("airflow"), args, { env: { ...env, ...extraEnv }, cwd: dir, timeout: timeoutMs, what: `airflow ${args.join(" ")}` });
    airflow(["db", "migrate"]);
    return { dir, env, airflow, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** What dagbag.py reports (see there). */
export interface DagBagReport {
    /** Set when listing the folder's files failed, as the DAG processor would fail on it; nothing else is then. */
    readonly discovery_error?: string;
    readonly versions: Record<string, string>;
    readonly python: string;
    readonly dag_folder: string;
    readonly files: string[];
    readonly import_errors: Record<string, string>;
    readonly serialization_errors: Record<string, string>;
    readonly dags: Record<string, DagReport>;
}

export interface DagReport {
    readonly fileloc: string;
    readonly description: string | null;
    readonly schedule: string | null;
    readonly start_date: string | null;
    readonly catchup: boolean;
    readonly max_active_runs: number;
    readonly tags: string[];
    readonly default_args: Record<string, unknown>;
    readonly tasks: TaskReport[];
}

export interface TaskReport {
    readonly task_id: string;
    readonly operator: string;
    readonly task_type: string;
    readonly upstream: string[];
    readonly downstream: string[];
    readonly template_fields: string[];
    readonly template_ext: string[];
    readonly python_callable: string | null;
    readonly args: Record<string, unknown>;
    readonly rendered?: { fields: Record<string, unknown>; spark_application?: Record<string, unknown> };
    readonly render_error?: string;
}

/** Runs dagbag.py over the home's DAG folder; `variables` become AIRFLOW_VAR_<NAME>. */
export function dagBagReport(venv: Venv, home: AirflowHome, variables: Record<string, string> = {}): DagBagReport {
    const out = path.join(home.dir, `dagbag-${Date.now()}.json`);
    const vars = Object.fromEntries(Object.entries(variables).map(([k, v]) => [`AIRFLOW_VAR_${k.toUpperCase()}`, v]));
    run(venv.python, [path.join(__dirname, "dagbag.py"), home.env.AIRFLOW__CORE__DAGS_FOLDER, out], {
        env: { ...home.env, ...vars },
        cwd: home.dir,
        timeout: 300000,
        what: "dagbag.py",
    });
    return JSON.parse(fs.readFileSync(out, "utf8")) as DagBagReport;
}

/** A copy of the repository's dags/ folder, as git-sync delivers it (subPath dags): plain files. */
export function repositoryDagsCopy(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-it-dags-"));
    fs.cpSync(path.join(repositoryRoot, "dags"), dir, { recursive: true, filter: (src) => !/(^|\/)(__pycache__|\.[^/]*)$/.test(src.slice(repositoryRoot.length)) });
    return dir;
}

/** The ConfigMap volume source of a pod spec (name, items, defaultMode). */
export interface ConfigMapVolumeSource {
    readonly name: string;
    readonly items?: readonly { readonly key: string; readonly path: string; readonly mode?: number }[];
    readonly defaultMode?: number;
    readonly optional?: boolean;
}

const volumeWriterDir = path.join(__dirname, "configmapvolume");

/** The kubelet's ConfigMap volume writer (configmapvolume/main.go), built once with Go into the cache. */
export function configMapVolumeWriter(): string {
    const sources = ["go.mod", "go.sum", "main.go"].map((f) => fs.readFileSync(path.join(volumeWriterDir, f), "utf8"));
    const dir = cachedDirectory(path.join(cacheRoot, "bin", `configmapvolume-${digestOf(sources)}`), (target) => {
        run("go", ["build", "-mod=readonly", "-o", path.join(target, "configmapvolume"), "."], {
            cwd: volumeWriterDir,
            env: { ...process.env, GOFLAGS: "-buildvcs=false" },
            timeout: 30 * 60 * 1000,
            what: "go build integration/airflow/configmapvolume (kubelet volume code)",
        });
    });
    return path.join(dir, "configmapvolume");
}

/** Writes a ConfigMap volume into `target` exactly as the kubelet lays it out in a pod. */
export function writeConfigMapVolume(target: string, configMap: { name: string; data: Record<string, string> }, source: ConfigMapVolumeSource): void {
    fs.mkdirSync(target, { recursive: true });
    const input = JSON.stringify({ target, configMap: { metadata: { name: configMap.name }, data: configMap.data }, source });
    run(configMapVolumeWriter(), [], { input, stdio: ["pipe", "pipe", "pipe"], what: `writing ConfigMap ${configMap.name} as a volume` });
}

/** The local stack with only one Airflow scenario listed (the whole `spark` key replaced, other fields kept). */
export function airflowStack(scenario: string, extra: Record<string, unknown> = {}): Promise<StackRun> {
    const spark = JSON.parse(loadStackConfig("local").values["spark-k8s:spark"] ?? "{}") as Record<string, unknown>;
    return stackArtefacts("local", { spark: { ...spark, scenarios: [scenario], ...extra } });
}

/** The parts of the Airflow chart values the tests read. */
export interface ChartValues {
    config: Record<string, Record<string, string>>;
    volumes: { name: string; configMap?: ConfigMapVolumeSource }[];
    volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}

/** The values the program passes to Airflow's chart. */
export function airflowChartValues(stack: StackRun): ChartValues {
    const charts = resourcesOfType(stack, planTypes.helmChart).filter((c) => c.inputs.chart === "airflow");
    if (charts.length !== 1) throw new Error(`${stack.stack}: expected one Airflow chart, found ${charts.length}`);
    return charts[0].inputs.values as ChartValues;
}

/**
 * One pass of the DAG processor the chart runs (`airflow dag-processor --num-runs 1`) over a folder,
 * in a fresh AIRFLOW_HOME, then the DAG ids it registered.
 */
export function dagProcessorPass(venv: Venv, dagsFolder: string, config: Record<string, Record<string, string>> = {}): { error?: string; dagIds: string[] } {
    const home = airflowHome(venv, dagsFolder, config);
    try {
        let error: string | undefined;
        try {
            home.airflow(["dag-processor", "--num-runs", "1"], {}, 300000);
        } catch (err) {
            const message = (err as Error).message;
            error = message.split("\n").filter((l) => /Error|Exception/.test(l)).slice(-3).join("\n") || message;
        }
        const listed = home.airflow(["dags", "list", "-o", "json"]).split("\n").filter((l) => l.startsWith("[")).pop() ?? "[]";
        return { error, dagIds: (JSON.parse(listed) as { dag_id: string }[]).map((d) => d.dag_id).sort() };
    } finally {
        home.remove();
    }
}
