/**
 * The PromQL check the dashboards and the alert rules share: PromQL's own grammar
 * (@prometheus-io/lezer-promql) parses each query, and every metric it selects must be in the
 * platform's metric catalogue with the labels it matches on.
 */
import { parser } from "@prometheus-io/lezer-promql";
import { catalogued, queryableLabels } from "../../components/observability/metrics";

/**
 * Grafana's built-in interval variables, which it replaces with a duration before it sends a query;
 * the check does the same so that PromQL's grammar sees what Prometheus will.
 */
const withGrafanaIntervals = (expr: string): string => expr.replace(/\$__(rate_interval|interval|range)\b/g, "5m");

/** The syntax errors of a query, the metric names it selects and the labels each selector matches on, from PromQL's own grammar. */
export function analyse(expr: string): { errors: string[]; metrics: string[]; matched: { metric: string; labels: string[] }[] } {
    const text = withGrafanaIntervals(expr);
    const errors: string[] = [];
    const metrics: string[] = [];
    const matched: { metric: string; labels: string[] }[] = [];
    parser.parse(text).iterate({
        enter: (ref) => {
            if (ref.type.isError) errors.push(`syntax error at ${ref.from}: "${text.slice(Math.max(0, ref.from - 20), ref.from)}⚠${text.slice(ref.from, ref.from + 20)}"`);
            if (ref.name !== "VectorSelector") return;
            const node = ref.node;
            const matchers = node.getChild("LabelMatchers");
            const labels = (matchers?.getChildren("UnquotedLabelMatcher") ?? []).map((m) => m.getChild("LabelName")).filter((l) => l !== null).map((l) => text.slice(l.from, l.to));
            const id = node.getChild("Identifier");
            if (id) {
                metrics.push(text.slice(id.from, id.to));
                matched.push({ metric: text.slice(id.from, id.to), labels });
                return;
            }
            // {__name__="x"} or {"x"}: a name in the matchers; {__name__=~"re"}: a family's name
            // pattern, which must be catalogued as it is written; anything else selects by label only.
            const quoted = matchers?.getChild("QuotedLabelName")?.getChild("StringLiteral");
            const byName = (op: "EqlSingle" | "EqlRegex") => matchers?.getChildren("UnquotedLabelMatcher").find((m) => {
                const label = m.getChild("LabelName");
                return label && text.slice(label.from, label.to) === "__name__" && m.getChild("MatchOp")?.getChild(op);
            });
            const literal = quoted ?? byName("EqlSingle")?.getChild("StringLiteral") ?? byName("EqlRegex")?.getChild("StringLiteral");
            if (literal) {
                const name = JSON.parse(text.slice(literal.from, literal.to)) as string;
                metrics.push(name);
                matched.push({ metric: name, labels });
            } else errors.push(`a selector without a metric name: ${text.slice(node.from, node.to)}`);
        },
    });
    return { errors, metrics, matched };
}

/** Everything wrong with a query: syntax errors, metric names no scraped target exposes, and labels their series do not carry. */
export function queryProblems(expr: string): string[] {
    const { errors, metrics, matched } = analyse(expr);
    const unknown = metrics.filter((m) => catalogued(m) === undefined);
    const labels = matched
        .filter((s) => catalogued(s.metric) !== undefined)
        .flatMap((s) => s.labels.filter((l) => !queryableLabels(s.metric).has(l)).map((l) => `${s.metric} has no label ${l}`));
    return [...errors, ...unknown.map((m) => `${m} is not in the metric catalogue`), ...labels];
}
