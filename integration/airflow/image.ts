/**
 * What the platform's Airflow image is made of, read from its single sources: images/versions.env
 * (Airflow and Python versions) and images/airflow/Dockerfile (the providers it adds and the
 * versions.env key of its Spark Connect client).
 */
import * as fs from "fs";
import * as path from "path";
import { run } from "../support/cache";
import { ensureVenv, Venv } from "../support/python";
import { SparkVersion } from "../../components/config/schema";
import { versionsEnv } from "../support/metastore";
import { airflowConnectClient } from "../../tools/imageVersions";

export const repositoryRoot = path.resolve(__dirname, "../..");
/** The committed lock of the image's Python packages, used as pip constraints (see lock.ts). */
export const lockFile = path.join(__dirname, "airflow-image.lock.txt");

/** images/versions.env, read by the suite's one parser. */
export { versionsEnv };

export interface AirflowImage {
    readonly airflowVersion: string;
    /** Python minor of the image (AIRFLOW_PYTHON_VERSION). */
    readonly pythonVersion: string;
    /** Providers the Dockerfile installs on top of the base image, unversioned. */
    readonly providers: readonly string[];
    /** The Spark Connect client: its pip extra and the Spark line and version it follows. */
    readonly sparkClient: { readonly requirement: string; readonly line: SparkVersion; readonly version: string; readonly versionKey: string };
}

/** The Airflow image's facts; throws when the Dockerfile no longer has the shape this reads. */
export function airflowImage(): AirflowImage {
    const env = versionsEnv();
    const get = (key: string): string => {
        const value = env.get(key);
        if (value === undefined) throw new Error(`images/versions.env has no ${key}`);
        return value;
    };
    const dockerfile = fs.readFileSync(path.join(repositoryRoot, "images", "airflow", "Dockerfile"), "utf8");
    const run = dockerfile.split(/\r?\n/).filter((l) => !l.trim().startsWith("#")).join("\n");
    const providers = [...new Set([...run.matchAll(/\b(apache-airflow-providers-[a-z0-9-]+)/g)].map((m) => m[1]))].sort();
    if (providers.length === 0) throw new Error("images/airflow/Dockerfile: no providers found");
    const sparkClient = airflowConnectClient(dockerfile, env);
    return {
        airflowVersion: get("AIRFLOW_VERSION"),
        pythonVersion: get("AIRFLOW_PYTHON_VERSION"),
        providers,
        sparkClient,
    };
}

/** name==version pins of the lock file, names normalised (PEP 503). */
export function lockPins(file: string = lockFile): Map<string, string> {
    const pins = new Map<string, string>();
    for (const line of fs.readFileSync(file, "utf8").split(/\r?\n/)) {
        const m = /^([A-Za-z0-9_.-]+)==(\S+)$/.exec(line.trim());
        if (m) pins.set(normalise(m[1]), m[2]);
    }
    return pins;
}

/** PEP 503 name normalisation. */
export function normalise(name: string): string {
    return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** Providers of the official base image (not in the Dockerfile) that the program's chart values name: the FAB auth manager. */
export const baseImageProviders = ["apache-airflow-providers-fab"];

/**
 * A virtual environment with what the image installs for the DAGs: Airflow, the Dockerfile's
 * providers, the base image providers the program relies on, and the Spark Connect client, at the lock's versions (the lock is the constraints file).
 * Fails unless the interpreter is the image's Python minor.
 */
export function airflowVenv(): Venv {
    const image = airflowImage();
    const pins = lockPins();
    const pinned = (name: string): string => {
        const version = pins.get(normalise(name));
        if (!version) throw new Error(`${path.relative(repositoryRoot, lockFile)} has no ${name}; run integration/airflow/lock.ts`);
        return `${name}==${version}`;
    };
    const client = `${image.sparkClient.requirement}==${image.sparkClient.version}`;
    if (pinned("apache-airflow") !== `apache-airflow==${image.airflowVersion}` || pinned("pyspark") !== `pyspark==${image.sparkClient.version}`) {
        throw new Error(`${path.relative(repositoryRoot, lockFile)} is not for Airflow ${image.airflowVersion} and ${client}; run integration/airflow/lock.ts`);
    }
    const requirements = [pinned("apache-airflow"), ...[...image.providers, ...baseImageProviders].map(pinned), client];
    const venv = ensureVenv({ name: "airflow", requirements, constraintsFile: lockFile });
    const minor = run(venv.python, ["-c", "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"]).trim();
    if (minor !== image.pythonVersion) throw new Error(`the Airflow venv runs Python ${minor}, the image Python ${image.pythonVersion}`);
    return venv;
}
