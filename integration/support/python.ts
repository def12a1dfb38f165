/** Pinned Python virtual environments for the integration suite, one per purpose, cached. */
import * as fs from "fs";
import * as path from "path";
import { cachedDirectory, cacheRoot, digestOf, run } from "./cache";

export interface Venv {
    readonly dir: string;
    /** The venv's python interpreter. */
    readonly python: string;
    /** Path of a console script installed in the venv. */
    bin(name: string): string;
}

export interface VenvSpec {
    /** Purpose, part of the directory name (e.g. "spark-3.5"). */
    readonly name: string;
    /** Exact requirements, each pinned with == (checked). */
    readonly requirements: readonly string[];
    /** A pip constraints file (e.g. Airflow's official constraints), applied to the install. */
    readonly constraintsFile?: string;
    /** The interpreter to build the venv with; python3 by default. */
    readonly basePython?: string;
}

const pinned = /^[A-Za-z0-9_.-]+(\[[A-Za-z0-9_,.-]+\])?==[A-Za-z0-9_.+!-]+$/;

/** Creates (once) and returns a virtual environment with exactly the pinned requirements. */
export function ensureVenv(spec: VenvSpec): Venv {
    const unpinned = spec.requirements.filter((r) => !pinned.test(r));
    if (unpinned.length > 0) throw new Error(`venv ${spec.name}: requirements must be pinned with ==: ${unpinned.join(", ")}`);
    const constraints = spec.constraintsFile ? fs.readFileSync(spec.constraintsFile, "utf8") : "";
    const dir = path.join(cacheRoot, "venv", `${spec.name}-${digestOf([...spec.requirements, constraints, spec.basePython ?? "python3"])}`);
    cachedDirectory(dir, (target) => {
        run(spec.basePython ?? "python3", ["-m", "venv", target], { what: `creating venv ${spec.name}` });
        const pip = path.join(target, "bin", "pip");
        run(pip, ["install", "--quiet", "--disable-pip-version-check", ...(spec.constraintsFile ? ["-c", spec.constraintsFile] : []), ...spec.requirements], {
            what: `pip install for venv ${spec.name}`,
            timeout: 30 * 60 * 1000,
        });
    });
    return { dir, python: path.join(dir, "bin", "python"), bin: (name) => path.join(dir, "bin", name) };
}
