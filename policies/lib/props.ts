/**
 * Reading a resource's properties inside a rule: values at a path, and values the engine cannot
 * know during preview. Every family reads through these.
 *
 * How @pulumi/policy 1.21 shows an unknown value (proxy.js): the props a rule receives are wrapped
 * in a proxy that throws UnknownValueError when an unknown property is read; the raw value under
 * it is one of the sentinel strings below, which is what a rule handed plain values (the offline
 * check, tests) sees. The pack's server skips a rule for a resource when the error escapes it, so
 * a rule that should still check the rest wraps each check in `known`.
 */
import { UnknownValueError } from "@pulumi/policy";

/** The sentinel strings @pulumi/policy puts where a value is unknown during preview, by type. */
export const unknownSentinels: ReadonlySet<string> = new Set([
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
    "030794c1-ac77-496b-92df-f27374a8bd58", // asset
    "e48ece36-62e2-4504-bad9-02848725956a", // archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

/** Marks a value the engine cannot know during preview. */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");
export type Unknown = typeof UNKNOWN;

export function isUnknown(value: unknown): boolean {
    return typeof value === "string" && unknownSentinels.has(value);
}

/** True when text was assembled from an unknown value (it carries the sentinel inside it). */
export function textHasUnknown(text: string): boolean {
    return [...unknownSentinels].some((u) => text.includes(u));
}

/**
 * Runs a check and turns an unknown met on the way into UNKNOWN, so one unknown value skips that
 * check only. Reports made before the unknown was met stand.
 */
export function known<T>(check: () => T): T | Unknown {
    try {
        return check();
    } catch (err) {
        // By name too: the pack may run against another copy of @pulumi/policy than the one loaded here.
        if (err instanceof UnknownValueError || (err instanceof Error && err.constructor.name === "UnknownValueError")) return UNKNOWN;
        throw err;
    }
}

/** A nested property; undefined when it, or an object on the way, is missing or not an object. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
    let v = value;
    for (const key of path) {
        if (v === null || typeof v !== "object") return undefined;
        v = (v as Record<string | number, unknown>)[key];
    }
    return v;
}

/** A list at a path, or [] when it is missing or not yet known. */
export function listAt(value: unknown, ...path: (string | number)[]): unknown[] {
    const v = at(value, ...path);
    return Array.isArray(v) ? v : [];
}

/** A string at a path, or undefined when missing, unknown or not a string. */
export function textAt(value: unknown, ...path: (string | number)[]): string | undefined {
    const v = at(value, ...path);
    return typeof v === "string" ? v : undefined;
}

/**
 * The value at a path, telling absent from unknown: UNKNOWN when it (or an object on the way) is
 * unknown during preview or is not an object where the path needs one; undefined when absent.
 * Never throws for unknowns.
 */
export function read(value: unknown, ...path: (string | number)[]): unknown {
    const v = known(() => {
        let v = value;
        for (const key of path) {
            if (v === undefined || v === null) return undefined;
            if (isUnknown(v) || typeof v !== "object") return UNKNOWN;
            v = (v as Record<string | number, unknown>)[key];
        }
        return v;
    });
    return isUnknown(v) ? UNKNOWN : v;
}

/**
 * The elements of a list at a path (each read on its own, so one unknown element stays UNKNOWN
 * without hiding the rest); undefined when absent, UNKNOWN when the list is unknown or not a list.
 */
export function readList(value: unknown, ...path: (string | number)[]): unknown[] | undefined | Unknown {
    const list = read(value, ...path);
    if (list === undefined || list === null) return undefined;
    if (list === UNKNOWN || !Array.isArray(list)) return UNKNOWN;
    const length = read(list, "length");
    if (typeof length !== "number") return UNKNOWN;
    return Array.from({ length }, (_, i) => read(list, i));
}

/** A flag given as a boolean or as "true"/"false" in any case; undefined when unset or neither. */
export function booleanOf(value: unknown): boolean | undefined {
    if (typeof value === "boolean") return value;
    if (typeof value !== "string") return undefined;
    const v = value.trim().toLowerCase();
    return v === "true" ? true : v === "false" ? false : undefined;
}

/** A plain object (not an array) as itself, anything else as undefined. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** A plain object as itself, a missing value as {}, anything else (unreadable) as undefined. */
export function objectOrEmpty(value: unknown): Record<string, unknown> | undefined {
    return value === undefined || value === null ? {} : asRecord(value);
}

/** "Deployment spark-connect-35": the kind and the name (metadata.name when props carry one) a message starts with. */
export function describeResource(type: string, name: string, props?: Record<string, unknown>): string {
    const kind = type.slice(type.lastIndexOf(":") + 1) || type;
    const metaName = props ? textAt(props, "metadata", "name") : undefined;
    return `${kind} ${metaName && !isUnknown(metaName) ? metaName : name}`;
}
