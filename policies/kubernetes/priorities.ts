/**
 * Priorities: every pod the stack writes names a PriorityClass, one the stack itself defines or a
 * built-in system one, so scheduling order and preemption follow the platform's ladder
 * (components/kubernetes/priorities.ts) instead of leaving pods at priority 0.
 */
import { priorityLevels, systemPriorityClassNames } from "../../components/kubernetes/priorities";
import { enforcement, PlatformStackRule } from "../lib/rule";
import { podSpecsOf } from "../lib/podSpecs";
import { at, describeResource, isUnknown, objectOrEmpty, textAt } from "../lib/props";

export const priorityClassType = "kubernetes:scheduling.k8s.io/v1:PriorityClass";

export const podsNamePriorityClass: PlatformStackRule = {
    kind: "stack",
    family: "kubernetes",
    name: "pods-name-priority-class",
    description:
        "Every pod spec in the stack (workloads, Jobs, CronJobs, SparkApplications, Spark pod templates in ConfigMaps, rendered chart objects) " +
        `sets spec.priorityClassName to a PriorityClass the stack defines or to a system class (${systemPriorityClassNames.join(", ")}). ` +
        "Names unknown at preview count as set; when a PriorityClass's name is unknown, any name counts as defined.",
    severity: "medium",
    remediation:
        `Spread priorityClassName(level) from components/kubernetes/priorities.ts into the pod spec (hardenPodSpec's priorityClassName) or the chart's priorityClassName values key: ` +
        `${Object.values(priorityLevels).map((l) => l.name).join(", ")}.`,
    defaultEnforcement: enforcement.strict,
    validateStack: (args, report) => {
        const defined = new Set<string>(systemPriorityClassNames);
        let anyName = false;
        for (const r of args.resources.filter((x) => x.type === priorityClassType)) {
            const name = at(r.props, "metadata", "name");
            if (typeof name === "string" && !isUnknown(name)) defined.add(name);
            else anyName = true;
        }
        for (const r of args.resources) {
            const props = objectOrEmpty(r.props) ?? {};
            for (const found of podSpecsOf(r.type, props)) {
                const value = at(found.spec, "priorityClassName");
                if (isUnknown(value)) continue;
                const where = `${describeResource(r.type, textAt(props, "metadata", "name") ?? r.name)} ${found.path}`;
                if (typeof value !== "string" || value === "") report(`${where}: no priorityClassName`, r.urn);
                else if (!anyName && !defined.has(value)) report(`${where}: priorityClassName ${value} is neither a PriorityClass of the stack nor a system class`, r.urn);
            }
        }
    },
};
