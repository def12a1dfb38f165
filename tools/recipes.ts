/**
 * Checks of the recipe library (docs/recipes) and the governance guides (docs/governance): the
 * sections every recipe has, the tests a "Prevented here" section names, the diagnostic scripts
 * the recipes call and the relative links. Pure functions over Markdown text; the file system is
 * read only through the callbacks the caller passes, so tests can feed broken text.
 */
import * as path from "path";

/** The sections of a recipe, in this order; "Prevented here" is optional and sits before References. */
export const recipeSections = ["Symptoms", "Diagnosis", "Solution", "Prevented here", "References"] as const;
/** The one optional section. */
export const optionalRecipeSection = "Prevented here";
/** Folders of docs/recipes, one per category; the index's category column names them. */
export const recipeCategories = ["troubleshooting", "operations", "deployment", "integration"] as const;
/** The diagnostic scripts recipes may call, under scripts/recipes/. */
export const recipeScripts = ["executor-logs.sh", "driver-state.sh", "s3-check.sh", "stage-summary.sh", "rbac-check.sh"] as const;

/** A `## ` section of a Markdown file: its heading and body (fenced blocks included). */
export interface Section {
    readonly heading: string;
    readonly body: string;
}

/** Lines with a flag saying whether each lies inside a fenced code block (the fence lines count as inside). */
function fencedLines(text: string): { line: string; fenced: boolean }[] {
    let fence: string | undefined;
    return text.split(/\r?\n/).map((line) => {
        const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
        if (fence === undefined && marker) {
            fence = marker;
            return { line, fenced: true };
        }
        if (fence !== undefined) {
            if (marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = undefined;
            return { line, fenced: true };
        }
        return { line, fenced: false };
    });
}

/** The text with every fenced code block removed (inline code stays). */
export function withoutFences(text: string): string {
    return fencedLines(text).filter((l) => !l.fenced).map((l) => l.line).join("\n");
}

/** The `# ` title (first one outside code) and the `## ` sections in order; `###` and deeper stay in the body. */
export function sectionsOf(text: string): { title?: string; sections: Section[] } {
    let title: string | undefined;
    const sections: { heading: string; lines: string[] }[] = [];
    for (const { line, fenced } of fencedLines(text)) {
        const h1 = fenced ? null : /^#\s+(.+?)\s*#*\s*$/.exec(line);
        const h2 = fenced ? null : /^##\s+(.+?)\s*#*\s*$/.exec(line);
        if (h1 && title === undefined && sections.length === 0) title = h1[1];
        else if (h2) sections.push({ heading: h2[1], lines: [] });
        else if (sections.length > 0) sections[sections.length - 1].lines.push(line);
    }
    return { title, sections: sections.map((s) => ({ heading: s.heading, body: s.lines.join("\n").trim() })) };
}

/** The contents of the fenced code blocks of a text, one string per block. */
export function fencedBlocks(text: string): string[] {
    const blocks: string[][] = [];
    let open = false;
    for (const { line, fenced } of fencedLines(text)) {
        const isFence = /^\s{0,3}(`{3,}|~{3,})/.test(line);
        if (fenced && isFence && !open) {
            open = true;
            blocks.push([]);
        } else if (fenced && isFence && open && line.trim().replace(/[`~]/g, "") === "") {
            open = false;
        } else if (open) {
            blocks[blocks.length - 1].push(line);
        }
    }
    return blocks.map((b) => b.join("\n"));
}

/**
 * Problems with a recipe's shape: a `# ` title; exactly the sections of recipeSections in order
 * (Prevented here optional), none empty; at least one non-empty fenced command block in Diagnosis.
 */
export function recipeShapeProblems(text: string): string[] {
    const { title, sections } = sectionsOf(text);
    const problems: string[] = [];
    if (!title) problems.push("no `# ` title");
    const headings = sections.map((s) => s.heading);
    const expected = recipeSections.filter((s) => s !== optionalRecipeSection || headings.includes(optionalRecipeSection));
    if (headings.join("|") !== expected.join("|")) {
        problems.push(`sections are [${headings.join(", ")}]; expected [${expected.join(", ")}] in this order (${optionalRecipeSection} optional)`);
    }
    for (const s of sections) {
        if (withoutFences(s.body).trim() === "" && fencedBlocks(s.body).every((b) => b.trim() === "")) problems.push(`section "${s.heading}" is empty`);
    }
    const diagnosis = sections.find((s) => s.heading === "Diagnosis");
    if (diagnosis && !fencedBlocks(diagnosis.body).some((b) => b.trim() !== "")) problems.push("Diagnosis has no fenced command block");
    return problems;
}

/** One test a "Prevented here" bullet names: the test file and the title text quoted after it. */
export interface NamedTest {
    readonly file: string;
    readonly titles: string[];
}

/** The bullets of a section body: lines starting with `- ` or `* `, with their indented continuation lines. */
function bullets(body: string): string[] {
    const items: string[] = [];
    let open = false;
    for (const line of withoutFences(body).split("\n")) {
        if (/^[-*]\s+/.test(line)) {
            items.push(line.replace(/^[-*]\s+/, ""));
            open = true;
        } else if (open && /^\s+\S/.test(line)) {
            items[items.length - 1] += ` ${line.trim()}`;
        } else {
            open = false;
        }
    }
    return items;
}

/**
 * The tests a "Prevented here" body names: each bullet names a test file as inline code
 * (`test/...test.ts` or `integration/...test.ts`) followed by one or more quoted title texts.
 * Bullets naming no test file are reported by preventedHereProblems.
 */
export function namedTests(body: string): { tests: NamedTest[]; problems: string[] } {
    const tests: NamedTest[] = [];
    const problems: string[] = [];
    for (const item of bullets(body)) {
        const files = [...item.matchAll(/`((?:test|integration)\/[^`\s]+\.test\.ts)`/g)].map((m) => m[1]);
        const titles = [...item.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
        if (files.length !== 1) problems.push(`bullet names ${files.length} test files, expected one: ${item}`);
        else if (titles.length === 0) problems.push(`bullet names ${files[0]} but quotes no test title: ${item}`);
        else tests.push({ file: files[0], titles });
    }
    return { tests, problems };
}

/**
 * Problems with a "Prevented here" body: it must name at least one test; each file must exist and
 * hold each quoted title text verbatim. readFile returns undefined for a missing file.
 */
export function preventedHereProblems(body: string, readFile: (repositoryPath: string) => string | undefined): string[] {
    const { tests, problems } = namedTests(body);
    if (tests.length === 0) problems.push("names no test");
    for (const t of tests) {
        const source = readFile(t.file);
        if (source === undefined) {
            problems.push(`${t.file} does not exist`);
            continue;
        }
        for (const title of t.titles) {
            if (!source.includes(title)) problems.push(`${t.file} has no test titled "${title}"`);
        }
    }
    return problems;
}

/** One call of a diagnostic script in a fenced block: the script's file name and the flags given. */
export interface ScriptCall {
    readonly script: string;
    readonly flags: string[];
}

/** Every call of scripts/recipes/<name>.sh in the fenced blocks of a text, with its `--flags` (backslash continuations joined). */
export function scriptCalls(text: string): ScriptCall[] {
    const calls: ScriptCall[] = [];
    for (const block of fencedBlocks(text)) {
        let joined = block.replace(/\\\n/g, " ");
        // Command substitutions are arguments' values, not flags of the call: $(pulumi ... --json | jq ...).
        for (let before = ""; before !== joined; ) {
            before = joined;
            joined = joined.replace(/\$\([^()]*\)/g, "VALUE");
        }
        for (const line of joined.split("\n")) {
            for (const m of line.matchAll(/scripts\/recipes\/([A-Za-z0-9_.-]+\.sh)([^|;&]*)/g)) {
                const flags = [...m[2].matchAll(/(?:^|\s)(--[a-z][a-z0-9-]*)/g)].map((f) => f[1]);
                calls.push({ script: m[1], flags });
            }
        }
    }
    return calls;
}

/** Problems with script calls: unknown scripts, missing files, flags the script's text never mentions. */
export function scriptCallProblems(calls: ScriptCall[], readScript: (name: string) => string | undefined): string[] {
    const problems: string[] = [];
    for (const call of calls) {
        if (!(recipeScripts as readonly string[]).includes(call.script)) {
            problems.push(`scripts/recipes/${call.script} is not one of the recipe scripts (${recipeScripts.join(", ")})`);
            continue;
        }
        const source = readScript(call.script);
        if (source === undefined) {
            problems.push(`scripts/recipes/${call.script} does not exist`);
            continue;
        }
        for (const flag of call.flags) {
            if (!source.includes(flag)) problems.push(`scripts/recipes/${call.script} does not take ${flag}`);
        }
    }
    return problems;
}

/** The targets of Markdown links and images outside code that are relative paths (no scheme, not a bare #anchor), without their #fragment. */
export function relativeLinks(text: string): string[] {
    const prose = withoutFences(text).replace(/`[^`\n]*`/g, "");
    const targets = [...prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
    return targets.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith("#")).map((t) => t.split("#")[0]);
}

/** Problems with the relative links of a Markdown file at fromFile (repository-relative): each must name an existing file or folder. */
export function linkProblems(fromFile: string, text: string, exists: (repositoryPath: string) => boolean): string[] {
    return relativeLinks(text)
        .map((target) => ({ target, resolved: path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), decodeURI(target))) }))
        .filter(({ resolved }) => resolved.startsWith("..") || !exists(resolved))
        .map(({ target, resolved }) => `link ${target} resolves to ${resolved}, which does not exist`);
}

/** One row of the recipe index: the linked recipe (relative to docs/recipes) and its category cell. */
export interface IndexRow {
    readonly recipe: string;
    readonly symptom: string;
    readonly category: string;
}

/** The rows of the index table in docs/recipes/README.md: | [title](category/file.md) | symptom | category |. */
export function indexRows(text: string): IndexRow[] {
    const rows: IndexRow[] = [];
    for (const line of withoutFences(text).split("\n")) {
        const cells = line.trim().replace(/^\||\|$/g, "").split("|").map((c) => c.trim());
        const link = /^\[[^\]]+\]\(([^)\s]+\.md)\)$/.exec(cells[0] ?? "");
        if (!line.trim().startsWith("|") || !link || cells.length !== 3) continue;
        rows.push({ recipe: link[1], symptom: cells[1], category: cells[2] });
    }
    return rows;
}

/** Problems with the index: every recipe listed once, with a symptom, under the category its folder names; nothing else listed. */
export function indexProblems(text: string, recipes: readonly string[]): string[] {
    const rows = indexRows(text);
    const problems: string[] = [];
    for (const recipe of recipes) {
        const listed = rows.filter((r) => r.recipe === recipe);
        if (listed.length !== 1) problems.push(`${recipe} is listed ${listed.length} times in the index`);
    }
    for (const row of rows) {
        if (!recipes.includes(row.recipe)) problems.push(`the index lists ${row.recipe}, which is not a recipe`);
        if (row.symptom === "") problems.push(`${row.recipe}: no symptom in the index`);
        if (row.category !== row.recipe.split("/")[0]) problems.push(`${row.recipe}: category "${row.category}" is not its folder`);
    }
    return problems;
}
