import { strict as assert } from "assert";
import type { LimitRange, ResourceQuota } from "kubernetes-models/v1";
import { tierDefaults } from "../../../components/config/defaults";
import { parseQuantity } from "../../../components/kubernetes/quantity";
import { QuotaLoad, quotaLoad, quotaShortfalls, regionPartition, teamAccessEntries, teamGroupName, teamLimitRange, teamResourceQuota, teamSettings, teamWarehouseDir, teamWarehousePrefix } from "../../../components/spark/teams";
import { teamRules } from "../../../components/kubernetes/rbac";
import { mockAccountId } from "../../../tools/harness";
import { RecordedResource, StackRun } from "../../../tools/harness";
import { ofType, stackConfig, stackRun, stackRunWith } from "../../support";
import { validateK8sObject } from "../../support/k8sSchema";

const spark = tierDefaults("prod").spark;

describe("teams", () => {
    describe("access and scope", () => {
        const role = (name: string, account = mockAccountId, partition = "aws") => `arn:${partition}:iam::${account}:role/${name}`;

        it("names a team's group after its namespace unless spark.teams sets one", () => {
            assert.equal(teamGroupName({ teams: {} }, "etl"), "spark-team:etl");
            assert.equal(teamGroupName({ teams: { etl: { group: "data-eng" } } }, "etl"), "data-eng");
        });

        it("maps each region to the partition its ARNs use", () => {
            assert.deepEqual(["eu-west-1", "cn-north-1", "us-gov-west-1"].map(regionPartition), ["aws", "aws-cn", "aws-us-gov"]);
        });

        it("gives an access entry only to teams that name a role, with the team's group", () => {
            const teams = { etl: { iamRoleArn: role("etl-engineers") }, ml: { group: "ml-eng", iamRoleArn: role("ml") } };
            assert.deepEqual(teamAccessEntries({ jobNamespaces: ["spark-jobs", "etl", "ml"], teams }, { partition: "aws", accountId: mockAccountId }), [
                { namespace: "etl", group: "spark-team:etl", iamRoleArn: role("etl-engineers") },
                { namespace: "ml", group: "ml-eng", iamRoleArn: role("ml") },
            ]);
        });

        it("refuses a team role of another account or partition", () => {
            for (const arn of [role("etl", "210987654321"), role("etl", mockAccountId, "aws-cn")]) {
                assert.throws(() => teamAccessEntries({ jobNamespaces: ["etl"], teams: { etl: { iamRoleArn: arn } } }, { partition: "aws", accountId: mockAccountId }), /spark\.teams\.etl\.iamRoleArn: .* is not a role of this stack's account/);
            }
        });

        it("confines a team to warehouse/<namespace>/, the folder its warehouse dir names", () => {
            assert.equal(teamWarehousePrefix("etl"), "warehouse/etl/");
            assert.equal(teamWarehouseDir("lake", "etl"), "s3a://lake/warehouse/etl");
        });
    });

    describe("teamSettings", () => {
        it("takes a team's own keys over teamDefaults, key by key", () => {
            const s = teamSettings({ teamDefaults: spark.teamDefaults, teams: { etl: { quota: { requestsCpu: 7, gpus: 0 }, limits: { defaultMemoryMiB: 1024 } } } }, "etl");
            assert.deepEqual(s.quota, { ...spark.teamDefaults.quota, requestsCpu: 7, gpus: 0 });
            assert.deepEqual(s.limits, { ...spark.teamDefaults.limits, defaultMemoryMiB: 1024 });
        });

        it("gives a namespace spark.teams does not name the defaults", () => {
            assert.deepEqual(teamSettings({ teamDefaults: spark.teamDefaults, teams: { etl: { quota: { pods: 3 } } } }, "spark-jobs"), spark.teamDefaults);
        });

        it("sizes local small and prod large", () => {
            const cpu = (["local", "dev", "staging", "prod"] as const).map((t) => tierDefaults(t).spark.teamDefaults.quota.requestsCpu);
            assert.deepEqual([...cpu].sort((a, b) => a - b), cpu);
            assert.ok(cpu[0] < cpu[3]);
        });
    });

    describe("the objects", () => {
        it("write the quota's six limits in Kubernetes units, valid against the Kubernetes schema", () => {
            const quota = teamResourceQuota("etl", { requestsCpu: 32, requestsMemoryGiB: 128, limitsMemoryGiB: 160, gpus: 2, pods: 300, persistentVolumeClaims: 20 }) as unknown as ResourceQuota;
            assert.deepEqual(quota.metadata, { name: "team", namespace: "etl" });
            const hard = quota.spec!.hard!;
            assert.equal(hard["requests.cpu"], "32");
            assert.equal(hard["requests.memory"], "128Gi");
            assert.equal(hard["limits.memory"], "160Gi");
            assert.equal(hard["requests.nvidia.com/gpu"], "2");
            assert.equal(hard.pods, "300");
            assert.equal(hard.persistentvolumeclaims, "20");
            assert.equal(hard["services.loadbalancers"], "0");
            assert.deepEqual(validateK8sObject(quota), []);
        });

        it("give containers without resources the team's request and an equal memory limit", () => {
            const range = teamLimitRange("etl", { defaultCpuMillis: 500, defaultMemoryMiB: 1536 }) as unknown as LimitRange;
            assert.deepEqual(range.spec!.limits, [{ type: "Container", defaultRequest: { cpu: "500m", memory: "1536Mi" }, default: { memory: "1536Mi" } }]);
            assert.deepEqual(validateK8sObject(range), []);
        });
    });

    describe("quotaShortfalls", () => {
        const quota = { requestsCpu: 4, requestsMemoryGiB: 8, limitsMemoryGiB: 8, gpus: 1, pods: 3, persistentVolumeClaims: 0 };
        it("is empty when the load fits exactly", () => {
            assert.deepEqual(quotaShortfalls({ cpuMillis: 4000, memoryMiB: 8192, gpus: 1, pods: 3 }, quota), []);
        });
        it("names every key the load exceeds", () => {
            const over = quotaShortfalls({ cpuMillis: 4001, memoryMiB: 8193, gpus: 2, pods: 4 }, quota).map((s) => s.key);
            assert.deepEqual(over, ["requestsCpu", "requestsMemoryGiB", "limitsMemoryGiB", "gpus", "pods"]);
        });
    });

    describe("in the stack", () => {
        const variants: { name: string; run: () => Promise<StackRun> }[] = [
            ...(["local", "dev", "staging", "prod"] as const).map((stack) => ({ name: stack, run: () => stackRun(stack) })),
            {
                name: "dev with every scenario on three lines",
                run: () => stackRunWith("dev", { spark: { scenarios: ["jupyter-connect-k8s", "jupyter-connect-standalone", "airflow-connect-k8s", "airflow-connect-standalone", "airflow-k8s-submit", "airflow-operator"], versions: ["3.5", "4.1", "4.3"], dynamicAllocation: { minExecutors: 2 } } }),
            },
            { name: "prod with the gpu preset", run: () => stackRunWith("prod", { spark: { presets: ["gpu"], dynamicAllocation: { minExecutors: 1 } } }) },
            { name: "local with every scenario on three lines", run: () => stackRunWith("local", { spark: { scenarios: ["jupyter-connect-k8s", "jupyter-connect-standalone", "airflow-connect-k8s", "airflow-connect-standalone", "airflow-k8s-submit", "airflow-operator"], versions: ["3.5", "4.1", "4.3"] } }) },
        ];
        for (const v of variants) {
            it(`${v.name}: every job namespace has a quota that holds the pods the platform places there`, async () => {
                const run = await v.run();
                const jobNamespaces = new Set(ofType(run, "kubernetes:core/v1:Namespace").map((n) => metadata(n).name).filter((n) => ofType(run, "kubernetes:core/v1:ServiceAccount").some((sa) => metadata(sa).namespace === n && metadata(sa).name === "spark")));
                assert.ok(jobNamespaces.has("spark-jobs"));
                for (const ns of jobNamespaces) {
                    const quotas = ofType(run, "kubernetes:core/v1:ResourceQuota").filter((q) => metadata(q).namespace === ns);
                    assert.equal(quotas.length, 1, `ResourceQuotas in ${ns}`);
                    const hard = (quotas[0].inputs as { spec: { hard: Record<string, string> } }).spec.hard;
                    const load = platformLoad(run, ns);
                    if (ns === "spark-jobs") assert.ok(load.pods >= 2 && load.cpuMillis > 0, `the platform places Connect servers in spark-jobs: ${JSON.stringify(load)}`);
                    const quota = {
                        requestsCpu: parseQuantity(hard["requests.cpu"])!,
                        requestsMemoryGiB: parseQuantity(hard["requests.memory"])! / 2 ** 30,
                        limitsMemoryGiB: parseQuantity(hard["limits.memory"])! / 2 ** 30,
                        gpus: parseQuantity(hard["requests.nvidia.com/gpu"])!,
                        pods: parseQuantity(hard.pods)!,
                        persistentVolumeClaims: parseQuantity(hard.persistentvolumeclaims)!,
                    };
                    assert.deepEqual(quotaShortfalls(load, quota), [], `${ns}: ${JSON.stringify(load)} against ${JSON.stringify(hard)}`);
                }
            });
        }

        it("writes each committed stack's quota and LimitRange from its config", async () => {
            for (const stack of ["local", "dev", "staging", "prod"]) {
                const config = stackConfig(stack);
                const run = await stackRun(stack);
                for (const ns of config.spark.jobNamespaces) {
                    const team = teamSettings(config.spark, ns);
                    const quota = ofType(run, "kubernetes:core/v1:ResourceQuota").find((q) => metadata(q).namespace === ns)!;
                    assert.deepEqual((quota.inputs as { spec: unknown }).spec, teamResourceQuota(ns, team.quota).spec, stack);
                    const range = ofType(run, "kubernetes:core/v1:LimitRange").find((q) => metadata(q).namespace === ns)!;
                    assert.deepEqual((range.inputs as { spec: unknown }).spec, teamLimitRange(ns, team.limits).spec, stack);
                }
            }
        });

        it("binds each job namespace's group to its team Role, in that namespace only", async () => {
            const run = await stackRunWith("prod", { spark: { jobNamespaces: ["spark-jobs", "etl", "ml"], teams: { ml: { group: "ml-engineers" } } } });
            const bindings = ofType(run, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").filter((b) => metadata(b).name === "team");
            const groups: Record<string, string> = Object.fromEntries(
                bindings.map((b): [string, string] => {
                    const i = b.inputs as { roleRef: { kind: string; name: string }; subjects: { kind: string; name: string }[] };
                    assert.deepEqual(i.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "team" });
                    assert.deepEqual(i.subjects.map((s) => s.kind), ["Group"]);
                    return [metadata(b).namespace ?? "", i.subjects[0].name];
                }),
            );
            assert.deepEqual(groups, { "spark-jobs": "spark-team:spark-jobs", etl: "spark-team:etl", ml: "ml-engineers" });
            const roles = ofType(run, "kubernetes:rbac.authorization.k8s.io/v1:Role").filter((r) => metadata(r).name === "team");
            assert.deepEqual(roles.map((r) => metadata(r).namespace).sort(), ["etl", "ml", "spark-jobs"]);
            for (const r of roles) assert.deepEqual((r.inputs as { rules: unknown }).rules, teamRules());
            const clusterBindings = ofType(run, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding").filter((b) => JSON.stringify(b.inputs).includes("spark-team:") || JSON.stringify(b.inputs).includes("ml-engineers"));
            assert.deepEqual(clusterBindings, [], "no cluster-wide binding of a team group");
        });

        it("maps a team's IAM role to its group with a STANDARD access entry, and only where a role is named", async () => {
            const arn = `arn:aws:iam::${mockAccountId}:role/etl-engineers`;
            const run = await stackRunWith("prod", { spark: { jobNamespaces: ["spark-jobs", "etl", "ml"], teams: { etl: { iamRoleArn: arn } } } });
            const entries = ofType(run, "aws:eks/accessEntry:AccessEntry").filter((e) => !stackConfig("prod").cluster.adminRoleArns.includes(String(e.inputs.principalArn)));
            assert.deepEqual(entries.map((e) => ({ principalArn: e.inputs.principalArn, type: e.inputs.type, kubernetesGroups: e.inputs.kubernetesGroups })), [{ principalArn: arn, type: "STANDARD", kubernetesGroups: ["spark-team:etl"] }]);
            const policies = ofType(run, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation").filter((p) => p.inputs.principalArn === arn);
            assert.deepEqual(policies, [], "no EKS access policy: Kubernetes RBAC alone decides");
            const cluster = ofType(run, "aws:eks/cluster:Cluster")[0].inputs as { accessConfig: { authenticationMode: string } };
            assert.ok(["API", "API_AND_CONFIG_MAP"].includes(cluster.accessConfig.authenticationMode), "the cluster takes access entries");
        });

        it("gives a team its own quota over the defaults", async () => {
            const run = await stackRunWith("prod", { spark: { jobNamespaces: ["spark-jobs", "etl"], teams: { etl: { quota: { requestsCpu: 16, gpus: 0 }, limits: { defaultCpuMillis: 100 } } } } });
            const hard = (ns: string) => (ofType(run, "kubernetes:core/v1:ResourceQuota").find((q) => metadata(q).namespace === ns)!.inputs as { spec: { hard: Record<string, string> } }).spec.hard;
            assert.equal(hard("etl")["requests.cpu"], "16");
            assert.equal(hard("etl")["requests.nvidia.com/gpu"], "0");
            assert.equal(hard("spark-jobs")["requests.cpu"], String(spark.teamDefaults.quota.requestsCpu));
            const range = ofType(run, "kubernetes:core/v1:LimitRange").find((q) => metadata(q).namespace === "etl")!.inputs as unknown as LimitRange;
            assert.equal(range.spec!.limits[0].defaultRequest!.cpu, "100m");
        });
    });
});

function metadata(r: RecordedResource): { name: string; namespace?: string } {
    return (r.inputs as { metadata: { name: string; namespace?: string } }).metadata;
}

interface PodSpecLike {
    containers: { resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }[];
    initContainers?: PodSpecLike["containers"];
}

/** A pod's requests as the quota counts them: its containers' sum, or its largest init container if larger; memory at the larger of request and limit. */
function podLoad(spec: PodSpecLike): { cpuMillis: number; memoryMiB: number; gpus: number } {
    const one = (c: PodSpecLike["containers"][number]) => ({
        cpuMillis: (parseQuantity(c.resources?.requests?.cpu ?? "0") ?? 0) * 1000,
        memoryMiB: Math.max(parseQuantity(c.resources?.requests?.memory ?? "0") ?? 0, parseQuantity(c.resources?.limits?.memory ?? "0") ?? 0) / 2 ** 20,
        gpus: parseQuantity(c.resources?.limits?.["nvidia.com/gpu"] ?? c.resources?.requests?.["nvidia.com/gpu"] ?? "0") ?? 0,
    });
    const sum = spec.containers.map(one).reduce((a, b) => ({ cpuMillis: a.cpuMillis + b.cpuMillis, memoryMiB: a.memoryMiB + b.memoryMiB, gpus: a.gpus + b.gpus }));
    for (const init of (spec.initContainers ?? []).map(one)) {
        sum.cpuMillis = Math.max(sum.cpuMillis, init.cpuMillis);
        sum.memoryMiB = Math.max(sum.memoryMiB, init.memoryMiB);
        sum.gpus = Math.max(sum.gpus, init.gpus);
    }
    return sum;
}

/**
 * What the stack itself places in a namespace: every replica of its workloads, and for each Connect
 * server its minimum executors, at least one (a session needs one to run anything).
 */
function platformLoad(run: StackRun, namespace: string): QuotaLoad {
    const pods: { cpuMillis: number; memoryMiB: number; gpus: number }[] = [];
    for (const r of run.resources) {
        const i = r.inputs as { metadata?: { namespace?: string }; spec?: { replicas?: number; template?: { spec: PodSpecLike } }; data?: Record<string, string> };
        if (i.metadata?.namespace !== namespace) continue;
        if (/^kubernetes:apps\/v1:(Deployment|StatefulSet)$/.test(r.type)) {
            for (let n = 0; n < (i.spec?.replicas ?? 1); n++) pods.push(podLoad(i.spec!.template!.spec));
        }
        const template = i.data?.["executor-pod-template.yaml"];
        if (r.type === "kubernetes:core/v1:ConfigMap" && template) {
            const min = Number(/^spark\.dynamicAllocation\.minExecutors (\d+)$/m.exec(i.data!["spark-defaults.conf"] ?? "")?.[1] ?? 0);
            const executor = podLoad((JSON.parse(template) as { spec: PodSpecLike }).spec);
            for (let n = 0; n < Math.max(1, min); n++) pods.push(executor);
        }
    }
    return quotaLoad(pods);
}
