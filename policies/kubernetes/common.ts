/**
 * What the Kubernetes rules share: walking every container of every pod spec a resource carries,
 * reading security contexts at pod and container level, and naming where a violation is.
 *
 * Unknown values: during a real preview the analyzer throws on an unknown property and skips the
 * rule for that resource, so `undefined` in props means "not set", which Kubernetes reads as its
 * default. Rules therefore treat a missing field as unset (and report it where the rule requires
 * the field), but a value of the wrong shape — a non-object where an object is expected, a
 * non-string image, a non-array list — cannot be read and is skipped, never reported.
 */
import { ResourceValidationArgs } from "@pulumi/policy";
import { parse as parseYaml } from "yaml";
import { at, describeResource, objectOrEmpty, textAt } from "../lib/props";
import { containersOf, describeContainer, FoundContainer, FoundPodSpec, podSpecsOf } from "../lib/podSpecs";

export type Obj = Record<string, unknown>;

/** "Deployment spark-connect": the resource as messages name it. */
export function resourceLabel(args: Pick<ResourceValidationArgs, "type" | "name">): string {
    return describeResource(args.type, args.name);
}

export interface ContainerContext {
    readonly found: FoundPodSpec;
    readonly container: FoundContainer;
    /** Where the container is, for messages: "Deployment web spec.template.spec.containers[0] (app)". */
    readonly where: string;
    /** The container's securityContext; {} when unset, undefined when unreadable. */
    readonly securityContext: Obj | undefined;
    /** The pod's securityContext; {} when unset, undefined when unreadable. */
    readonly podSecurityContext: Obj | undefined;
}

export interface PodContext {
    readonly found: FoundPodSpec;
    /** Where the pod spec is, for messages: "Deployment web spec.template.spec". */
    readonly where: string;
}

/** Every pod spec of the resource. */
export function eachPod(args: ResourceValidationArgs, visit: (pod: PodContext) => void): void {
    const props = objectOrEmpty(args.props) ?? {};
    for (const found of podSpecsOf(args.type, props)) {
        visit({ found, where: `${resourceLabel(args)} ${found.path}` });
    }
}

/** Every container (containers, initContainers, ephemeralContainers) of every pod spec of the resource. */
export function eachContainer(args: ResourceValidationArgs, visit: (c: ContainerContext) => void): void {
    eachPod(args, ({ found }) => {
        const podSecurityContext = objectOrEmpty(found.spec.securityContext);
        for (const container of containersOf(found.spec)) {
            visit({
                found,
                container,
                where: describeContainer(resourceLabel(args), found, container),
                securityContext: objectOrEmpty(container.container.securityContext),
                podSecurityContext,
            });
        }
    });
}

/**
 * The annotations of the pod a found spec belongs to: the template's metadata, a SparkApplication
 * driver's or executor's `annotations`, or the metadata of a Pod template kept in a ConfigMap.
 */
export function podAnnotations(args: ResourceValidationArgs, found: FoundPodSpec): Obj {
    const props = objectOrEmpty(args.props) ?? {};
    const path = found.path.split(".");
    let annotations: unknown;
    if (path[0] === "data" && path.length >= 3) {
        const text = textAt(props, "data", found.path.slice("data.".length, -".spec".length));
        if (text !== undefined) {
            try {
                annotations = at(parseYaml(text), "metadata", "annotations");
            } catch {
                annotations = undefined;
            }
        }
    } else if (path[path.length - 1] === "spec") {
        annotations = at(props, ...path.slice(0, -1), "metadata", "annotations");
    } else {
        annotations = at(props, ...path, "annotations");
    }
    return objectOrEmpty(annotations) ?? {};
}
