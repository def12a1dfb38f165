/**
 * Markdown table cells, the one escaper of every table the tools print (plan diff, promotion, policy
 * docs), and the generated blocks of committed documents with the command that prints or rewrites them.
 */
import * as fs from "fs";
import * as path from "path";
import { CommandResult, usageError } from "./cli";

/** Prose in a table cell: pipes escaped, line breaks folded into spaces. */
export function textCell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
}

/** A value in a table cell: strings as they are, anything else as JSON, in a code span; long values cut, pipes escaped. */
export function codeCell(value: unknown, max = 120): string {
    let text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
    if (text.length > max) text = `${text.slice(0, max - 3)}…`;
    const fence = text.includes("`") ? "``" : "`";
    return `${fence}${text.replace(/\|/g, "\\|")}${fence}`;
}

/** Where a generated block sits in a committed document: its file and the comment lines around it. */
export interface GeneratedBlock {
    readonly doc: string;
    readonly markers: { readonly start: string; readonly end: string };
}

/** The document's text with the block between its markers (the markers included) replaced by `block`. */
export function withGeneratedBlock(text: string, where: GeneratedBlock, block: string): string {
    const start = text.indexOf(where.markers.start);
    const end = text.indexOf(where.markers.end);
    if (start < 0 || end < start) throw new Error(`${where.doc}: the generated block's markers are missing (${where.markers.start} … ${where.markers.end})`);
    return text.slice(0, start) + block + text.slice(end + where.markers.end.length);
}

/** What a generated-block tool needs: where its block sits and how to generate it. */
export interface GeneratedBlockSource extends GeneratedBlock {
    /** The block, markers included. */
    readonly block: () => string;
}

/** The document with the source's block replaced by a freshly generated one. */
export function withFreshBlock(text: string, source: GeneratedBlockSource): string {
    return withGeneratedBlock(text, source, source.block());
}

/**
 * The command line of a generated-block tool: without arguments it prints the block; `--write`
 * rewrites the block in its document. Anything else is a usage error.
 */
export function generatedBlockCommand(name: string, source: GeneratedBlockSource): (argv: readonly string[]) => CommandResult {
    const relative = path.relative(path.resolve(__dirname, ".."), source.doc);
    const usage = `usage: node -r ./tools/register.cjs tools/${name}.ts [--write]\n\nPrints the generated block of ${relative}; --write rewrites it in the document.\n`;
    return (argv) => {
        const unknown = argv.filter((a) => a !== "--write");
        if (unknown.length > 0) return usageError(name, usage, `unknown argument ${unknown[0]}`);
        if (argv.includes("--write")) {
            fs.writeFileSync(source.doc, withFreshBlock(fs.readFileSync(source.doc, "utf8"), source));
            return { code: 0, stdout: `wrote ${relative}\n`, stderr: "" };
        }
        return { code: 0, stdout: `${source.block()}\n`, stderr: "" };
    };
}
