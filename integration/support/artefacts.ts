/**
 * What the program generates, taken from a stack run under the harness: the artefacts the real
 * engines then run. Runs are cached per (stack, config) within the process.
 */
import { RecordedResource, runStack, StackRun, unwrapSecrets } from "../../tools/harness";

const runs = new Map<string, Promise<StackRun>>();

/**
 * Config that keeps a stack's credentials in Secrets Pulumi writes. The suites that run the real
 * scripts and servers (database init, schema, backups, the Spark engines' Metastore) read the credentials from those Secrets; with the AWS
 * default provider they live in Secrets Manager behind ExternalSecrets, which the CRD suite checks.
 */
export const kubernetesSecrets = { secrets: { provider: "kubernetes" } } as const;

/** A stack evaluated under the harness, with optional config overrides (e.g. presets). */
export function stackArtefacts(stack: string, config: Record<string, unknown> = {}): Promise<StackRun> {
    const key = `${stack}:${JSON.stringify(config)}`;
    let run = runs.get(key);
    if (!run) {
        run = runStack(stack, { config });
        runs.set(key, run);
    }
    return run;
}

/** Every resource of a type, secrets unwrapped (the integration suite needs the real values). */
export function resourcesOfType(run: StackRun, type: string): RecordedResource[] {
    return run.resources.filter((r) => r.type === type).map((r) => ({ ...r, inputs: unwrapSecrets(r.inputs) as Record<string, unknown> }));
}

/** The data of the ConfigMap with this metadata.name (and namespace, when given). */
export function configMapData(run: StackRun, name: string, namespace?: string): Record<string, string> {
    const found = resourcesOfType(run, "kubernetes:core/v1:ConfigMap").filter((r) => {
        const meta = r.inputs.metadata as { name?: string; namespace?: string } | undefined;
        return meta?.name === name && (namespace === undefined || meta?.namespace === namespace);
    });
    if (found.length !== 1) throw new Error(`${run.stack}: expected one ConfigMap ${namespace ?? "*"}/${name}, found ${found.length}`);
    return found[0].inputs.data as Record<string, string>;
}
