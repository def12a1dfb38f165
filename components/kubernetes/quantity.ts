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

const sparkByteUnits: Readonly<Record<string, number>> = { b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

/** The grammar of a trimmed Spark memory string, also the policy config schema's pattern for one. */
export const sparkMemoryPattern = "^([0-9]+)(?:([kKmMgGtTpP])[bB]?|([bB]))?$";
const sparkMemoryRegExp = new RegExp(sparkMemoryPattern);

/**
 * Bytes in a Spark memory string, read as every Spark line the platform runs reads
 * spark.driver.memory, spark.executor.memory and SparkApplication memory (JavaUtils.byteStringAs,
 * as MiB): a whole number, then optionally b, k, m, g, t or p, each also with a trailing "b"
 * except b itself, in any case; no suffix means MiB. A number is MiB. Undefined for what any line
 * refuses: fractions ("1.5g"), and the "4Gi"/"4gib" spellings, which 4.3 reads but 3.5 and 4.1
 * refuse (the integration suite asks each line's JavaUtils).
 */
export function parseSparkMemory(value: unknown): number | undefined {
    if (typeof value === "number") return Number.isInteger(value) && value >= 0 ? value * sparkByteUnits.m : undefined;
    if (typeof value !== "string") return undefined;
    const match = sparkMemoryRegExp.exec(value.trim());
    if (!match) return undefined;
    const unit = (match[2] ?? match[3] ?? "m").toLowerCase();
    return Number(match[1]) * sparkByteUnits[unit];
}

/** A CPU quantity from millicores: whole cores as a plain number ("4"), else millicores ("500m"). */
export function cpuQuantity(millis: number): string {
    return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}
