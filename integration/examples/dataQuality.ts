/**
 * The environment the data-quality example (examples/data-quality/) runs in: the platform's Airflow
 * image package set (integration/airflow/image.ts airflowVenv: Airflow, its providers, the Spark
 * Connect client, the image's lock as constraints) plus the example's requirements.txt.
 */
import * as fs from "fs";
import * as path from "path";
import { run } from "../support/cache";
import { ensureVenv, Venv } from "../support/python";
import { airflowImage, baseImageProviders, lockFile, lockPins, normalise, repositoryRoot } from "../airflow/image";

/** examples/data-quality/ */
export const exampleDir = path.join(repositoryRoot, "examples", "data-quality");

/** The pinned requirements of examples/data-quality/requirements.txt. */
export function exampleRequirements(): string[] {
    return fs.readFileSync(path.join(exampleDir, "requirements.txt"), "utf8").split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
}

/**
 * A venv with what the Airflow image installs for the DAGs (the lock's versions) and the example's
 * requirements on top, the lock as constraints: the image the README asks for. Fails unless it runs
 * the image's Python minor.
 */
export function dataQualityVenv(): Venv {
    const image = airflowImage();
    const pins = lockPins();
    const pinned = (name: string): string => {
        const version = pins.get(normalise(name));
        if (!version) throw new Error(`${path.relative(repositoryRoot, lockFile)} has no ${name}`);
        return `${name}==${version}`;
    };
    const requirements = [
        pinned("apache-airflow"),
        ...[...image.providers, ...baseImageProviders].map(pinned),
        `${image.sparkClient.requirement}==${image.sparkClient.version}`,
        ...exampleRequirements(),
    ];
    const venv = ensureVenv({ name: "airflow-data-quality", requirements, constraintsFile: lockFile, basePython: `python${image.pythonVersion}` });
    const minor = run(venv.python, ["-c", "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"]).trim();
    if (minor !== image.pythonVersion) throw new Error(`the data-quality venv runs Python ${minor}, the Airflow image Python ${image.pythonVersion}`);
    return venv;
}
