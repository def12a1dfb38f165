/**
 * The data services together: in-cluster PostgreSQL, the database init Job, the Hive Metastore and
 * MinIO, built under the recording mocks (test/support/dataServices.ts) with fake credentials whose
 * passwords carry a marker, so a password in plain text anywhere is caught. What each service
 * does on its own is tested beside it (postgres, databaseInit, metastore and minio .test.ts).
 */
import { strict as assert } from "assert";
import { nodeRoleLabel } from "../../../components/config/nodeRoles";
import { serviceEndpoints } from "../../../components/config/names";
import { isPinnedImage } from "../../../components/config/imageRef";
import { inputsHashAnnotation } from "../../../components/kubernetes/rollout";
import { isSecretValue, maskSecrets, RecordedResource } from "../../../tools/harness";
import { validateK8sObject } from "../../support/k8sSchema";
import { inputs, marker, of, podSpecOf, recordBoth, T, unwrap, workloadTypes } from "../../support/dataServices";

describe("data services under mocks", () => {
    let local: RecordedResource[];
    let aws: RecordedResource[];
    before(async () => ({ local, aws } = await recordBoth()));

    it("are components of type spark-k8s:services:<Name> whose children are parented to them", () => {
        for (const [resources, names] of [[local, ["InClusterPostgres", "DatabaseInit", "Minio", "HiveMetastore"]], [aws, ["DatabaseInit", "HiveMetastore"]]] as const) {
            const components = resources.filter((r) => !r.custom);
            assert.deepEqual(components.map((c) => c.type).sort(), names.map((n) => `spark-k8s:services:${n}`).sort());
            for (const r of resources.filter((x) => x.custom)) assert.ok(components.some((c) => c.urn === r.parent), `${r.type} ${r.name} has no component parent`);
        }
    });

    it("every pod spec is hardened: restricted contexts, requests and memory limits, pinned images, probes on servers", () => {
        for (const resources of [local, aws]) {
            const workloads = resources.filter((r) => workloadTypes.includes(r.type));
            assert.equal(workloads.length, resources === local ? 6 : 3);
            for (const w of workloads) {
                const spec = podSpecOf(w);
                const where = `${w.type} ${w.name}`;
                assert.equal(spec.securityContext?.runAsNonRoot, true, where);
                assert.ok(typeof spec.securityContext?.runAsUser === "number" && spec.securityContext.runAsUser > 0, where);
                assert.deepEqual(spec.securityContext?.seccompProfile, { type: "RuntimeDefault" }, where);
                assert.equal(spec.automountServiceAccountToken, false, where);
                for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
                    const at = `${where} container ${c.name}`;
                    assert.ok(isPinnedImage(c.image), `${at}: image ${c.image}`);
                    assert.deepEqual(c.securityContext, {
                        allowPrivilegeEscalation: false,
                        privileged: false,
                        capabilities: { drop: ["ALL"] },
                        readOnlyRootFilesystem: true,
                        runAsNonRoot: true,
                        seccompProfile: { type: "RuntimeDefault" },
                    }, at);
                    assert.ok(c.resources?.requests?.cpu && c.resources.requests.memory, `${at}: requests`);
                    assert.ok(c.resources?.limits?.memory, `${at}: memory limit`);
                    if (w.type === T.job) assert.equal(spec.restartPolicy, "Never", at);
                    else assert.ok(c.livenessProbe && c.readinessProbe, `${at}: probes`);
                }
            }
        }
    });

    it("Kubernetes objects validate against the API schema", () => {
        for (const r of [...local, ...aws].filter((x) => x.type.startsWith("kubernetes:"))) {
            assert.deepEqual(validateK8sObject(unwrap(r.inputs)), [], `${r.type} ${r.name}`);
        }
    });

    it("no recorded input holds a generated password in plain text", () => {
        for (const r of [...local, ...aws]) {
            const text = JSON.stringify(maskSecrets(r.inputs));
            assert.ok(!text.includes(marker), `${r.type} ${r.name} shows a password: ${text.slice(text.indexOf(marker) - 80, text.indexOf(marker) + 40)}`);
        }
        // The marker is there once unmasked: the search above is not vacuous.
        assert.ok(of(local, T.secret).some((s) => JSON.stringify(unwrap(s.inputs)).includes(marker)));
    });

    it("Secrets carry their values as Pulumi secrets, and containers reach them through secretKeyRef", () => {
        for (const resources of [local, aws]) {
            const secrets = new Map(of(resources, T.secret).map((s) => [inputs<{ metadata: { name: string } }>(s).metadata.name, s]));
            assert.ok(secrets.size >= 2);
            for (const s of secrets.values()) assert.ok(isSecretValue(s.inputs.stringData), `${s.name}: stringData is not secret-wrapped`);
            for (const w of resources.filter((r) => workloadTypes.includes(r.type))) {
                for (const c of podSpecOf(w).containers) {
                    for (const e of c.env ?? []) {
                        if (/PASSWORD|SECRET/.test(e.name)) assert.ok(e.valueFrom?.secretKeyRef && e.value === undefined, `${w.name}/${c.name}: ${e.name} is not from a Secret`);
                        const ref = e.valueFrom?.secretKeyRef;
                        if (!ref) continue;
                        const secret = secrets.get(ref.name);
                        assert.ok(secret, `${w.name}/${c.name}: ${e.name} refers to a missing Secret ${ref.name}`);
                        const data = unwrap(secret.inputs.stringData) as Record<string, string>;
                        assert.ok(ref.key in data, `${w.name}/${c.name}: ${e.name} refers to missing key ${ref.key}`);
                    }
                }
            }
        }
    });

    it("Services expose the ports of serviceEndpoints", () => {
        const ports = (resources: RecordedResource[], name: string) => {
            const svc = of(resources, T.service).map((s) => inputs<{ metadata: { name: string }; spec: { clusterIP?: string; ports: { name: string; port: number }[] } }>(s)).find((s) => s.metadata.name === name);
            assert.ok(svc, `no Service ${name}`);
            return { clusterIP: svc.spec.clusterIP, ports: Object.fromEntries(svc.spec.ports.map((p) => [p.name, p.port])) };
        };
        const e = serviceEndpoints;
        assert.deepEqual(ports(local, e.postgres.name), { clusterIP: undefined, ports: { postgres: e.postgres.port } });
        assert.deepEqual(ports(local, `${e.postgres.name}-headless`), { clusterIP: "None", ports: { postgres: e.postgres.port } });
        assert.deepEqual(ports(local, e.minio.name), { clusterIP: undefined, ports: { api: e.minio.port, console: e.minio.consolePort } });
        assert.deepEqual(ports(local, `${e.minio.name}-headless`).ports, { api: e.minio.port, console: e.minio.consolePort });
        for (const resources of [local, aws]) assert.deepEqual(ports(resources, e.metastore.name), { clusterIP: undefined, ports: { thrift: e.metastore.port } });
    });

    it("every Job is auto-named (so a replacement never clashes), bounded, cleaned up, and re-run after a failure", () => {
        for (const job of [...of(local, T.job), ...of(aws, T.job)]) {
            const j = inputs<{ metadata: { name?: string; annotations?: Record<string, string> }; spec: { backoffLimit?: number; ttlSecondsAfterFinished?: number; activeDeadlineSeconds?: number; template: { metadata: { annotations: Record<string, string> } } } }>(job);
            assert.equal(j.metadata.name, undefined, job.name);
            assert.equal(j.metadata.annotations?.["pulumi.com/replaceUnready"], "true", job.name);
            assert.ok(j.spec.backoffLimit !== undefined && j.spec.backoffLimit <= 6, job.name);
            assert.ok(j.spec.ttlSecondsAfterFinished !== undefined && j.spec.ttlSecondsAfterFinished > 0, job.name);
            assert.ok(j.spec.activeDeadlineSeconds !== undefined, job.name);
            assert.match(j.spec.template.metadata.annotations[inputsHashAnnotation], /^[0-9a-f]{32}$/, job.name);
        }
    });

    it("places pods on the system nodes only where there are node groups", () => {
        for (const w of aws.filter((r) => workloadTypes.includes(r.type))) assert.deepEqual(podSpecOf(w).nodeSelector, { [nodeRoleLabel]: "system" }, w.name);
        for (const w of local.filter((r) => workloadTypes.includes(r.type))) assert.equal(podSpecOf(w).nodeSelector, undefined, w.name);
    });
});
