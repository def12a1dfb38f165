/**
 * NetworkPolicies (networking.k8s.io/v1) generated from the flow table: default-deny ingress and
 * egress in every platform namespace, then for each flow an egress policy beside its source and an
 * ingress policy beside its destination. Flows from port-forward make none: the kubelet carries
 * port-forward into the pod's network namespace, which NetworkPolicy does not govern. Pure.
 */
import { Flow, FlowPort, Peer, PodPeer } from "./networkFlows";

/** A NetworkPolicy manifest, as the Kubernetes API takes it. */
export interface NetworkPolicyManifest {
    readonly apiVersion: "networking.k8s.io/v1";
    readonly kind: "NetworkPolicy";
    readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string>; readonly annotations?: Record<string, string> };
    readonly spec: {
        readonly podSelector: { matchLabels?: Record<string, string> };
        readonly policyTypes: readonly ("Ingress" | "Egress")[];
        readonly ingress?: readonly Record<string, unknown>[];
        readonly egress?: readonly Record<string, unknown>[];
    };
}

/** The name of every namespace's default-deny policy; the policy pack looks for it. */
export const defaultDenyPolicyName = "default-deny";
/** Label on every policy the table makes. */
export const networkPolicyLabels = { "app.kubernetes.io/part-of": "spark-k8s", "app.kubernetes.io/managed-by": "pulumi", "spark-k8s/network-flow-table": "true" } as const;

/** A policy of the table: its name, namespace and spec, with the table's labels and the flow's reason. */
function policy(name: string, namespace: string, spec: NetworkPolicyManifest["spec"], flow?: Flow): NetworkPolicyManifest {
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name, namespace, labels: { ...networkPolicyLabels }, ...(flow ? { annotations: { "spark-k8s/why": flow.why } } : {}) },
        spec,
    };
}

/** The default-deny policy of a namespace: every pod, no ingress, no egress. */
export function defaultDeny(namespace: string): NetworkPolicyManifest {
    return policy(defaultDenyPolicyName, namespace, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
}

/** A peer as a NetworkPolicyPeer; pods are matched by their namespace's name label. */
export function policyPeer(peer: Peer): Record<string, unknown> {
    if (peer.kind === "pods") {
        return { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": peer.namespace } }, podSelector: selector(peer) };
    }
    if (peer.kind === "cidr") return { ipBlock: { cidr: peer.cidr, ...(peer.except.length > 0 ? { except: [...peer.except] } : {}) } };
    throw new Error("policyPeer: port-forward is no network peer");
}

function selector(peer: PodPeer): { matchLabels?: Record<string, string> } {
    return Object.keys(peer.pods).length > 0 ? { matchLabels: { ...peer.pods } } : {};
}

/** Ports of a rule: a port per entry, or the protocol alone for every port. */
export function policyPorts(ports: readonly FlowPort[]): Record<string, unknown>[] {
    return ports.map((p) => (p.port === undefined ? { protocol: p.protocol } : { protocol: p.protocol, port: p.port }));
}

/** Every NetworkPolicy of the stack: default-deny per namespace, then each flow's allows. */
export function networkPolicies(namespaces: readonly string[], flows: readonly Flow[]): NetworkPolicyManifest[] {
    const governed = new Set(namespaces);
    const ids = new Set<string>();
    const out: NetworkPolicyManifest[] = namespaces.map(defaultDeny);
    for (const flow of flows) {
        if (ids.has(flow.id)) throw new Error(`networkPolicies: flow ${flow.id} listed twice`);
        ids.add(flow.id);
        const ports = policyPorts(flow.ports);
        if (flow.from.kind === "pods" && governed.has(flow.from.namespace) && flow.to.kind !== "port-forward") {
            out.push(policy(`${flow.id}-egress`, flow.from.namespace, { podSelector: selector(flow.from), policyTypes: ["Egress"], egress: [{ to: [policyPeer(flow.to)], ports }] }, flow));
        }
        if (flow.to.kind === "pods" && governed.has(flow.to.namespace) && flow.from.kind !== "port-forward") {
            out.push(policy(`${flow.id}-ingress`, flow.to.namespace, { podSelector: selector(flow.to), policyTypes: ["Ingress"], ingress: [{ from: [policyPeer(flow.from)], ports }] }, flow));
        }
    }
    return out;
}

/** Whether a pod peer's selector picks pods of a namespace with these labels. */
export function selectsPods(peer: PodPeer, namespace: string, labels: Readonly<Record<string, string>>): boolean {
    return peer.namespace === namespace && Object.entries(peer.pods).every(([k, v]) => labels[k] === v);
}

/**
 * The egress rules of the notebooks' flows, for the JupyterHub chart's singleuser policy: the
 * same rules the table's own policies carry, so the chart opens nothing the table does not.
 */
export function egressRulesFrom(flows: readonly Flow[], from: (peer: PodPeer) => boolean): Record<string, unknown>[] {
    return flows
        .filter((f) => f.from.kind === "pods" && from(f.from) && f.to.kind !== "port-forward")
        .map((f) => ({ to: [policyPeer(f.to)], ports: policyPorts(f.ports) }));
}
