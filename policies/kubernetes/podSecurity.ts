/**
 * Pod security: the Pod Security Standards "baseline" and "restricted" controls, applied to every
 * container (containers, initContainers, ephemeralContainers) of every pod spec a resource carries.
 * The platform's hardening helper (components/kubernetes/hardening.ts) produces pods that pass all
 * of these by construction.
 */
import { enforcement, PlatformResourceRule } from "../lib/rule";
import { at, listAt, objectOrEmpty } from "../lib/props";
import { eachContainer, eachPod, podAnnotations } from "./common";

const family = "kubernetes" as const;
const kind = "resource" as const;

export const noPrivilegedContainers: PlatformResourceRule = {
    kind,
    family,
    name: "no-privileged-containers",
    description: "Containers must not run privileged: a privileged container has every capability and the host's devices.",
    severity: "critical",
    remediation: "Remove securityContext.privileged (or set it to false); grant a single capability instead if one is truly needed.",
    defaultEnforcement: enforcement.core,
    validateResource: (args, reportViolation) => {
        eachContainer(args, ({ where, securityContext }) => {
            if (securityContext?.privileged === true) reportViolation(`${where}: securityContext.privileged is true`);
        });
    },
};

export const noHostNamespaces: PlatformResourceRule = {
    kind,
    family,
    name: "no-host-namespaces",
    description: "Pods must not share the host's network, PID or IPC namespace (hostNetwork, hostPID, hostIPC).",
    severity: "critical",
    remediation: "Remove hostNetwork, hostPID and hostIPC from the pod spec (or set them to false); expose ports through a Service.",
    defaultEnforcement: enforcement.core,
    validateResource: (args, reportViolation) => {
        eachPod(args, ({ found, where }) => {
            for (const field of ["hostNetwork", "hostPID", "hostIPC"] as const) {
                if (found.spec[field] === true) reportViolation(`${where}: ${field} is true`);
            }
        });
    },
};

export const noHostPorts: PlatformResourceRule = {
    kind,
    family,
    name: "no-host-ports",
    description: "Containers must not bind host ports (ports[].hostPort other than 0): they bypass network policies and pin pods to nodes.",
    severity: "high",
    remediation: "Remove ports[].hostPort; reach the container through a Service.",
    defaultEnforcement: enforcement.core,
    validateResource: (args, reportViolation) => {
        eachContainer(args, ({ where, container }) => {
            listAt(container.container, "ports").forEach((port, i) => {
                const hostPort = at(port, "hostPort");
                if (typeof hostPort === "number" && hostPort !== 0) reportViolation(`${where}: ports[${i}].hostPort is ${hostPort}`);
            });
        });
    },
};

export const noHostPathVolumes: PlatformResourceRule = {
    kind,
    family,
    name: "no-host-path-volumes",
    description: "Pods must not mount hostPath volumes: they expose the node's filesystem to the container.",
    severity: "critical",
    remediation: "Replace the hostPath volume with an emptyDir, a persistentVolumeClaim, a configMap or a secret.",
    defaultEnforcement: enforcement.core,
    validateResource: (args, reportViolation) => {
        eachPod(args, ({ found, where }) => {
            listAt(found.spec, "volumes").forEach((volume, i) => {
                const hostPath = at(volume, "hostPath");
                if (hostPath !== undefined && hostPath !== null) reportViolation(`${where}: volumes[${i}]${volumeName(volume)} is a hostPath volume`);
            });
        });
    },
};

/** Volume sources the Pod Security "restricted" profile allows. */
export const allowedVolumeTypes = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"] as const;

export const restrictedVolumeTypes: PlatformResourceRule = {
    kind,
    family,
    name: "restricted-volume-types",
    description:
        `Pod volumes must use only the sources the Pod Security "restricted" profile allows: ${allowedVolumeTypes.join(", ")}. ` +
        "Mandatory in prod, advisory elsewhere. A volume entry that is not an object (unknown at preview) is skipped.",
    severity: "medium",
    remediation: `Use one of ${allowedVolumeTypes.join(", ")}; for other storage, go through a PersistentVolumeClaim (or a CSI driver).`,
    defaultEnforcement: enforcement.prodOnly,
    validateResource: (args, reportViolation) => {
        const allowed = new Set<string>(allowedVolumeTypes);
        eachPod(args, ({ found, where }) => {
            listAt(found.spec, "volumes").forEach((volume, i) => {
                const v = objectOrEmpty(volume);
                if (!v) return;
                const sources = Object.keys(v).filter((key) => key !== "name" && v[key] !== undefined && v[key] !== null);
                for (const source of sources.filter((s) => !allowed.has(s))) {
                    reportViolation(`${where}: volumes[${i}]${volumeName(volume)} uses volume type ${source}, which is not allowed`);
                }
            });
        });
    },
};

/** The capabilities a restricted container may add. */
export const addableCapabilities = ["NET_BIND_SERVICE"] as const;

export const capabilitiesDropAll: PlatformResourceRule = {
    kind,
    family,
    name: "capabilities-drop-all",
    description:
        "Containers must drop ALL capabilities (securityContext.capabilities.drop contains ALL) and may add back only NET_BIND_SERVICE. " +
        "A securityContext or capabilities that is not an object (unknown at preview) is skipped.",
    severity: "high",
    remediation: 'Set securityContext.capabilities to { drop: ["ALL"] }, adding only "NET_BIND_SERVICE" if the container binds a port below 1024.',
    defaultEnforcement: enforcement.core,
    validateResource: (args, reportViolation) => {
        eachContainer(args, ({ where, securityContext }) => {
            const capabilities = objectOrEmpty(securityContext?.capabilities);
            if (!securityContext || !capabilities) return;
            const drop = capabilities.drop;
            if (drop === undefined || drop === null) reportViolation(`${where}: securityContext.capabilities.drop is missing; it must contain ALL`);
            else if (Array.isArray(drop) && !drop.includes("ALL")) reportViolation(`${where}: securityContext.capabilities.drop does not contain ALL`);
            for (const added of listAt(capabilities, "add")) {
                if (typeof added === "string" && !(addableCapabilities as readonly string[]).includes(added)) {
                    reportViolation(`${where}: securityContext.capabilities.add contains ${added}; only NET_BIND_SERVICE may be added`);
                }
            }
        });
    },
};

export const noPrivilegeEscalation: PlatformResourceRule = {
    kind,
    family,
    name: "no-privilege-escalation",
    description:
        "Containers must set securityContext.allowPrivilegeEscalation to false; unset means allowed. " +
        "A securityContext that is not an object, or a non-boolean value (unknown at preview), is skipped.",
    severity: "high",
    remediation: "Set securityContext.allowPrivilegeEscalation: false on every container.",
    defaultEnforcement: enforcement.core,
    validateResource: (args, reportViolation) => {
        eachContainer(args, ({ where, securityContext }) => {
            if (!securityContext) return;
            const value = securityContext.allowPrivilegeEscalation;
            if (value === undefined || value === null) reportViolation(`${where}: securityContext.allowPrivilegeEscalation is not set; it must be false`);
            else if (value === true) reportViolation(`${where}: securityContext.allowPrivilegeEscalation is true; it must be false`);
        });
    },
};

export const runAsNonRoot: PlatformResourceRule = {
    kind,
    family,
    name: "run-as-non-root",
    description:
        "Containers must run as non-root: runAsNonRoot true and runAsUser not 0, each taken from the container's securityContext " +
        "or, when the container does not set it, the pod's. A securityContext that is not an object (unknown at preview) is skipped " +
        "when the answer depends on it.",
    severity: "high",
    remediation: "Set securityContext.runAsNonRoot: true and a non-zero runAsUser on the pod (or every container); the Spark images use UID 185.",
    defaultEnforcement: enforcement.core,
    validateResource: (args, reportViolation) => {
        eachContainer(args, ({ where, securityContext, podSecurityContext }) => {
            if (!securityContext) return;
            const effective = (field: string): { value: unknown; from: string } | undefined => {
                if (securityContext[field] !== undefined && securityContext[field] !== null) return { value: securityContext[field], from: "container" };
                if (!podSecurityContext) return undefined;
                return { value: podSecurityContext[field], from: "pod" };
            };
            const nonRoot = effective("runAsNonRoot");
            if (nonRoot && (nonRoot.value === false || nonRoot.value === undefined || nonRoot.value === null)) {
                reportViolation(
                    nonRoot.value === false
                        ? `${where}: ${nonRoot.from} securityContext.runAsNonRoot is false; it must be true`
                        : `${where}: securityContext.runAsNonRoot is set on neither the container nor the pod; it must be true`,
                );
            }
            const user = effective("runAsUser");
            if (user && user.value === 0) reportViolation(`${where}: ${user.from} securityContext.runAsUser is 0 (root)`);
        });
    },
};

const allowedSeccomp = ["RuntimeDefault", "Localhost"];

export const seccompProfile: PlatformResourceRule = {
    kind,
    family,
    name: "seccomp-profile",
    description:
        "Containers must run under a seccomp profile of type RuntimeDefault or Localhost, set on the container's securityContext " +
        "or, when the container does not set one, the pod's. Unconfined or unset is a violation; a securityContext or profile " +
        "that is not an object (unknown at preview) is skipped.",
    severity: "high",
    remediation: "Set securityContext.seccompProfile: { type: RuntimeDefault } on the pod (or every container).",
    defaultEnforcement: enforcement.core,
    validateResource: (args, reportViolation) => {
        eachContainer(args, ({ where, securityContext, podSecurityContext }) => {
            const own = objectOrEmpty(securityContext?.seccompProfile);
            if (!securityContext || !own) return;
            let type = own.type;
            let from = "container";
            if (type === undefined || type === null) {
                const pod = objectOrEmpty(podSecurityContext?.seccompProfile);
                if (!podSecurityContext || !pod) return;
                type = pod.type;
                from = "pod";
            }
            if (type === undefined || type === null) reportViolation(`${where}: securityContext.seccompProfile.type is set on neither the container nor the pod; use RuntimeDefault`);
            else if (typeof type === "string" && !allowedSeccomp.includes(type)) {
                reportViolation(`${where}: ${from} securityContext.seccompProfile.type is ${type}; use RuntimeDefault or Localhost`);
            }
        });
    },
};

/**
 * Sysctls the Pod Security "baseline" profile allows (Kubernetes 1.33): namespaced and isolated
 * from the node.
 */
export const safeSysctls = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
] as const;

export const allowedSeLinuxTypes = ["container_t", "container_init_t", "container_kvm_t"] as const;

const appArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/";
const allowedAppArmorProfileTypes = ["RuntimeDefault", "Localhost"];
const appArmorAnnotationAllowed = (value: string) => value === "runtime/default" || value.startsWith("localhost/");
const unset = (v: unknown) => v === undefined || v === null || v === "";

/** The SELinux and AppArmor problems of one securityContext (pod or container level). */
function securityContextExtras(sc: Record<string, unknown>, label: string): string[] {
    const problems: string[] = [];
    const seLinux = objectOrEmpty(sc.seLinuxOptions);
    if (seLinux) {
        if (typeof seLinux.type === "string" && seLinux.type !== "" && !(allowedSeLinuxTypes as readonly string[]).includes(seLinux.type)) {
            problems.push(`${label} securityContext.seLinuxOptions.type is ${seLinux.type}; only ${allowedSeLinuxTypes.join(", ")} are allowed`);
        }
        for (const field of ["user", "role"]) {
            if (!unset(seLinux[field])) problems.push(`${label} securityContext.seLinuxOptions.${field} is set; it must be left empty`);
        }
    }
    const appArmor = objectOrEmpty(sc.appArmorProfile);
    if (appArmor && typeof appArmor.type === "string" && !allowedAppArmorProfileTypes.includes(appArmor.type)) {
        problems.push(`${label} securityContext.appArmorProfile.type is ${appArmor.type}; use RuntimeDefault or Localhost`);
    }
    return problems;
}

export const podSecurityBaselineExtras: PlatformResourceRule = {
    kind,
    family,
    name: "pod-security-baseline-extras",
    description:
        'The rest of the Pod Security "baseline" profile: procMount only Default; sysctls only from the safe list ' +
        `(${safeSysctls.join(", ")}); AppArmor only runtime/default or localhost/* (the ${appArmorAnnotationPrefix}<container> ` +
        "annotation) and RuntimeDefault or Localhost (securityContext.appArmorProfile); SELinux type only " +
        `${allowedSeLinuxTypes.join(", ")}, and no SELinux user or role. Values that are not readable (unknown at preview) are skipped.`,
    severity: "high",
    remediation:
        "Remove procMount (or set Default), unsafe sysctls, Unconfined AppArmor profiles and custom SELinux types, users and roles; " +
        "the container runtime's defaults are what the baseline profile expects.",
    defaultEnforcement: enforcement.core,
    validateResource: (args, reportViolation) => {
        eachPod(args, ({ found, where }) => {
            const podSc = objectOrEmpty(found.spec.securityContext);
            if (podSc) {
                listAt(podSc, "sysctls").forEach((sysctl, i) => {
                    const name = at(sysctl, "name");
                    if (typeof name === "string" && !(safeSysctls as readonly string[]).includes(name)) {
                        reportViolation(`${where}: securityContext.sysctls[${i}] ${name} is not in the baseline safe list`);
                    }
                });
                for (const problem of securityContextExtras(podSc, "pod")) reportViolation(`${where}: ${problem}`);
            }
            for (const [key, value] of Object.entries(podAnnotations(args, found))) {
                if (key.startsWith(appArmorAnnotationPrefix) && typeof value === "string" && !appArmorAnnotationAllowed(value)) {
                    reportViolation(`${where}: annotation ${key} is ${value}; use runtime/default or localhost/<profile>`);
                }
            }
        });
        eachContainer(args, ({ where, securityContext }) => {
            if (!securityContext) return;
            const procMount = securityContext.procMount;
            if (typeof procMount === "string" && procMount !== "Default") reportViolation(`${where}: securityContext.procMount is ${procMount}; only Default is allowed`);
            for (const problem of securityContextExtras(securityContext, "container")) reportViolation(`${where}: ${problem}`);
        });
    },
};

function volumeName(volume: unknown): string {
    const name = at(volume, "name");
    return typeof name === "string" ? ` (${name})` : "";
}

export const podSecurityRules: PlatformResourceRule[] = [
    noPrivilegedContainers,
    noHostNamespaces,
    noHostPorts,
    noHostPathVolumes,
    restrictedVolumeTypes,
    capabilitiesDropAll,
    noPrivilegeEscalation,
    runAsNonRoot,
    seccompProfile,
    podSecurityBaselineExtras,
];
