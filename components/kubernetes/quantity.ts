/**
 * Kubernetes resource quantities ("500m", "1.5Gi", "2", "1e3") and Spark memory strings as plain
 * numbers: the one parser of each, for the hardening helper and the policy pack.
 */

const quantityPattern = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const factors: Readonly<Record<string, number>> = {
    "": 1,
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

/**
 * The value of a Kubernetes quantity in base units (cores for CPU, bytes for memory), or
 * undefined when the value is not a quantity (including values not yet known at preview).
 * Numbers are taken as they are, the way the API server reads a YAML number.
 */
export function parseQuantity(value: unknown): number | undefined {
    if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
    if (typeof value !== "string") return undefined;
    const match = quantityPattern.exec(value.trim());
    if (!match) return undefined;
    const [, sign, digits, suffix = ""] = match;
    const factor = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : factors[suffix];
    const magnitude = Number(digits) * factor;
    return sign === "-" ? -magnitude : magnitude;
}

const jvmUnits: Readonly<Record<string, number>> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

/**
 * Bytes in a Spark (JVM) memory string, as SparkApplication driver and executor `memory` takes it:
 * "512m", "4g", "1t", "4096k", with an optional "b" ("4gb"); binary units; no suffix means MiB,
 * as spark.driver.memory reads it. Undefined when the value is not one.
 */
export function parseSparkMemory(value: unknown): number | undefined {
    if (typeof value === "number") return Number.isFinite(value) ? value * jvmUnits.m : undefined;
    if (typeof value !== "string") return undefined;
    const match = /^(\d+(?:\.\d+)?)\s*([kmgtp])?b?$/i.exec(value.trim());
    if (!match) return undefined;
    return Number(match[1]) * (match[2] ? jvmUnits[match[2].toLowerCase()] : jvmUnits.m);
}
