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
