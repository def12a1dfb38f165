/**
 * The check model of the post-deploy smoke test: every check, whatever it looks at, ends as one
 * CheckResult with its own time and a verdict, so a run reports every check rather than stopping
 * at the first failure.
 */

export type Verdict = "passed" | "failed" | "skipped";

export interface CheckResult {
    /** What was checked, e.g. "connect-41: session". */
    readonly name: string;
    readonly verdict: Verdict;
    /** Wall time of the check, seconds. */
    readonly seconds: number;
    /** What was seen (passed) or what went wrong (failed) or why it did not run (skipped). */
    readonly detail: string;
    /** The command to look closer, when there is one. */
    readonly hint?: string;
}

/** What a check function returns: its detail, and optionally a hint or a non-passing verdict. */
export type CheckOutcome = string | { readonly verdict?: Verdict; readonly detail: string; readonly hint?: string };

/** A failure a check raises on purpose, with the command to look closer. */
export class CheckFailure extends Error {
    constructor(message: string, readonly hint?: string) {
        super(message);
        this.name = "CheckFailure";
    }
}

/** The message of anything thrown, on one line-ish (at most 2000 characters). */
export function errorDetail(err: unknown): string {
    const text = err instanceof Error ? err.message : String(err);
    return text.trim().slice(0, 2000) || (err instanceof Error ? err.name : "unknown error");
}

/**
 * Runs one check and times it: its outcome becomes the result (passed unless it says otherwise);
 * an exception becomes a failed verdict with the exception's message, never a rejection.
 */
export async function runCheck(name: string, fn: () => CheckOutcome | Promise<CheckOutcome>, now: () => number = Date.now): Promise<CheckResult> {
    const started = now();
    const seconds = (): number => Math.round((now() - started) / 10) / 100;
    try {
        const outcome = await fn();
        const o = typeof outcome === "string" ? { detail: outcome } : outcome;
        return { name, verdict: o.verdict ?? "passed", seconds: seconds(), detail: o.detail, ...(o.hint ? { hint: o.hint } : {}) };
    } catch (err) {
        const hint = err instanceof CheckFailure ? err.hint : undefined;
        return { name, verdict: "failed", seconds: seconds(), detail: errorDetail(err), ...(hint ? { hint } : {}) };
    }
}

/**
 * The report a check script printed: the last stdout line that parses as one (a pod's log also
 * carries stderr, which may follow it); undefined when there is none.
 */
export function lastJsonReport<T extends object>(stdout: string, isReport: (value: object) => boolean): T | undefined {
    const lines = stdout.trim().split("\n");
    for (let i = lines.length - 1; i >= 0; i--) {
        const line = lines[i].trim();
        if (!line.startsWith("{")) continue;
        try {
            const parsed = JSON.parse(line) as unknown;
            if (typeof parsed === "object" && parsed !== null && isReport(parsed)) return parsed as T;
        } catch {
            // not a report
        }
    }
    return undefined;
}

/** The last non-empty line of some output, for a message about output without a report. */
export const outputEnd = (stdout: string): string => stdout.trim().split("\n").filter((l) => l.trim()).pop()?.slice(0, 500) || "(nothing)";

/** A time as the names of what a check creates carry it: 2026-12-05T06:15:00.123Z → 20261205t061500. */
export const nameStamp = (at: Date): string => at.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "").toLowerCase();

/** `length` random base-36 characters, so two runs in the same second still get distinct names. */
export const randomTail = (random: () => number, length: number): string => Math.floor(random() * 36 ** length).toString(36).padStart(length, "0");

/** A check that did not run, and why (e.g. an earlier check it depends on failed). */
export const skipped = (name: string, why: string): CheckResult => ({ name, verdict: "skipped", seconds: 0, detail: why });

/** The JSON report of a run (`--json FILE`): the stack, when, every check, and the counts. */
export interface SmokeReport {
    readonly stack: string;
    /** ISO 8601 time the run started. */
    readonly startedAt: string;
    readonly seconds: number;
    /** True when no check failed (skipped checks do not fail a run). */
    readonly passed: boolean;
    readonly counts: Readonly<Record<Verdict, number>>;
    readonly checks: readonly CheckResult[];
}

export function smokeReport(stack: string, startedAt: Date, results: readonly CheckResult[], seconds: number): SmokeReport {
    const counts: Record<Verdict, number> = { passed: 0, failed: 0, skipped: 0 };
    for (const r of results) counts[r.verdict] += 1;
    return { stack, startedAt: startedAt.toISOString(), seconds: Math.round(seconds * 100) / 100, passed: counts.failed === 0, counts, checks: results };
}

const mark: Record<Verdict, string> = { passed: "ok", failed: "FAIL", skipped: "skip" };

/**
 * The results as a plain-text table (verdict, seconds, check, detail), each hint on its own
 * line under the check it belongs to, and a summary line.
 */
export function formatResults(results: readonly CheckResult[]): string {
    const nameWidth = Math.max(5, ...results.map((r) => r.name.length));
    const row = (v: string, s: string, n: string, d: string): string => `${v.padEnd(4)}  ${s.padStart(7)}  ${n.padEnd(nameWidth)}  ${d}`.trimEnd();
    const lines = [row("", "seconds", "check", "detail")];
    for (const r of results) {
        const [first, ...rest] = r.detail.split("\n");
        lines.push(row(mark[r.verdict], r.seconds.toFixed(1), r.name, first));
        for (const more of rest) lines.push(row("", "", "", more));
        if (r.hint) lines.push(row("", "", "", `→ ${r.hint}`));
    }
    const counts = smokeReport("", new Date(0), results, 0).counts;
    lines.push("", `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
    return lines.join("\n") + "\n";
}
