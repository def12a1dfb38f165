/**
 * Edits a stack file (Pulumi.<stack>.yaml) the way a person would: one config path at a time, with
 * every comment, every other key and their order kept. Used by the promotion and image-recording
 * commands, whose pull requests then show only the settings they carry.
 */
import * as fs from "fs";
import * as path from "path";
import { Document, isMap, parseDocument, YAMLMap } from "yaml";

/** A change to one config path of a stack file: a value to set, or undefined to remove the key. */
export interface ConfigEdit {
    /** The area and the path inside it: ["spark", "images", "spark35"]. */
    readonly path: readonly string[];
    readonly value: unknown;
}

/** The path of a stack's file in a project directory. */
export function stackFilePath(dir: string, stack: string): string {
    return path.join(dir, `Pulumi.${stack}.yaml`);
}

/** The stack file's YAML document; a missing file is an error naming it. */
export function readStackDocument(file: string): Document {
    if (!fs.existsSync(file)) throw new Error(`no stack file ${file}`);
    const doc = parseDocument(fs.readFileSync(file, "utf8"));
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join("; ")}`);
    return doc;
}

/** Removes empty maps left on the way to a removed key, innermost first, up to the config map. */
function pruneEmpty(doc: Document, keys: readonly string[]): void {
    for (let n = keys.length; n > 1; n--) {
        const node = doc.getIn(keys.slice(0, n), true);
        if (isMap(node) && node.items.length === 0) doc.deleteIn(keys.slice(0, n));
        else return;
    }
}

/**
 * Applies the edits to the document under `config` with the project's namespace
 * ("spark-k8s:spark" → images → spark35). Setting creates the maps on the way; removing prunes the
 * maps it leaves empty.
 */
export function applyConfigEdits(doc: Document, project: string, edits: readonly ConfigEdit[]): void {
    if (!isMap(doc.contents)) doc.contents = new YAMLMap();
    if (!doc.has("config")) doc.set("config", new YAMLMap());
    for (const edit of edits) {
        const [area, ...rest] = edit.path;
        const keys = ["config", `${project}:${area}`, ...rest];
        if (edit.value === undefined) {
            if (doc.hasIn(keys)) doc.deleteIn(keys);
            pruneEmpty(doc, keys.slice(0, -1));
        } else {
            doc.setIn(keys, doc.createNode(edit.value));
        }
    }
}
