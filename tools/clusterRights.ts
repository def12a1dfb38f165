/**
 * The cluster-scoped rights docs/security.md lists ("Cluster-scoped rights"): the program's own
 * ClusterRoles and ClusterRoleBindings, and those of the pinned charts. Tests compare each list
 * with what a stack run writes or a chart renders.
 */
import * as fs from "fs";
import * as path from "path";
import { repoRoot } from "./harness";

export const securityDoc = path.join(repoRoot, "docs", "security.md");

/** The cells of each row of the Markdown table between `<!-- <marker>:start -->` and `<!-- <marker>:end -->`, header and rule excluded. */
export function markedTable(text: string, marker: string): string[][] {
    const m = new RegExp(`<!-- ${marker}:start -->\\n([\\s\\S]*?)<!-- ${marker}:end -->`).exec(text);
    if (!m) throw new Error(`no ${marker} block in the document`);
    const rows = m[1]
        .split("\n")
        .filter((l) => l.startsWith("|"))
        .map((l) => l.replace(/^\||\|$/g, "").split("|").map((c) => c.trim()));
    return rows.slice(2);
}

/** The names a cell spells in backticks. */
export const codeNames = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((x) => x[1]);

/** `<kind> <name>` of each ClusterRole and ClusterRoleBinding the doc says the program writes. */
export function documentedProgramClusterRbac(text = fs.readFileSync(securityDoc, "utf8")): string[] {
    return markedTable(text, "program-cluster-rbac").flatMap(([kind, name]) => codeNames(name).map((n) => `${kind} ${n}`)).sort();
}

/** One chart's documented ClusterRole: its name, and whether a ClusterRoleBinding binds it. */
export interface DocumentedChartRole {
    readonly chart: string;
    readonly version: string;
    readonly name: string;
    readonly bound: boolean;
    readonly source: "rendered" | "templates";
}

/** The chart table's ClusterRoles ("none" rows give none), by chart. */
export function documentedChartClusterRoles(text = fs.readFileSync(securityDoc, "utf8")): DocumentedChartRole[] {
    return markedTable(text, "chart-cluster-rbac").flatMap(([chartCell, roleCell, boundCell, , source]) => {
        const [chart, version] = chartCell.split(" ");
        if (source !== "rendered" && source !== "templates") throw new Error(`chart table: source "${source}" of ${chartCell} is neither rendered nor templates`);
        return codeNames(roleCell).map((name) => ({ chart, version, name, bound: boundCell.startsWith("ClusterRoleBinding"), source }));
    });
}
