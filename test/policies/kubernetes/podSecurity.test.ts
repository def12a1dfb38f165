import { strict as assert } from "assert";
import {
    capabilitiesDropAll,
    noHostNamespaces,
    noHostPathVolumes,
    noHostPorts,
    noPrivilegeEscalation,
    podSecurityBaselineExtras,
    restrictedVolumeTypes,
    runAsNonRoot,
    seccompProfile,
} from "../../../policies/kubernetes/podSecurity";
import { violations } from "../../support/policyArgs";
import { deployPodSpec, expectNone, expectOne, goodContainer, goodPodSpec, Obj, sparkApplicationSpec, sparkWrappers, withSecurityContext, wrappers } from "../../support/policies/kubernetes";

describe("policies/kubernetes", () => {
    describe("pod-level and per-rule details", () => {
        const deploy = deployPodSpec;

        it("no-host-namespaces reports hostNetwork, hostPID and hostIPC", async () => {
            const found = await violations(noHostNamespaces, deploy({ hostNetwork: true, hostPID: true, hostIPC: true }));
            assert.deepEqual(found, ["hostNetwork", "hostPID", "hostIPC"].map((f) => `Deployment web spec.template.spec: ${f} is true`));
            await expectNone(noHostNamespaces, deploy({ hostNetwork: false }));
        });

        it("no-host-ports allows hostPort 0", async () => {
            await expectNone(noHostPorts, deploy({ containers: [goodContainer("app", { ports: [{ containerPort: 80, hostPort: 0 }] })] }));
        });

        it("no-host-path-volumes", async () => {
            await expectOne(noHostPathVolumes, deploy({ volumes: [{ name: "docker", hostPath: { path: "/var/run/docker.sock" } }] }), /volumes\[0\] \(docker\) is a hostPath volume/);
            assert.deepEqual(await violations(noHostPathVolumes, sparkWrappers.SparkApplication({ ...sparkApplicationSpec(), volumes: [{ name: "h", hostPath: { path: "/" } }] })), [
                "SparkApplication pi spec.driver: volumes[0] (h) is a hostPath volume",
                "SparkApplication pi spec.executor: volumes[0] (h) is a hostPath volume",
            ]);
        });

        it("restricted-volume-types allows the restricted set and reports others", async () => {
            const allowed = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"].map((t, i) => ({ name: `v${i}`, [t]: {} }));
            await expectNone(restrictedVolumeTypes, deploy({ volumes: allowed }));
            await expectOne(restrictedVolumeTypes, deploy({ volumes: [{ name: "share", nfs: { server: "nfs", path: "/" } }] }), /volumes\[0\] \(share\) uses volume type nfs/);
        });

        it("capabilities-drop-all requires drop ALL and allows adding NET_BIND_SERVICE", async () => {
            const c = (capabilities: unknown) => deploy({ containers: [withSecurityContext({ capabilities })] });
            await expectNone(capabilitiesDropAll, c({ drop: ["ALL"], add: ["NET_BIND_SERVICE"] }));
            await expectOne(capabilitiesDropAll, c(undefined), /capabilities\.drop is missing/);
            await expectOne(capabilitiesDropAll, c({ drop: ["NET_RAW"] }), /capabilities\.drop does not contain ALL/);
        });

        it("no-privilege-escalation requires an explicit false", async () => {
            await expectOne(noPrivilegeEscalation, deploy({ containers: [withSecurityContext({ allowPrivilegeEscalation: undefined })] }), /allowPrivilegeEscalation is not set/);
        });

        it("run-as-non-root reads the pod level and lets the container override it", async () => {
            const podSc = (sc: Obj) => ({ securityContext: sc, initContainers: [] });
            const bare = (sc: Obj = {}) => withSecurityContext({ runAsNonRoot: undefined, ...sc });
            // pod says non-root, container silent: passes
            await expectNone(runAsNonRoot, deploy({ ...podSc({ runAsNonRoot: true, runAsUser: 185 }), containers: [bare()] }));
            // neither says: fails
            await expectOne(runAsNonRoot, deploy({ ...podSc({}), containers: [bare()] }), /runAsNonRoot is set on neither the container nor the pod/);
            // pod root, container overrides with a non-root user: passes
            await expectNone(runAsNonRoot, deploy({ ...podSc({ runAsNonRoot: true, runAsUser: 0 }), containers: [bare({ runAsUser: 1000 })] }));
            // pod root, container silent: fails, naming the pod level
            await expectOne(runAsNonRoot, deploy({ ...podSc({ runAsNonRoot: true, runAsUser: 0 }), containers: [bare()] }), /pod securityContext\.runAsUser is 0/);
            // pod non-root, container overrides to false: fails
            await expectOne(runAsNonRoot, deploy({ ...podSc({ runAsNonRoot: true }), containers: [bare({ runAsNonRoot: false })] }), /container securityContext\.runAsNonRoot is false/);
        });

        it("seccomp-profile takes the pod's profile when the container sets none", async () => {
            const bare = withSecurityContext({ seccompProfile: undefined });
            await expectNone(seccompProfile, deploy({ containers: [bare], initContainers: [] }));
            await expectNone(seccompProfile, deploy({ securityContext: { runAsNonRoot: true, seccompProfile: { type: "Localhost", localhostProfile: "p.json" } }, containers: [bare], initContainers: [] }));
            await expectOne(seccompProfile, deploy({ securityContext: { runAsNonRoot: true }, containers: [bare], initContainers: [] }), /seccompProfile\.type is set on neither/);
            await expectOne(seccompProfile, deploy({ securityContext: { seccompProfile: { type: "Unconfined" } }, containers: [bare], initContainers: [] }), /pod securityContext\.seccompProfile\.type is Unconfined/);
        });

        it("pod-security-baseline-extras: sysctls, AppArmor, SELinux", async () => {
            const podSc = goodPodSpec().securityContext as Obj;
            await expectNone(podSecurityBaselineExtras, deploy({ securityContext: { ...podSc, sysctls: [{ name: "net.ipv4.tcp_keepalive_time", value: "60" }] } }));
            await expectOne(podSecurityBaselineExtras, deploy({ securityContext: { ...podSc, sysctls: [{ name: "kernel.msgmax", value: "1" }] } }), /securityContext\.sysctls\[0\] kernel\.msgmax is not in the baseline safe list/);
            await expectNone(podSecurityBaselineExtras, deploy({}, { annotations: { "container.apparmor.security.beta.kubernetes.io/app": "localhost/spark" } }));
            await expectOne(podSecurityBaselineExtras, deploy({}, { annotations: { "container.apparmor.security.beta.kubernetes.io/app": "unconfined" } }), /annotation container\.apparmor\.security\.beta\.kubernetes\.io\/app is unconfined/);
            await expectOne(
                podSecurityBaselineExtras,
                wrappers.ConfigMap(goodPodSpec(), { annotations: { "container.apparmor.security.beta.kubernetes.io/app": "unconfined" } }),
                /ConfigMap templates data\.executor-pod-template\.yaml\.spec: annotation/,
            );
            await expectOne(podSecurityBaselineExtras, deploy({ containers: [withSecurityContext({ appArmorProfile: { type: "Unconfined" } })] }), /container securityContext\.appArmorProfile\.type is Unconfined/);
            await expectNone(podSecurityBaselineExtras, deploy({ containers: [withSecurityContext({ appArmorProfile: { type: "RuntimeDefault" }, seLinuxOptions: { type: "container_init_t", level: "s0:c1" } })] }));
            await expectOne(podSecurityBaselineExtras, deploy({ securityContext: { ...podSc, seLinuxOptions: { type: "spc_t" } } }), /pod securityContext\.seLinuxOptions\.type is spc_t/);
            await expectOne(podSecurityBaselineExtras, deploy({ containers: [withSecurityContext({ seLinuxOptions: { user: "system_u" } })] }), /seLinuxOptions\.user is set/);
            await expectOne(podSecurityBaselineExtras, deploy({ containers: [withSecurityContext({ seLinuxOptions: { role: "sysadm_r" } })] }), /seLinuxOptions\.role is set/);
            await expectNone(podSecurityBaselineExtras, deploy({ containers: [withSecurityContext({ procMount: "Default" })] }));
        });

    });
});
