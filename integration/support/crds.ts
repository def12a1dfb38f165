/**
 * Validates custom resources against the openAPIV3Schema of the CRD version that serves them, with
 * Ajv, a JSON Schema validator. The API server prunes fields a structural schema does not declare,
 * so every object schema that lists properties and does not preserve unknown fields is closed
 * here (additionalProperties: false): a misspelt field, which Kubernetes would drop without a word,
 * is reported. Patterns run on RE2 (re2-wasm), the regular-expression syntax of Go that the API
 * server validates them with, so Go-only forms such as (?i) work. Out of reach: CEL rules (x-kubernetes-validations) and formats (int32, date-time),
 * which the API server checks with its own code.
 */
import Ajv, { ErrorObject, ValidateFunction } from "ajv";
import * as fs from "fs";
import * as path from "path";
import { RE2 } from "re2-wasm";
import { parse as parseYaml } from "yaml";
import { StackRun, unwrapSecrets } from "../../tools/harness";

type SchemaNode = Record<string, unknown> & {
    type?: string;
    properties?: Record<string, SchemaNode>;
    additionalProperties?: SchemaNode | boolean;
    items?: SchemaNode;
};

interface CrdFile {
    spec: { group: string; names: { kind: string }; versions: { name: string; served: boolean; schema?: { openAPIV3Schema: SchemaNode } }[] };
}

/** A copy of the schema with every structural object closed, following properties, items and additionalProperties as pruning does. */
function closed(node: SchemaNode): SchemaNode {
    const out: SchemaNode = { ...node };
    if (node.properties) {
        out.properties = Object.fromEntries(Object.entries(node.properties).map(([k, v]) => [k, closed(v)]));
        if (node.additionalProperties === undefined && !node["x-kubernetes-preserve-unknown-fields"]) out.additionalProperties = false;
    }
    if (node.items) out.items = closed(node.items);
    if (typeof node.additionalProperties === "object") out.additionalProperties = closed(node.additionalProperties);
    return out;
}

function describe(e: ErrorObject): string {
    const at = e.instancePath || "/";
    if (e.keyword === "additionalProperty" || e.keyword === "additionalProperties") {
        return `${at}/${String((e.params as { additionalProperty: string }).additionalProperty)}: unknown field (the API server prunes it)`;
    }
    return `${at}: ${e.message ?? "is invalid"}`;
}

const re2 = Object.assign((pattern: string, flags: string) => new RE2(pattern, flags), { code: 'require("re2-wasm").RE2' });

/** The CRDs of a directory of CRD manifests, validating objects of every served version. */
export class CrdValidators {
    private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: re2 } });
    private readonly schemas = new Map<string, SchemaNode>();
    private readonly compiled = new Map<string, ValidateFunction>();

    constructor(dir: string) {
        for (const file of fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
            const crd = parseYaml(fs.readFileSync(path.join(dir, file), "utf8")) as CrdFile;
            if (!crd?.spec?.versions) continue;
            for (const v of crd.spec.versions.filter((x) => x.served && x.schema)) {
                this.schemas.set(`${crd.spec.group}/${v.name}:${crd.spec.names.kind}`, closed(v.schema!.openAPIV3Schema));
            }
        }
    }

    /** The apiVersion:kind pairs these CRDs serve. */
    get kinds(): string[] {
        return [...this.schemas.keys()].sort();
    }

    /** Every place the object leaves its CRD's schema, each as "/path: problem"; an unserved kind is a problem too. */
    problems(object: object): string[] {
        const { apiVersion, kind } = object as { apiVersion?: unknown; kind?: unknown };
        const key = `${String(apiVersion)}:${String(kind)}`;
        const schema = this.schemas.get(key);
        if (!schema) return [`${key}: no served CRD version (served: ${this.kinds.join(", ")})`];
        const validate = this.compiled.get(key) ?? this.ajv.compile(schema);
        this.compiled.set(key, validate);
        return validate(object) ? [] : (validate.errors ?? []).map(describe);
    }
}

/** An object of a custom resource as a stack writes it. */
export interface CustomObject {
    readonly kind: string;
    readonly metadata: { readonly name: string };
}

/** The objects of an API group a stack run writes, with their secrets unwrapped. */
export function groupObjects(run: StackRun, group: string): CustomObject[] {
    return run.resources.filter((r) => r.type.startsWith(`kubernetes:${group}/`)).map((r) => unwrapSecrets(r.inputs) as CustomObject);
}

/** What the CRDs find wrong with each object, one line per problem naming the object. */
export function crdProblems(crds: CrdValidators, objects: readonly CustomObject[]): string[] {
    return objects.flatMap((o) => crds.problems(o).map((p) => `${o.kind} ${o.metadata.name} ${p}`));
}
