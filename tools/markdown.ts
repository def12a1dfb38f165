/** Markdown table cells, the one escaper of every table the tools print (plan diff, promotion, policy docs). */

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
