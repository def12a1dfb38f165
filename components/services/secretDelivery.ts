/**
 * How the Kubernetes Secrets that workloads read reach the cluster, by secrets.provider:
 * `kubernetes` has Pulumi write the Secret with the generated values; a store provider has Pulumi
 * write an ExternalSecret (external-secrets.io/v1, fields as the ExternalSecret CRD of
 * external-secrets v1.3.2 declares them) that the operator turns into a Secret of the same name
 * from the platform's ClusterSecretStore; `sealed-secrets` has Pulumi write nothing (the operator
 * seals each credential with kubeseal under the same name). Workloads name the same Secret and key
 * whichever way it arrives.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SecretProvider } from "../config/schema";
import { inputsHash } from "../kubernetes/rollout";
import { credential, CredentialValues, generatedSecrets, GeneratedSecretName } from "./credentials";
import { isStoreProvider, platformSecretStoreName, StoreProvider } from "./externalSecrets";

/** How the platform's credential Secrets are delivered (the pure decision of `secretDelivery`). */
export type SecretDeliveryPlan =
    /** Pulumi writes each Secret with the generated values. */
    | { readonly kind: "secret" }
    /** Pulumi writes an ExternalSecret per Secret; the operator reads the store and writes the Secret. */
    | {
          readonly kind: "externalSecret";
          readonly provider: StoreProvider;
          readonly platformId: string;
          /** ExternalSecret spec.refreshInterval: a Go duration (secrets.refreshInterval). */
          readonly refreshInterval: string;
          /** secrets.revision, bumped by the operator on rotation in a store Pulumi does not write. */
          readonly revision: string;
      }
    /** The operator seals each Secret with kubeseal; Pulumi writes none. */
    | { readonly kind: "sealed"; readonly revision: string };

/** The secrets settings the decision reads. */
export interface SecretDeliverySettings {
    readonly provider: SecretProvider;
    readonly refreshInterval: string;
    readonly revision: string;
}

/** The delivery of a stack's credential Secrets, from its secret provider. */
export function secretDelivery(s: SecretDeliverySettings, platformId: string): SecretDeliveryPlan {
    if (s.provider === "kubernetes") return { kind: "secret" };
    if (s.provider === "sealed-secrets") return { kind: "sealed", revision: s.revision };
    if (!isStoreProvider(s.provider)) throw new Error(`secretDelivery: unknown secret provider "${String(s.provider)}"`);
    return { kind: "externalSecret", provider: s.provider, platformId, refreshInterval: s.refreshInterval, revision: s.revision };
}

/**
 * The name of a credential in the store, the remoteRef key: `<platform id>/<slug>` where the store
 * allows a slash (Secrets Manager, Vault's KV path under the store's mount); `<platform id>-<slug>`
 * in Azure Key Vault and GCP Secret Manager, whose names allow letters, digits and dashes (GCP also
 * underscores); in IBM Secrets Manager a `kv` secret of that name in the `default` secret group.
 */
export function storeKey(provider: StoreProvider, platformId: string, name: GeneratedSecretName): string {
    const slug = generatedSecrets[name].slug;
    switch (provider) {
        case "aws-secrets-manager":
        case "vault":
            return `${platformId}/${slug}`;
        case "azure-key-vault":
        case "gcp-secret-manager":
            return `${platformId}-${slug}`;
        case "ibm-secrets-manager":
            return `default/kv/${platformId}-${slug}`;
    }
}

/** One field of a generated credential, optionally encoded where it is embedded. */
export interface FieldRef {
    readonly credential: GeneratedSecretName;
    readonly field: string;
    /**
     * `url`: percent-encoded for a URL (encodeURIComponent here, Go's urlquery in the template);
     * `json`: as a JSON string literal (JSON.stringify here, sprig's toJson in the template). Both
     * agree on the alphabets the platform generates (letters, digits, `-`, `_`, `=`).
     */
    readonly encode?: "url" | "json";
}

/** A piece of a Secret value: literal text (not a credential) or a credential's field. */
export type SecretPart = pulumi.Input<string> | FieldRef;

/** A field of a generated credential, as a SecretPart. */
export const field = (credential: GeneratedSecretName, name: string, encode?: FieldRef["encode"]): FieldRef => ({ credential, field: name, ...(encode ? { encode } : {}) });

/** A credential Secret as workloads read it: its name, namespace, labels and each key's value as parts. */
export interface CredentialSecretSpec {
    readonly name: string;
    readonly namespace: pulumi.Input<string>;
    readonly labels?: Readonly<Record<string, string>>;
    /** Each key of the Secret: the concatenation of its parts. */
    readonly data: Readonly<Record<string, readonly SecretPart[]>>;
}

const isRef = (p: unknown): p is FieldRef => typeof p === "object" && p !== null && !pulumi.Output.isInstance(p) && "credential" in p && "field" in p;

/** The Go template variable of a field: `<credential>_<field>`, a valid template identifier. */
export const templateVariable = (r: FieldRef): string => `${r.credential}_${r.field}`;

/** Literal text in a Go template: only the left delimiter is special, so it is emitted as a string constant. */
export function templateLiteral(text: string): string {
    return text.split("{{").join('{{ "{{" }}');
}

/** The template of one Secret key (ExternalSecret target.template.data, engine v2). */
export function templateOf(parts: readonly (string | FieldRef)[]): string {
    return parts
        .map((p) => {
            if (!isRef(p)) return templateLiteral(p);
            const v = `.${templateVariable(p)}`;
            return p.encode === "url" ? `{{ ${v} | urlquery }}` : p.encode === "json" ? `{{ ${v} | toJson }}` : `{{ ${v} }}`;
        })
        .join("");
}

/** The value of one Secret key from the generated values, as the template renders it. */
export function renderParts(parts: readonly (string | FieldRef)[], values: Readonly<Partial<Record<GeneratedSecretName, Record<string, string>>>>): string {
    return parts
        .map((p) => {
            if (!isRef(p)) return p;
            const value = values[p.credential]?.[p.field];
            if (value === undefined) throw new Error(`renderParts: no field ${p.field} in credential ${p.credential}`);
            return p.encode === "url" ? encodeURIComponent(value) : p.encode === "json" ? JSON.stringify(value) : value;
        })
        .join("");
}

/** The credential fields a Secret reads, each once, in order of first use. */
export function fieldsRead(data: Readonly<Record<string, readonly SecretPart[]>>): FieldRef[] {
    const seen = new Map<string, FieldRef>();
    for (const parts of Object.values(data)) {
        for (const p of parts) if (isRef(p) && !seen.has(templateVariable(p))) seen.set(templateVariable(p), { credential: p.credential, field: p.field });
    }
    return [...seen.values()];
}

/** Annotation whose change makes the operator sync an ExternalSecret at once (its documented force-sync). */
export const forceSyncAnnotation = "force-sync";

/**
 * The ExternalSecret of a credential Secret: one spec.data entry per credential field (remoteRef key
 * the credential's store name, property the field), and target.template (engine v2) building every
 * key of the Secret, so derived values (a connection URL, a file holding a password) are made in
 * the cluster. `version` (a digest of the credentials' versions) goes into the force-sync
 * annotation, so a new version is synced at once rather than at the next refresh.
 */
export function externalSecretManifest(
    plan: Extract<SecretDeliveryPlan, { kind: "externalSecret" }>,
    spec: Omit<CredentialSecretSpec, "data" | "namespace"> & { readonly namespace: string; readonly data: Readonly<Record<string, readonly (string | FieldRef)[]>> },
    version?: string,
): Record<string, unknown> {
    const labels = { ...(spec.labels ?? {}) };
    return {
        apiVersion: "external-secrets.io/v1",
        kind: "ExternalSecret",
        metadata: { name: spec.name, namespace: spec.namespace, labels, ...(version ? { annotations: { [forceSyncAnnotation]: version } } : {}) },
        spec: {
            refreshInterval: plan.refreshInterval,
            secretStoreRef: { kind: "ClusterSecretStore", name: platformSecretStoreName },
            target: {
                name: spec.name,
                creationPolicy: "Owner",
                deletionPolicy: "Retain",
                template: {
                    engineVersion: "v2",
                    type: "Opaque",
                    metadata: { labels },
                    data: Object.fromEntries(Object.entries(spec.data).map(([key, parts]) => [key, templateOf(parts)])),
                },
            },
            data: fieldsRead(spec.data).map((r) => ({ secretKey: templateVariable(r), remoteRef: { key: storeKey(plan.provider, plan.platformId, r.credential), property: r.field } })),
        },
    };
}

/**
 * What a component needs to deliver its Secrets: the decision, the generated values (read only when
 * Pulumi writes the Secret), and per credential the version of its stored value (the Secrets
 * Manager version id on AWS), which rolls workloads when it changes.
 */
export interface CredentialDelivery {
    readonly plan: SecretDeliveryPlan;
    readonly values: CredentialValues;
    readonly versions?: Readonly<Partial<Record<GeneratedSecretName, pulumi.Input<string>>>>;
    /** What every ExternalSecret waits for: the operator's CRDs, webhook and the platform's store. */
    readonly dependsOn?: readonly pulumi.Resource[];
}

/** Pulumi writes the Secrets with the given values: the local default, and what components assume when given none. */
export const writeSecrets = (values: CredentialValues): CredentialDelivery => ({ plan: { kind: "secret" }, values });

/**
 * The roll-on-change hash of the credentials a workload reads: with Pulumi writing the Secret, a
 * hash of the values; from a store, of each credential's stored version where Pulumi writes the
 * store, and of secrets.revision where the operator does. A one-way digest, never a value.
 */
export function credentialsVersion(d: CredentialDelivery, names: readonly GeneratedSecretName[]): pulumi.Output<string> {
    const unique = [...new Set(names)].sort();
    switch (d.plan.kind) {
        case "secret":
            return inputsHash(unique.map((n) => credential(d.values, n, "credentialsVersion")));
        case "externalSecret":
        case "sealed": {
            const revision = d.plan.revision;
            return inputsHash(unique.map((n) => [n, d.versions?.[n] ?? "", revision]));
        }
    }
}

/** The Secret or ExternalSecret a component wrote: the Secret's name for workloads, and what to wait for. */
export interface DeliveredSecret {
    /** The Secret's name, known once the object it comes from exists. */
    readonly name: pulumi.Output<string>;
    /** The object Pulumi wrote, or none (sealed-secrets); dependents wait on it. */
    readonly resource?: pulumi.Resource;
    /** Roll-on-change hash of the credentials it holds (credentialsVersion). */
    readonly hash: pulumi.Output<string>;
}

/** The Secret's parts with every literal known (literals may be outputs, such as a database host). */
function resolveParts(data: CredentialSecretSpec["data"]): pulumi.Output<Record<string, (string | FieldRef)[]>> {
    const rows = Object.entries(data).map(([key, parts]) =>
        pulumi.all(parts.map((p) => (isRef(p) ? (pulumi.output(p.credential).apply(() => p) as pulumi.Output<string | FieldRef>) : (pulumi.output(p) as pulumi.Output<string | FieldRef>)))).apply((ps) => [key, ps] as [string, (string | FieldRef)[]]),
    );
    return pulumi.all(rows).apply((entries) => Object.fromEntries(entries));
}

/** Options with more dependencies; the existing ones must be a list or a resource, as every component passes them. */
function withDependencies(opts: pulumi.CustomResourceOptions, extra: readonly pulumi.Resource[]): pulumi.CustomResourceOptions {
    if (extra.length === 0) return opts;
    const own = opts.dependsOn;
    if (own === undefined) return { ...opts, dependsOn: [...extra] };
    if (Array.isArray(own)) return { ...opts, dependsOn: [...own, ...extra] };
    if (pulumi.Resource.isInstance(own)) return { ...opts, dependsOn: [own, ...extra] };
    throw new Error("deliverSecret: dependsOn must be a list of resources or one resource to add the External Secrets operator to it");
}

/**
 * Delivers one credential Secret as the plan says: a Secret with the values, an ExternalSecret of
 * the same name from the platform's store, or nothing (the operator seals it). No generated value
 * reaches a Kubernetes object unless the plan is `secret`.
 */
export function deliverSecret(id: string, spec: CredentialSecretSpec, d: CredentialDelivery, opts: pulumi.CustomResourceOptions): DeliveredSecret {
    const names = fieldsRead(spec.data).map((r) => r.credential);
    const hash = credentialsVersion(d, names);
    const labels = { ...(spec.labels ?? {}) };
    const resolved = resolveParts(spec.data);
    switch (d.plan.kind) {
        case "secret": {
            const values = pulumi.all(Object.fromEntries([...new Set(names)].map((n) => [n, credential(d.values, n, `Secret ${spec.name}`)])));
            const stringData = pulumi.all([resolved, values]).apply(([data, v]) => Object.fromEntries(Object.entries(data).map(([k, parts]) => [k, renderParts(parts, v)])));
            const secret = new k8s.core.v1.Secret(id, { metadata: { name: spec.name, namespace: spec.namespace, ...(spec.labels ? { labels } : {}) }, type: "Opaque", stringData: pulumi.secret(stringData) }, opts);
            return { name: secret.metadata.name, resource: secret, hash };
        }
        case "externalSecret": {
            const plan = d.plan;
            const manifest = pulumi
                .all([resolved, pulumi.output(spec.namespace), hash])
                .apply(([data, namespace, version]) => externalSecretManifest(plan, { name: spec.name, namespace, labels, data }, version));
            const es = new k8s.apiextensions.CustomResource(
                id,
                {
                    apiVersion: "external-secrets.io/v1",
                    kind: "ExternalSecret",
                    metadata: manifest.apply((m) => m.metadata as k8s.types.input.meta.v1.ObjectMeta),
                    spec: manifest.apply((m) => m.spec),
                },
                withDependencies(opts, d.dependsOn ?? []),
            );
            return { name: pulumi.output(spec.name), resource: es, hash };
        }
        case "sealed":
            return { name: pulumi.output(spec.name), hash };
    }
}

/** Every credential Secret the platform's components read, for the store table of docs/secrets.md. */
export function storeEntries(provider: StoreProvider, platformId: string): { key: string; properties: string[]; description: string }[] {
    return (Object.keys(generatedSecrets) as GeneratedSecretName[]).map((n) => ({
        key: storeKey(provider, platformId, n),
        properties: Object.keys(generatedSecrets[n].fields),
        description: generatedSecrets[n].description,
    }));
}
