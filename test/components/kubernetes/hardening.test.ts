import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import {
    ContainerSpec,
    hardenPodSpec,
    PodSpecInput,
    restrictedContainerSecurityContext,
    restrictedPodSecurityContext,
} from "../../../components/kubernetes/hardening";
import { onDriverNodes, onExecutorNodes, onSystemNodes } from "../../../components/kubernetes/scheduling";
import { validateK8sObject } from "../../support/k8sSchema";

type PodSpec = k8s.types.output.core.v1.PodSpec;
type Container = k8s.types.output.core.v1.Container;

const sparkImage = "apache/spark:3.5.3-scala2.12-java17-python3-ubuntu";

function container(overrides: Partial<ContainerSpec> = {}): ContainerSpec {
    return { name: "app", image: sparkImage, resources: { requests: { cpu: "500m", memory: "1Gi" } }, ...overrides };
}

const httpProbe = { httpGet: { path: "/healthz", port: 8080 } };

/** The hardened spec read as plain values. */
function harden(input: PodSpecInput): PodSpec {
    return hardenPodSpec(input) as unknown as PodSpec;
}

function allContainers(spec: PodSpec): Container[] {
    return [...(spec.initContainers ?? []), ...spec.containers];
}

/** The message hardenPodSpec throws for an input, failing the test when it does not throw. */
function problemsOf(input: PodSpecInput): string {
    try {
        hardenPodSpec(input);
    } catch (e) {
        return (e as Error).message;
    }
    assert.fail("hardenPodSpec accepted an input it should refuse");
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

describe("hardenPodSpec: restricted settings", () => {
    const spec = harden({
        containers: [container(), container({ name: "sidecar", readOnlyRootFilesystem: false })],
        initContainers: [container({ name: "init" })],
    });

    it("gives every container and init container the restricted security context", () => {
        const all = allContainers(spec);
        assert.equal(all.length, 3);
        for (const c of all) {
            const sc = c.securityContext;
            assert.equal(sc.allowPrivilegeEscalation, false, `${c.name}: allowPrivilegeEscalation`);
            assert.equal(sc.privileged, false, `${c.name}: privileged`);
            assert.deepEqual(sc.capabilities, { drop: ["ALL"] }, `${c.name}: capabilities`);
            assert.equal(sc.runAsNonRoot, true, `${c.name}: runAsNonRoot`);
            assert.equal(typeof sc.readOnlyRootFilesystem, "boolean", `${c.name}: readOnlyRootFilesystem`);
        }
    });

    it("makes the root filesystem read-only unless a container opts out", () => {
        const byName = Object.fromEntries(allContainers(spec).map((c) => [c.name, c.securityContext.readOnlyRootFilesystem]));
        assert.deepEqual(byName, { init: true, app: true, sidecar: false });
    });

    it("runs the pod as the non-root spark user with seccomp RuntimeDefault and no API token", () => {
        assert.deepEqual(spec.securityContext, {
            runAsNonRoot: true,
            runAsUser: 185,
            runAsGroup: 185,
            fsGroup: 185,
            fsGroupChangePolicy: "OnRootMismatch",
            seccompProfile: { type: "RuntimeDefault" },
        });
        assert.equal(spec.automountServiceAccountToken, false);
        assert.equal(spec.enableServiceLinks, false);
    });

    it("takes the caller's UID, GID, fsGroup and token choice", () => {
        const postgres = harden({ containers: [container({ name: "postgres" })], runAsUser: 999, automountServiceAccountToken: true });
        assert.deepEqual([postgres.securityContext.runAsUser, postgres.securityContext.runAsGroup, postgres.securityContext.fsGroup], [999, 999, 999]);
        assert.equal(postgres.automountServiceAccountToken, true);
        const split = harden({ containers: [container()], runAsUser: 1000, runAsGroup: 2000, fsGroup: 3000 });
        assert.deepEqual([split.securityContext.runAsUser, split.securityContext.runAsGroup, split.securityContext.fsGroup], [1000, 2000, 3000]);
    });

    it("passes scheduling and pod fields through", () => {
        const placed = harden({
            containers: [container()],
            ...onExecutorNodes(),
            serviceAccountName: "spark-driver",
            priorityClassName: "spark-executor",
            terminationGracePeriodSeconds: 30,
            restartPolicy: "Never",
        });
        assert.deepEqual(placed.nodeSelector, onExecutorNodes().nodeSelector);
        assert.deepEqual(placed.tolerations, onExecutorNodes().tolerations);
        assert.equal(placed.serviceAccountName, "spark-driver");
        assert.equal(placed.priorityClassName, "spark-executor");
        assert.equal(placed.terminationGracePeriodSeconds, 30);
        assert.equal(placed.restartPolicy, "Never");
    });

    it("does not change its input", () => {
        const input: PodSpecInput = { containers: [container({ writablePaths: ["/data"], resources: { requests: { cpu: "1", memory: "2Gi" } } })] };
        const before = JSON.stringify(input);
        hardenPodSpec(input);
        assert.equal(JSON.stringify(input), before);
    });
});

describe("hardenPodSpec: resources", () => {
    it("sets the memory limit to the memory request and no CPU limit when no limits are given", () => {
        const [c] = harden({ containers: [container()] }).containers;
        assert.deepEqual(c.resources, { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "1Gi" } });
    });

    it("keeps given limits, the CPU limit only when asked, and extended resources", () => {
        const [c] = harden({
            containers: [container({ resources: { requests: { cpu: "1", memory: "2Gi", "ephemeral-storage": "1Gi" }, limits: { cpu: "2", "nvidia.com/gpu": "1" } } })],
        }).containers;
        assert.deepEqual(c.resources, {
            requests: { cpu: "1", memory: "2Gi", "ephemeral-storage": "1Gi" },
            limits: { cpu: "2", memory: "2Gi", "nvidia.com/gpu": "1" },
        });
        const [withMemory] = harden({ containers: [container({ resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "3Gi" } } })] }).containers;
        assert.deepEqual(withMemory.resources.limits, { memory: "3Gi" });
    });

    it("gives every container, init containers too, requests and a memory limit", () => {
        const spec = harden({ containers: [container(), container({ name: "b" })], initContainers: [container({ name: "init" })] });
        for (const c of allContainers(spec)) {
            assert.ok(c.resources.requests.cpu && c.resources.requests.memory, `${c.name}: requests`);
            assert.ok(c.resources.limits.memory, `${c.name}: memory limit`);
        }
    });
});

describe("hardenPodSpec: writable paths", () => {
    function mountsOf(c: Container): Record<string, string> {
        return Object.fromEntries((c.volumeMounts ?? []).map((m) => [m.mountPath, m.name]));
    }

    it("turns each writable path into an emptyDir mounted there, with /tmp by default", () => {
        const spec = harden({ containers: [container({ writablePaths: ["/opt/spark/work-dir"] })] });
        const mounts = mountsOf(spec.containers[0]);
        assert.deepEqual(Object.keys(mounts).sort(), ["/opt/spark/work-dir", "/tmp"]);
        for (const [path, name] of Object.entries(mounts)) {
            const volume = spec.volumes.find((v) => v.name === name);
            assert.ok(volume, `no volume for ${path}`);
            assert.deepEqual(volume.emptyDir, {}, `${path} is not an emptyDir`);
            assert.match(name, dnsLabel);
        }
        assert.equal(mounts["/opt/spark/work-dir"], "writable-opt-spark-work-dir");
        assert.equal(mounts["/tmp"], "writable-tmp");
    });

    it("derives the same valid names every time, also for long and clashing paths", () => {
        const input: PodSpecInput = {
            containers: [container({ writablePaths: [`/var/lib/${"very-long-directory-name/".repeat(4)}cache`, "/data/a_b", "/data/a-b"] })],
        };
        const first = harden(input);
        assert.deepEqual(harden(input), first);
        const names = first.volumes.map((v) => v.name);
        assert.equal(new Set(names).size, names.length, `duplicate volume names: ${names.join(", ")}`);
        for (const name of names) assert.ok(name.length <= 63 && dnsLabel.test(name), `${name} is not a DNS-1123 label`);
    });

    it("shares one emptyDir between containers writing the same path", () => {
        const spec = harden({ containers: [container({ writablePaths: ["/shared"] }), container({ name: "b", writablePaths: ["/shared"] })] });
        assert.deepEqual(spec.volumes.map((v) => v.name).sort(), ["writable-shared", "writable-tmp"]);
        assert.equal(mountsOf(spec.containers[0])["/shared"], mountsOf(spec.containers[1])["/shared"]);
    });

    it("adds no /tmp when the root is writable, /tmp is listed, or a volume is mounted there", () => {
        assert.deepEqual(harden({ containers: [container({ readOnlyRootFilesystem: false })] }).volumes, []);
        assert.deepEqual(harden({ containers: [container({ writablePaths: ["/tmp/"] })] }).volumes.map((v) => v.name), ["writable-tmp"]);
        const own = harden({ containers: [container({ volumeMounts: [{ name: "scratch", mountPath: "/tmp" }] })], volumes: [{ name: "scratch", emptyDir: { medium: "Memory" } }] });
        assert.deepEqual(own.volumes.map((v) => v.name), ["scratch"]);
        assert.deepEqual(mountsOf(own.containers[0]), { "/tmp": "scratch" });
    });
});

describe("hardenPodSpec: validation", () => {
    it("refuses unpinned images, naming the container and field", () => {
        for (const image of ["apache/spark", "apache/spark:latest", "registry.example.com:5000/spark", "spark@sha256:abc"]) {
            const message = problemsOf({ containers: [container({ image })] });
            assert.match(message, /container "app": image .* is not pinned/, image);
        }
        assert.match(problemsOf({ containers: [container()], initContainers: [container({ name: "init", image: "busybox" })] }), /initContainer "init": image "busybox" is not pinned/);
    });

    it("refuses runAsUser 0 on the pod and on a container", () => {
        assert.match(problemsOf({ containers: [container()], runAsUser: 0 }), /pod: runAsUser is 0/);
        assert.match(problemsOf({ containers: [container()], runAsGroup: 0 }), /pod: runAsGroup is 0/);
        assert.match(problemsOf({ containers: [container({ runAsUser: 0 })] }), /container "app": runAsUser is 0/);
    });

    it("refuses missing CPU and memory requests", () => {
        const noCpu = container({ resources: { requests: { memory: "1Gi" } } as unknown as ContainerSpec["resources"] });
        assert.match(problemsOf({ containers: [noCpu] }), /container "app": resources\.requests\.cpu is missing/);
        const noMemory = container({ resources: { requests: { cpu: "1" } } as unknown as ContainerSpec["resources"] });
        assert.match(problemsOf({ containers: [noMemory] }), /container "app": resources\.requests\.memory is missing/);
        const noResources = { name: "bare", image: sparkImage } as unknown as ContainerSpec;
        assert.match(problemsOf({ containers: [noResources] }), /container "bare": resources\.requests\.cpu is missing/);
        assert.match(problemsOf({ containers: [container({ resources: { requests: { cpu: "0", memory: "lots" } } })] }), /requests\.cpu "0" is not a positive.*\n.*requests\.memory "lots"/);
        assert.match(problemsOf({ containers: [container({ resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "1Gi" } } })] }), /limits\.memory 1Gi is below the request 2Gi/);
    });

    it("refuses a server whose containers lack readiness or liveness probes", () => {
        const message = problemsOf({ server: true, containers: [container({ probes: { liveness: httpProbe } }), container({ name: "web", probes: { readiness: httpProbe } })] });
        assert.match(message, /container "app": probes\.readiness is required/);
        assert.match(message, /container "web": probes\.liveness is required/);
        assert.doesNotMatch(message, /container "app": probes\.liveness/);
        const probed = harden({ server: true, containers: [container({ probes: { liveness: httpProbe, readiness: httpProbe } })], initContainers: [container({ name: "init" })] });
        assert.deepEqual(probed.containers[0].readinessProbe, httpProbe);
        assert.doesNotThrow(() => hardenPodSpec({ containers: [container()] }), "a job needs no probes");
    });

    it("refuses duplicate container names, across init containers too", () => {
        assert.match(problemsOf({ containers: [container(), container()] }), /container "app": name is used by more than one/);
        assert.match(problemsOf({ containers: [container()], initContainers: [container()] }), /container "app": name is used by more than one/);
    });

    it("refuses privileged containers anywhere", () => {
        assert.match(problemsOf({ containers: [container({ privileged: true })] }), /container "app": privileged is not allowed/);
        assert.match(problemsOf({ containers: [container()], initContainers: [container({ name: "init", privileged: true })] }), /initContainer "init": privileged is not allowed/);
    });

    it("refuses hostPath volumes", () => {
        assert.match(problemsOf({ containers: [container()], volumes: [{ name: "docker", hostPath: { path: "/var/run/docker.sock" } }] }), /volume "docker": hostPath volumes are not allowed/);
    });

    it("refuses host namespaces", () => {
        assert.match(problemsOf({ containers: [container()], hostNetwork: true }), /pod: hostNetwork is not allowed/);
        assert.match(problemsOf({ containers: [container()], hostPID: true }), /pod: hostPID is not allowed/);
        assert.match(problemsOf({ containers: [container()], hostIPC: true }), /pod: hostIPC is not allowed/);
    });

    it("refuses clashing mounts and volume names, and relative writable paths", () => {
        assert.match(problemsOf({ containers: [container({ writablePaths: ["/data"], volumeMounts: [{ name: "data", mountPath: "/data" }] })], volumes: [{ name: "data", emptyDir: {} }] }), /container "app": mountPath \/data is mounted more than once/);
        assert.match(problemsOf({ containers: [container()], volumes: [{ name: "writable-tmp", emptyDir: {} }] }), /volume "writable-tmp": name is used by more than one volume/);
        assert.match(problemsOf({ containers: [container({ writablePaths: ["cache"] })] }), /container "app": writablePaths entry "cache" is not an absolute path/);
    });

    it("reports every problem at once", () => {
        const message = problemsOf({
            server: true,
            runAsUser: 0,
            hostNetwork: true,
            volumes: [{ name: "host", hostPath: { path: "/" } }],
            containers: [
                container({ image: "apache/spark:latest", privileged: true }),
                container({ name: "web", resources: { requests: { memory: "1Gi" } } as unknown as ContainerSpec["resources"] }),
            ],
        });
        const expected = [
            /pod: runAsUser is 0/,
            /pod: hostNetwork is not allowed/,
            /container "app": image "apache\/spark:latest" is not pinned/,
            /container "app": privileged is not allowed/,
            /container "app": probes\.liveness is required/,
            /container "web": resources\.requests\.cpu is missing/,
            /container "web": probes\.readiness is required/,
            /volume "host": hostPath volumes are not allowed/,
        ];
        for (const re of expected) assert.match(message, re);
        assert.equal(message.split("\n  - ").length - 1, 10, message);
    });
});

describe("security contexts for chart values", () => {
    it("match what hardenPodSpec writes", () => {
        const spec = harden({ containers: [container()], runAsUser: 1000 });
        assert.deepEqual(spec.containers[0].securityContext, { ...restrictedContainerSecurityContext });
        assert.deepEqual(spec.securityContext, restrictedPodSecurityContext(1000));
    });

    it("are restricted, frozen, and refuse root", () => {
        assert.deepEqual(restrictedContainerSecurityContext, {
            allowPrivilegeEscalation: false,
            privileged: false,
            capabilities: { drop: ["ALL"] },
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            seccompProfile: { type: "RuntimeDefault" },
        });
        assert.ok(Object.isFrozen(restrictedContainerSecurityContext) && Object.isFrozen(restrictedContainerSecurityContext.capabilities.drop));
        assert.deepEqual(restrictedPodSecurityContext(999, 1001), {
            runAsNonRoot: true,
            runAsUser: 999,
            runAsGroup: 999,
            fsGroup: 1001,
            fsGroupChangePolicy: "OnRootMismatch",
            seccompProfile: { type: "RuntimeDefault" },
        });
        assert.throws(() => restrictedPodSecurityContext(0), /runAsUser is 0/);
    });
});

describe("hardened workloads against the Kubernetes OpenAPI schema", () => {
    const labels = { app: "demo" };
    const metadata = { name: "demo", namespace: "spark-jobs", labels };
    const serverSpec = () =>
        hardenPodSpec({
            server: true,
            ...onSystemNodes(),
            containers: [container({ ports: [{ name: "http", containerPort: 8080 }], probes: { liveness: httpProbe, readiness: httpProbe }, writablePaths: ["/opt/spark/work-dir"] })],
            initContainers: [container({ name: "wait", command: ["sh", "-c", "true"] })],
        });
    const jobSpec = () => hardenPodSpec({ ...onDriverNodes(), restartPolicy: "Never", containers: [container({ args: ["spark-submit", "--version"] })] });

    const workloads: Record<string, unknown> = {
        Deployment: { apiVersion: "apps/v1", kind: "Deployment", metadata, spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: serverSpec() } } },
        StatefulSet: { apiVersion: "apps/v1", kind: "StatefulSet", metadata, spec: { serviceName: "demo", replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: serverSpec() } } },
        Job: { apiVersion: "batch/v1", kind: "Job", metadata, spec: { backoffLimit: 2, template: { metadata: { labels }, spec: jobSpec() } } },
        CronJob: { apiVersion: "batch/v1", kind: "CronJob", metadata, spec: { schedule: "0 3 * * *", jobTemplate: { spec: { template: { metadata: { labels }, spec: jobSpec() } } } } },
        "executor pod template": { apiVersion: "v1", kind: "Pod", metadata: { name: "executor-template", labels }, spec: hardenPodSpec({ ...onExecutorNodes(), containers: [container({ name: "spark-kubernetes-executor" })] }) },
    };

    for (const [kind, workload] of Object.entries(workloads)) {
        it(`a hardened ${kind} validates`, () => assert.deepEqual(validateK8sObject(workload), []));
    }

    it("the check is live: the same Deployment with a broken hardened field fails", () => {
        const broken = JSON.parse(JSON.stringify(workloads.Deployment)) as { spec: { template: { spec: { containers: { securityContext: Record<string, unknown> }[] } } } };
        broken.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = "no";
        assert.deepEqual(validateK8sObject(broken), ["/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation must be boolean"]);
    });
});
