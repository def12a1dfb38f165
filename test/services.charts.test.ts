/**
 * The third-party charts: pinned versions, and the values the platform passes them. Under mocks a
 * helm v4 Chart is one resource with its inputs, so these tests check the values themselves.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { gpuTaint, nodeRoleLabel } from "../components/config/nodeRoles";
import { ObjectStorage } from "../components/context";
import { sparkSubmitRules } from "../components/kubernetes/rbac";
import {
    adminUserMountPath,
    Airflow,
    AirflowArgs,
    airflowSecretNames,
    airflowValues,
    AirflowValuesArgs,
    airflowVersionOf,
    createAdminUserScript,
    dagKey,
    fabAuthManager,
    kubeletVolumeIgnore,
    readDagFiles,
    repositoryDagsDirectory,
} from "../components/services/airflow";
import { charts, isExactChartVersion, splitImage } from "../components/services/charts";
import {
    authenticatorClasses,
    githubClientSecretFromConfig,
    githubOAuthSecret,
    JupyterHub,
    JupyterHubArgs,
    JupyterHubAuth,
    jupyterhubAuth,
    jupyterhubValues,
    oauthClientSecretEnv,
    sparkRemote,
} from "../components/services/jupyterhub";
import { stackRunWith } from "./support";
import { mpsCapableNodeLabel, NvidiaDevicePlugin, nvidiaDevicePluginExemption, nvidiaDevicePluginValues } from "../components/services/nvidiaDevicePlugin";
import { SparkOperator, SparkOperatorArgs, sparkOperatorValues } from "../components/services/sparkOperator";
import { secretConfigMarker } from "../components/config";
import { isSecretValue, maskSecrets, RecordedResource, runProgram, runStack } from "../tools/harness";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** Follows a dotted path through plain objects. */
function at(values: unknown, dotted: string): unknown {
    return dotted.split(".").reduce<unknown>((v, key) => (isObj(v) ? v[key] : undefined), values);
}

interface Found {
    readonly path: string;
    readonly kind: "container" | "pod" | "resources";
    readonly value: unknown;
}

const containerContextKeys = new Set(["securityContext", "containerSecurityContext", "container_security_context"]);
const podContextKeys = new Set(["podSecurityContext", "pod_security_context"]);

/** Every security context and resources block the values hand a chart, wherever it sits. */
function findBlocks(values: unknown, prefix = "", parentKey = ""): Found[] {
    const found: Found[] = [];
    if (Array.isArray(values)) {
        values.forEach((v, i) => found.push(...findBlocks(v, `${prefix}[${i}]`, parentKey)));
        return found;
    }
    if (!isObj(values)) return found;
    for (const [key, value] of Object.entries(values)) {
        const p = prefix ? `${prefix}.${key}` : key;
        if (containerContextKeys.has(key) || (parentKey === "securityContexts" && (key === "container" || key === "containers"))) {
            found.push({ path: p, kind: "container", value });
        } else if (podContextKeys.has(key) || (parentKey === "securityContexts" && key === "pod")) {
            found.push({ path: p, kind: "pod", value });
        } else if (key === "resources" && isObj(value)) {
            found.push({ path: p, kind: "resources", value });
        }
        found.push(...findBlocks(value, p, key));
    }
    return found;
}

/** What is wrong with each block; empty when every block meets the hardening bar. */
function hardeningProblems(values: unknown, options: { rootAllowed?: boolean } = {}): string[] {
    const problems: string[] = [];
    for (const block of findBlocks(values)) {
        const v = block.value;
        if (!isObj(v)) {
            problems.push(`${block.path}: not an object`);
            continue;
        }
        if (block.kind === "resources") {
            const requests = v.requests as Obj | undefined;
            const limits = v.limits as Obj | undefined;
            if (!requests?.cpu) problems.push(`${block.path}: no CPU request`);
            if (!requests?.memory) problems.push(`${block.path}: no memory request`);
            if (!limits?.memory) problems.push(`${block.path}: no memory limit`);
            continue;
        }
        if ((v.seccompProfile as Obj | undefined)?.type !== "RuntimeDefault") problems.push(`${block.path}: seccomp is not RuntimeDefault`);
        if (!options.rootAllowed && v.runAsNonRoot !== true) problems.push(`${block.path}: runAsNonRoot is not true`);
        if (v.runAsUser !== undefined && !(typeof v.runAsUser === "number" && v.runAsUser > 0)) problems.push(`${block.path}: runAsUser ${JSON.stringify(v.runAsUser)}`);
        if (block.kind === "container") {
            if (v.allowPrivilegeEscalation !== false) problems.push(`${block.path}: allowPrivilegeEscalation is not false`);
            if (v.privileged === true) problems.push(`${block.path}: privileged`);
            const drop = (v.capabilities as Obj | undefined)?.drop;
            if (!Array.isArray(drop) || !drop.includes("ALL")) problems.push(`${block.path}: capabilities do not drop ALL`);
            if ((v.capabilities as Obj | undefined)?.add !== undefined) problems.push(`${block.path}: adds capabilities`);
        }
    }
    return problems;
}

function assertBlocksAt(values: unknown, kind: Found["kind"], paths: string[]): void {
    const found = new Set(findBlocks(values).filter((b) => b.kind === kind).map((b) => b.path));
    const missing = paths.filter((p) => !found.has(p));
    assert.deepEqual(missing, [], `missing ${kind} blocks`);
}

function clone<T>(value: T): T {
    return JSON.parse(JSON.stringify(value)) as T;
}

const systemSelector = { [nodeRoleLabel]: "system" };

describe("services: pinned charts", () => {
    it("pins every chart to an exact version from its official repository", () => {
        for (const [name, ref] of Object.entries(charts)) {
            assert.ok(isExactChartVersion(ref.version), `${name}: ${ref.version} is not an exact version`);
            assert.match(ref.repo, /^https:\/\//, name);
        }
        assert.equal(charts.sparkOperator.version.split(".")[0], "2");
        assert.equal(charts.jupyterhub.version.split(".")[0], "4");
        assert.equal(charts.airflow.version.split(".")[0], "1");
        assert.deepEqual(Object.keys(charts).sort(), ["airflow", "clusterAutoscaler", "jupyterhub", "nvidiaDevicePlugin", "sparkOperator"]);
        assert.equal(charts.clusterAutoscaler.repo, "https://kubernetes.github.io/autoscaler");
    });

    it("tells exact versions from ranges", () => {
        for (const v of ["2.4.0", "1.22.0", "4.4.0-beta.1"]) assert.ok(isExactChartVersion(v), v);
        for (const v of ["^2.4.0", "~1.22", "2.x", ">=1.0.0", "", "latest", "2.4"]) assert.ok(!isExactChartVersion(v), v);
    });

    it("splits pinned images and refuses unpinned ones", () => {
        assert.deepEqual(splitImage("registry:5000/spark-k8s/airflow:3.2.2-p1"), { repository: "registry:5000/spark-k8s/airflow", tag: "3.2.2-p1" });
        const digest = `sha256:${"a".repeat(64)}`;
        assert.deepEqual(splitImage(`spark-k8s/airflow@${digest}`), { repository: "spark-k8s/airflow", digest });
        for (const ref of ["spark-k8s/airflow", "spark-k8s/airflow:latest", "registry:5000/airflow"]) assert.throws(() => splitImage(ref), /not pinned/);
    });

    it("the hardening checker catches each kind of gap", () => {
        const good = sparkOperatorValues({ namespace: "spark-operator", jobNamespaces: ["spark-jobs"], nodeGroups: true });
        assert.deepEqual(hardeningProblems(good), []);
        const breakages: [string, (v: Obj) => void][] = [
            ["no memory limit", (v) => delete (at(v, "webhook.resources") as Obj).limits],
            ["no CPU request", (v) => delete (at(v, "controller.resources.requests") as Obj).cpu],
            ["escalation", (v) => ((at(v, "controller.securityContext") as Obj).allowPrivilegeEscalation = true)],
            ["root", (v) => ((at(v, "webhook.podSecurityContext") as Obj).runAsNonRoot = false)],
            ["capabilities", (v) => ((at(v, "webhook.securityContext") as Obj).capabilities = { drop: [] })],
            ["seccomp", (v) => delete (at(v, "controller.securityContext") as Obj).seccompProfile],
            ["uid 0", (v) => ((at(v, "controller.podSecurityContext") as Obj).runAsUser = 0)],
        ];
        for (const [what, breakIt] of breakages) {
            const values = clone(good);
            breakIt(values);
            assert.notDeepEqual(hardeningProblems(values), [], what);
        }
    });
});

describe("services: Spark Operator values", () => {
    const args: SparkOperatorArgs = { namespace: "spark-operator", jobNamespaces: ["spark-jobs", "team-a"], nodeGroups: true };

    it("watches the job namespaces with the webhook and Prometheus metrics on", () => {
        const values = sparkOperatorValues(args);
        assert.deepEqual(at(values, "spark.jobNamespaces"), ["spark-jobs", "team-a"]);
        assert.equal(at(values, "webhook.enable"), true);
        assert.equal(at(values, "prometheus.metrics.enable"), true);
        assert.throws(() => sparkOperatorValues({ ...args, jobNamespaces: [] }), /jobNamespaces is empty/);
    });

    it("does not create its own spark service account or RBAC in job namespaces", () => {
        const values = sparkOperatorValues(args);
        assert.equal(at(values, "spark.serviceAccount.create"), false);
        assert.equal(at(values, "spark.rbac.create"), false);
        assert.equal(at(values, "spark.serviceAccount.name"), "spark");
    });

    it("gives controller and webhook requests, memory limits and restricted contexts", () => {
        const values = sparkOperatorValues(args);
        assertBlocksAt(values, "resources", ["controller.resources", "webhook.resources"]);
        assertBlocksAt(values, "container", ["controller.securityContext", "webhook.securityContext"]);
        assertBlocksAt(values, "pod", ["controller.podSecurityContext", "webhook.podSecurityContext"]);
        assert.deepEqual(hardeningProblems(values), []);
        assert.equal(at(values, "controller.securityContext.readOnlyRootFilesystem"), true);
    });

    it("runs on the system nodes, and anywhere on the local tier", () => {
        assert.deepEqual(at(sparkOperatorValues(args), "controller.nodeSelector"), systemSelector);
        assert.deepEqual(at(sparkOperatorValues(args), "webhook.nodeSelector"), systemSelector);
        const local = sparkOperatorValues({ ...args, nodeGroups: false });
        assert.equal(at(local, "controller.nodeSelector"), undefined);
        assert.equal(at(local, "webhook.nodeSelector"), undefined);
    });
});

describe("services: JupyterHub values", () => {
    const images = { jupyter35: "spark-k8s/jupyter-spark:3.5.9-p1", jupyter41: "spark-k8s/jupyter-spark:4.1.4-p1", jupyter43: "spark-k8s/jupyter-spark:4.3.0-p1" };
    const args: JupyterHubArgs = { namespace: "jupyterhub", servers: [{ version: "3.5", backend: "k8s" }, { version: "4.1", backend: "k8s" }], images, gpu: false, nodeGroups: true, auth: { kind: "native", adminUsers: ["alice"] } };
    const profiles = (values: Obj) => at(values, "singleuser.profileList") as Obj[];

    it("offers one profile per Spark line with its image and Spark Connect address", () => {
        const list = profiles(jupyterhubValues(args));
        assert.equal(list.length, 2);
        assert.deepEqual(
            list.map((p) => [at(p, "kubespawner_override.image"), at(p, "kubespawner_override.environment.SPARK_REMOTE")]),
            [
                [images.jupyter35, "sc://spark-connect-35.spark-jobs.svc.cluster.local:15002"],
                [images.jupyter41, "sc://spark-connect-41.spark-jobs.svc.cluster.local:15002"],
            ],
        );
        assert.equal(sparkRemote("4.3"), "sc://spark-connect-43.spark-jobs.svc.cluster.local:15002");
        const only43 = profiles(jupyterhubValues({ ...args, servers: [{ version: "4.3", backend: "k8s" }] }));
        assert.deepEqual(only43.map((p) => at(p, "kubespawner_override.image")), [images.jupyter43]);
        assert.equal(only43.filter((p) => p.default === true).length, 1);
        const all = profiles(jupyterhubValues({ ...args, servers: [{ version: "3.5", backend: "k8s" }, { version: "4.1", backend: "k8s" }, { version: "4.3", backend: "k8s" }] }));
        assert.deepEqual(all.map((p) => [p.slug, at(p, "kubespawner_override.image")]), [
            ["spark-35", images.jupyter35],
            ["spark-41", images.jupyter41],
            ["spark-43", images.jupyter43],
        ]);
    });

    it("with servers on both backends, offers one profile per server, named by backend, and lets notebooks reach each", () => {
        const servers = [
            { version: "3.5", backend: "k8s" },
            { version: "3.5", backend: "standalone" },
            { version: "4.1", backend: "standalone" },
        ] as const;
        const values = jupyterhubValues({ ...args, servers });
        const list = profiles(values);
        assert.deepEqual(list.map((p) => [p.slug, p.display_name, at(p, "kubespawner_override.environment.SPARK_REMOTE")]), [
            ["spark-35", "Spark 3.5 (Spark Connect, Kubernetes executors)", "sc://spark-connect-35.spark-jobs.svc.cluster.local:15002"],
            ["spark-35-standalone", "Spark 3.5 (Spark Connect, standalone cluster)", "sc://spark-connect-35-standalone.spark-jobs.svc.cluster.local:15002"],
            ["spark-41-standalone", "Spark 4.1 (Spark Connect, standalone cluster)", "sc://spark-connect-41-standalone.spark-jobs.svc.cluster.local:15002"],
        ]);
        assert.deepEqual(list.filter((p) => p.default === true).map((p) => p.slug), ["spark-35"]);
        assert.equal(at(values, "singleuser.extraEnv.SPARK_REMOTE"), "sc://spark-connect-35.spark-jobs.svc.cluster.local:15002");
        const only = profiles(jupyterhubValues({ ...args, servers: [{ version: "4.1", backend: "standalone" }] }));
        assert.equal(only[0].display_name, "Spark 4.1 (Spark Connect)", "one backend needs no backend in the name");
        assert.equal(sparkRemote("4.1", "standalone"), "sc://spark-connect-41-standalone.spark-jobs.svc.cluster.local:15002");
    });

    it("adds a one-GPU profile on the GPU nodes only when gpu is on and node groups exist", () => {
        const withGpu = profiles(jupyterhubValues({ ...args, gpu: true }));
        assert.equal(withGpu.length, 3);
        const gpu = withGpu[2];
        assert.equal(at(gpu, "kubespawner_override.image"), images.jupyter35);
        assert.deepEqual(at(gpu, "kubespawner_override.extra_resource_limits"), { "nvidia.com/gpu": "1" });
        assert.deepEqual(at(gpu, "kubespawner_override.node_selector"), { [nodeRoleLabel]: "gpu" });
        assert.deepEqual(at(gpu, "kubespawner_override.tolerations"), [{ key: gpuTaint.key, operator: "Equal", value: gpuTaint.value, effect: gpuTaint.effect }]);
        assert.equal(profiles(jupyterhubValues(args)).length, 2);
        assert.equal(profiles(jupyterhubValues({ ...args, gpu: true, nodeGroups: false })).length, 2);
        for (const p of profiles(jupyterhubValues({ ...args, gpu: false }))) assert.equal(at(p, "kubespawner_override.extra_resource_limits"), undefined);
    });

    it("keeps the proxy inside the cluster and culls idle servers", () => {
        const values = jupyterhubValues(args);
        assert.equal(at(values, "proxy.service.type"), "ClusterIP");
        assert.equal(at(values, "proxy.https.enabled"), false);
        assert.equal(at(values, "cull.enabled"), true);
        assert.equal(at(values, "cull.timeout"), 3600);
    });

    it("switches off privileged and cluster-wide extras", () => {
        const values = jupyterhubValues(args);
        assert.equal(at(values, "singleuser.cloudMetadata.blockWithIptables"), false);
        assert.equal(at(values, "prePuller.hook.enabled"), false);
        assert.equal(at(values, "prePuller.continuous.enabled"), false);
        assert.equal(at(values, "scheduling.userScheduler.enabled"), false);
        assert.equal(at(values, "scheduling.userPlaceholder.enabled"), false);
    });

    it("runs notebooks as uid 1000 without privilege escalation, with sizes", () => {
        const values = jupyterhubValues(args);
        assert.equal(at(values, "singleuser.uid"), 1000);
        assert.equal(at(values, "singleuser.allowPrivilegeEscalation"), false);
        assert.ok(at(values, "singleuser.memory.guarantee") && at(values, "singleuser.memory.limit") && at(values, "singleuser.cpu.guarantee"));
        for (const p of profiles(values)) {
            assert.ok(at(p, "kubespawner_override.mem_guarantee") && at(p, "kubespawner_override.mem_limit"), String(p.slug));
        }
        assert.equal(at(values, "hub.config.KubeSpawner.container_security_context.runAsUser"), 1000);
    });

    it("gives hub, proxy and notebooks requests, memory limits and restricted contexts", () => {
        const values = jupyterhubValues(args);
        assertBlocksAt(values, "resources", ["hub.resources", "proxy.chp.resources"]);
        assertBlocksAt(values, "container", ["hub.containerSecurityContext", "proxy.chp.containerSecurityContext", "hub.config.KubeSpawner.container_security_context"]);
        assertBlocksAt(values, "pod", ["hub.podSecurityContext", "hub.config.KubeSpawner.pod_security_context"]);
        assert.deepEqual(hardeningProblems(values), []);
    });

    it("places hub, proxy and notebooks on the system nodes, and nowhere in particular on local", () => {
        const values = jupyterhubValues(args);
        for (const p of ["hub.nodeSelector", "proxy.chp.nodeSelector", "singleuser.nodeSelector"]) assert.deepEqual(at(values, p), systemSelector, p);
        const local = jupyterhubValues({ ...args, nodeGroups: false });
        for (const p of ["hub.nodeSelector", "proxy.chp.nodeSelector", "singleuser.nodeSelector"]) assert.equal(at(local, p), undefined, p);
        for (const p of profiles(local)) assert.equal(at(p, "kubespawner_override.node_selector"), undefined);
    });

    it("refuses unpinned notebook images", () => {
        assert.throws(() => jupyterhubValues({ ...args, images: { ...images, jupyter41: "spark-k8s/jupyter-spark:latest" } }), /not pinned/);
    });
});

describe("services: JupyterHub sign-in", () => {
    const images = { jupyter35: "spark-k8s/jupyter-spark:3.5.9-p1", jupyter41: "spark-k8s/jupyter-spark:4.1.4-p1", jupyter43: "spark-k8s/jupyter-spark:4.3.0-p1" };
    const fakeClientSecret = "FAKE-GITHUB-CLIENT-SECRET-0123";
    const github: JupyterHubAuth = {
        kind: "github",
        adminUsers: ["octo-admin"],
        clientId: "Ov23liFAKECLIENTID",
        callbackUrl: "https://hub.example.com/hub/oauth_callback",
        organization: "example-org",
        clientSecret: fakeClientSecret,
    };
    const args = (auth: JupyterHubAuth): JupyterHubArgs => ({ namespace: "jupyterhub", servers: [{ version: "3.5", backend: "k8s" }], images, gpu: false, nodeGroups: true, auth });
    const hubConfig = (auth: JupyterHubAuth) => at(jupyterhubValues(args(auth)), "hub.config") as Obj;

    it("uses NativeAuthenticator by default: sign-up needs an admin's approval, admins come from config", () => {
        const config = hubConfig({ kind: "native", adminUsers: ["alice", "bob"] });
        assert.equal(at(config, "JupyterHub.authenticator_class"), authenticatorClasses.native);
        assert.equal(at(config, "JupyterHub.authenticator_class"), "nativeauthenticator.NativeAuthenticator");
        assert.deepEqual(at(config, "Authenticator.admin_users"), ["alice", "bob"]);
        assert.equal(at(config, "NativeAuthenticator.open_signup"), false);
        // JupyterHub 5 refuses users no allow list names; NativeAuthenticator's approval still applies.
        assert.equal(at(config, "Authenticator.allow_all"), true);
        assert.ok((at(config, "NativeAuthenticator.minimum_password_length") as number) >= 12);
        assert.equal(at(config, "NativeAuthenticator.check_common_password"), true);
        assert.ok((at(config, "NativeAuthenticator.allowed_failed_logins") as number) > 0);
        assert.equal(at(jupyterhubValues(args({ kind: "native", adminUsers: ["alice"] })), "hub.extraEnv"), undefined);
        assert.ok(at(config, "KubeSpawner.container_security_context"), "the authenticator settings sit beside KubeSpawner's");
    });

    it("never leaves the chart's dummy authenticator in place", () => {
        for (const auth of [{ kind: "native", adminUsers: ["alice"] } as const, github]) {
            const cls = String(at(hubConfig(auth), "JupyterHub.authenticator_class"));
            assert.ok(cls && !/dummy/i.test(cls), cls);
            assert.ok(!JSON.stringify(jupyterhubValues(args(auth))).toLowerCase().includes("dummy"));
        }
    });

    it("with github, passes client id, callback and organization, and reads the client secret from a Secret", () => {
        const values = jupyterhubValues(args(github));
        const config = at(values, "hub.config") as Obj;
        assert.equal(at(config, "JupyterHub.authenticator_class"), "oauthenticator.github.GitHubOAuthenticator");
        assert.deepEqual(at(config, "Authenticator.admin_users"), ["octo-admin"]);
        assert.equal(at(config, "Authenticator.allow_all"), false);
        assert.equal(at(config, "GitHubOAuthenticator.client_id"), "Ov23liFAKECLIENTID");
        assert.equal(at(config, "GitHubOAuthenticator.oauth_callback_url"), "https://hub.example.com/hub/oauth_callback");
        assert.deepEqual(at(config, "GitHubOAuthenticator.allowed_organizations"), ["example-org"]);
        assert.deepEqual(at(config, "GitHubOAuthenticator.scope"), ["read:org"]);
        assert.equal(at(config, "GitHubOAuthenticator.client_secret"), undefined);
        assert.deepEqual(at(values, `hub.extraEnv.${oauthClientSecretEnv}`), { valueFrom: { secretKeyRef: { name: githubOAuthSecret.name, key: githubOAuthSecret.key } } });
        assert.ok(!JSON.stringify(values).includes(fakeClientSecret), "the client secret is not in the values");
    });

    it("with github and no organization, admits only the admins", () => {
        const config = hubConfig({ ...github, organization: "" });
        assert.equal(at(config, "GitHubOAuthenticator.allowed_organizations"), undefined);
        assert.equal(at(config, "GitHubOAuthenticator.scope"), undefined);
        assert.equal(at(config, "Authenticator.allow_all"), false);
    });

    it("refuses a hub nobody could administer, and GitHub sign-in without its app", () => {
        assert.throws(() => jupyterhubValues(args({ kind: "native", adminUsers: [] })), /adminUsers is empty/);
        assert.throws(() => jupyterhubValues(args({ ...github, callbackUrl: "" })), /clientId and callbackUrl/);
    });

    it("turns the validated config into sign-in settings, reading the GitHub secret from config", async () => {
        const native = jupyterhubAuth({ authenticator: "native", adminUsers: ["alice"], github: { clientId: "", organization: "", callbackUrl: "", clientSecret: "" } }, "spark-k8s");
        assert.deepEqual(native, { kind: "native", adminUsers: ["alice"] });
        const services = { jupyterhub: { authenticator: "github", github: { clientId: "Ov23liFAKECLIENTID", clientSecret: fakeClientSecret } } };
        const { result } = await runProgram(
            () => {
                const auth = jupyterhubAuth(
                    { authenticator: "github", adminUsers: ["octo"], github: { clientId: "Ov23liFAKECLIENTID", organization: "", callbackUrl: "https://hub.example.com/hub/oauth_callback", clientSecret: secretConfigMarker } },
                    "spark-k8s",
                );
                return auth.kind === "github" ? { clientId: auth.clientId, clientSecret: auth.clientSecret } : {};
            },
            { values: { "spark-k8s:services": JSON.stringify(services) } },
        );
        const r = result as { clientId: string; clientSecret: unknown };
        assert.equal(r.clientId, "Ov23liFAKECLIENTID");
        assert.ok(isSecretValue(r.clientSecret), "the client secret is read as a Pulumi secret");
        assert.equal(r.clientSecret.value, fakeClientSecret, "the real value, not the marker");
        await assert.rejects(
            runProgram(() => githubClientSecretFromConfig("spark-k8s"), { values: { "spark-k8s:services": "{}" } }),
            /clientSecret is not set/,
        );
    });

    it("the component keeps the client secret in a Kubernetes Secret holding a Pulumi secret, created before the chart", async () => {
        const { resources } = await build(() => new JupyterHub("jupyterhub", args(github)));
        const secrets = resources.filter((r) => r.type === "kubernetes:core/v1:Secret");
        assert.equal(secrets.length, 1);
        const secret = secrets[0];
        assert.deepEqual([(secret.inputs.metadata as Obj).name, (secret.inputs.metadata as Obj).namespace], [githubOAuthSecret.name, "jupyterhub"]);
        assert.ok(isSecretValue(secret.inputs.stringData), "stringData is a Pulumi secret");
        assert.deepEqual((secret.inputs.stringData as { value: Obj }).value, { [githubOAuthSecret.key]: fakeClientSecret });
        const chart = charts_(resources)[0];
        assert.ok(chart.dependencies.includes(secret.urn), "the chart waits for the Secret");
        assert.ok(!JSON.stringify(chart.inputs).includes(fakeClientSecret));
        assert.ok(!JSON.stringify(maskSecrets(resources.map((r) => r.inputs))).includes(fakeClientSecret), "the plan masks it");
    });

    it("the component makes no Secret for native sign-in", async () => {
        const { resources } = await build(() => new JupyterHub("jupyterhub", args({ kind: "native", adminUsers: ["alice"] })));
        assert.equal(resources.filter((r) => r.type === "kubernetes:core/v1:Secret").length, 0);
    });

    it("a stack with GitHub sign-in shows the client secret nowhere in the plan", async function () {
        this.timeout(30000);
        const run = await runStack("local", {
            config: {
                services: {
                    jupyterhub: {
                        authenticator: "github",
                        adminUsers: ["octo-admin"],
                        github: { clientId: "Ov23liFAKECLIENTID", organization: "example-org", callbackUrl: "http://localhost:8000/hub/oauth_callback", clientSecret: fakeClientSecret },
                    },
                },
            },
        });
        const secret = run.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs.metadata as Obj).name === githubOAuthSecret.name)!;
        assert.ok(secret && isSecretValue(secret.inputs.stringData));
        const chart = run.resources.find((r) => r.type === chartType && r.inputs.chart === charts.jupyterhub.chart)!;
        assert.equal(at(chart.inputs.values, "hub.config.GitHubOAuthenticator.client_id"), "Ov23liFAKECLIENTID");
        const everything = { inputs: run.resources.map((r) => r.inputs), outputs: run.outputs };
        assert.ok(JSON.stringify(everything).includes(fakeClientSecret), "the value does reach the Secret");
        assert.ok(!JSON.stringify(maskSecrets(everything)).includes(fakeClientSecret), "but only inside Pulumi secrets");
    });
});

const s3: ObjectStorage = {
    kind: "s3",
    region: "eu-west-1",
    buckets: { warehouse: "wh", eventLogs: "ev", airflowLogs: "spark-prod-airflow-logs", backups: "bk" },
};
const minio: ObjectStorage = {
    kind: "minio",
    endpoint: "http://minio.minio.svc.cluster.local:9000",
    buckets: { warehouse: "warehouse", eventLogs: "spark-events", airflowLogs: "airflow-logs", backups: "backups" },
};

describe("services: Airflow values", () => {
    const dags = { configMapName: "airflow-dags", items: [{ key: "a.py", path: "a.py" }, { key: "manifests__pi.yaml", path: "manifests/pi.yaml" }] };
    const base: AirflowValuesArgs = {
        image: "spark-k8s/airflow:3.2.2-p1",
        nodeGroups: true,
        storage: s3,
        gitSync: { repo: "", branch: "main", subPath: "dags" },
        dags,
        secretNames: airflowSecretNames,
        serviceAccountName: "airflow",
    };
    const withGit: AirflowValuesArgs = { ...base, gitSync: { repo: "https://github.com/example/dags.git", branch: "prod", subPath: "airflow/dags" }, dags: undefined };

    it("uses the KubernetesExecutor and the platform image, pinned", () => {
        const values = airflowValues(base);
        assert.equal(values.executor, "KubernetesExecutor");
        assert.equal(values.defaultAirflowRepository, "spark-k8s/airflow");
        assert.equal(values.defaultAirflowTag, "3.2.2-p1");
        assert.equal(values.airflowVersion, "3.2.2");
        assert.throws(() => airflowValues({ ...base, image: "spark-k8s/airflow:latest" }), /not pinned/);
        assert.throws(() => airflowValues({ ...base, image: "spark-k8s/airflow:2.10.5-p1" }), /older than 2\.11\.0/);
        assert.equal(airflowVersionOf("spark-k8s/airflow:custom", "3.1.0"), "3.1.0");
        assert.throws(() => airflowVersionOf("spark-k8s/airflow:custom"), /cannot tell/);
    });

    it("keeps the metadata database external and every key in Secrets named, not valued", () => {
        const values = airflowValues(base);
        assert.equal(at(values, "postgresql.enabled"), false);
        assert.equal(at(values, "data.metadataSecretName"), airflowSecretNames.metadata);
        assert.equal(at(values, "data.metadataConnection"), undefined);
        for (const key of ["fernetKeySecretName", "apiSecretKeySecretName", "webserverSecretKeySecretName", "jwtSecretName"]) assert.equal(values[key], airflowSecretNames.keys, key);
        for (const key of ["fernetKey", "apiSecretKey", "webserverSecretKey", "jwtSecret"]) assert.equal(values[key], undefined, key);
    });

    it("disables the Celery, pooling and metrics extras but keeps the triggerer", () => {
        const values = airflowValues(base);
        for (const p of ["redis.enabled", "flower.enabled", "statsd.enabled", "pgbouncer.enabled"]) assert.equal(at(values, p), false, p);
        assert.equal(at(values, "triggerer.enabled"), true);
        assert.equal(at(values, "migrateDatabaseJob.useHelmHooks"), false);
        assert.equal(at(values, "apiServer.service.type"), "ClusterIP");
        assert.equal(at(values, "webserver.service.type"), "ClusterIP");
    });

    it("signs in with the FAB auth manager, its admin made by the create-user Job from a mounted Secret", () => {
        const values = airflowValues(base);
        assert.equal(at(values, "config.core.auth_manager"), fabAuthManager);
        assert.equal(at(values, "createUserJob.enabled"), true);
        assert.equal(at(values, "createUserJob.useHelmHooks"), false);
        const args = at(values, "createUserJob.args") as string[];
        assert.deepEqual(args.slice(0, 2), ["bash", "-c"]);
        assert.equal(args[2], createAdminUserScript());
        assert.match(args[2], /airflow users create --role Admin --username "\$username" .*--password "\$password"/);
        assert.match(args[2], /airflow users reset-password --username "\$username" --password "\$password"/);
        assert.match(args[2], new RegExp(`password="\\$\\(cat ${adminUserMountPath}/password\\)"`));
        assert.deepEqual(at(values, "createUserJob.extraVolumes"), [{ name: "admin-user", secret: { secretName: airflowSecretNames.adminUser, defaultMode: 0o440 } }]);
        assert.deepEqual(at(values, "createUserJob.extraVolumeMounts"), [{ name: "admin-user", mountPath: adminUserMountPath, readOnly: true }]);
        // Neither the chart's defaultUser (password in values) nor a password anywhere in the values.
        assert.equal(at(values, "createUserJob.defaultUser"), undefined);
        assert.equal(at(values, "webserver.defaultUser"), undefined);
        assert.ok(!/"password"\s*:/.test(JSON.stringify(values)), "no password field in the values");
    });

    it("writes task logs to the airflow-logs bucket through aws_default, with Pod Identity on S3", () => {
        const values = airflowValues(base);
        assert.equal(at(values, "config.logging.remote_logging"), "True");
        assert.equal(at(values, "config.logging.remote_base_log_folder"), "s3://spark-prod-airflow-logs/logs");
        assert.equal(at(values, "config.logging.remote_log_conn_id"), "aws_default");
        const env = values.env as { name: string; value: string }[];
        const conn = JSON.parse(env.find((e) => e.name === "AIRFLOW_CONN_AWS_DEFAULT")!.value) as Obj;
        assert.deepEqual(conn, { conn_type: "aws", extra: { region_name: "eu-west-1" } });
        assert.equal(values.secret, undefined);
        assert.ok(!JSON.stringify(values).includes("endpoint_url"));
    });

    it("on MinIO, reads the AWS connection (endpoint and credentials) from a Secret", () => {
        const values = airflowValues({ ...base, storage: minio });
        assert.equal(at(values, "config.logging.remote_base_log_folder"), "s3://airflow-logs/logs");
        assert.deepEqual(values.secret, [{ envName: "AIRFLOW_CONN_AWS_DEFAULT", secretName: airflowSecretNames.storageConnection, secretKey: "connection" }]);
        assert.equal(values.env, undefined);
        assert.ok(!JSON.stringify(values).includes("minio.minio.svc"), "the endpoint lives in the Secret");
    });

    it("syncs DAGs from git when a repository is set", () => {
        const values = airflowValues(withGit);
        assert.deepEqual(
            [at(values, "dags.gitSync.enabled"), at(values, "dags.gitSync.repo"), at(values, "dags.gitSync.branch"), at(values, "dags.gitSync.subPath")],
            [true, "https://github.com/example/dags.git", "prod", "airflow/dags"],
        );
        assert.equal(values.volumes, undefined);
        assertBlocksAt(values, "resources", ["dags.gitSync.resources"]);
        assertBlocksAt(values, "container", ["dags.gitSync.securityContexts.container"]);
        assert.deepEqual(hardeningProblems(values), []);
    });

    it("otherwise mounts the shipped DAG ConfigMap as the DAGs folder", () => {
        const values = airflowValues(base);
        assert.equal(at(values, "dags.gitSync.enabled"), false);
        assert.deepEqual(values.volumes, [{ name: "dags", configMap: { name: "airflow-dags", items: dags.items } }]);
        assert.deepEqual(values.volumeMounts, [{ name: "dags", mountPath: "/opt/airflow/dags", readOnly: true }]);
        assert.throws(() => airflowValues({ ...base, dags: undefined }), /DAG bundle is required/);
    });

    it("runs scheduler, task pods, triggerer, DAG processor and API server as the airflow service account", () => {
        const values = airflowValues(base);
        for (const p of ["scheduler", "triggerer", "dagProcessor", "apiServer", "webserver", "workers", "workers.kubernetes"]) {
            assert.deepEqual(at(values, `${p}.serviceAccount`), { create: false, name: "airflow" }, p);
        }
    });

    it("gives every Airflow container requests, memory limits and restricted contexts", () => {
        const values = airflowValues(base);
        const components = ["scheduler", "triggerer", "dagProcessor", "apiServer", "webserver", "workers", "migrateDatabaseJob", "createUserJob"];
        assertBlocksAt(values, "resources", [...components.map((c) => `${c}.resources`), ...["scheduler", "triggerer", "dagProcessor"].map((c) => `${c}.logGroomerSidecar.resources`)]);
        assertBlocksAt(values, "container", [
            "securityContexts.containers",
            ...components.map((c) => `${c}.securityContexts.container`),
            ...["scheduler", "triggerer", "dagProcessor"].map((c) => `${c}.logGroomerSidecar.securityContexts.container`),
            ...["scheduler", "triggerer", "dagProcessor", "apiServer", "webserver"].map((c) => `${c}.waitForMigrations.securityContexts.container`),
        ]);
        assertBlocksAt(values, "pod", ["securityContexts.pod", ...components.map((c) => `${c}.securityContexts.pod`)]);
        assert.deepEqual(hardeningProblems(values), []);
    });

    it("places every Airflow pod on the system nodes, and nowhere in particular on local", () => {
        assert.deepEqual(airflowValues(base).nodeSelector, systemSelector);
        assert.equal(airflowValues({ ...base, nodeGroups: false }).nodeSelector, undefined);
    });
});

describe("services: NVIDIA device plugin values", () => {
    it("schedules only on the GPU nodes, tolerating their taint", () => {
        const values = nvidiaDevicePluginValues();
        assert.deepEqual(values.nodeSelector, { [nodeRoleLabel]: "gpu" });
        assert.deepEqual(values.tolerations, [{ key: gpuTaint.key, operator: "Equal", value: gpuTaint.value, effect: gpuTaint.effect }]);
        const terms = at(values, "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms") as Obj[];
        assert.deepEqual(terms, [{ matchExpressions: [{ key: nodeRoleLabel, operator: "In", values: ["gpu"] }] }]);
    });

    it("is not privileged and keeps the feature-discovery daemon (privileged) off", () => {
        const values = nvidiaDevicePluginValues();
        assert.equal(at(values, "gfd.enabled"), false);
        assert.equal(at(values, "securityContext.privileged"), false);
        assertBlocksAt(values, "resources", ["resources"]);
        assertBlocksAt(values, "container", ["securityContext"]);
        // The plugin must run as root to register on the kubelet's socket; everything else holds.
        assert.deepEqual(hardeningProblems(values, { rootAllowed: true }), []);
    });

    it("records the truth about the chart's privileged MPS control daemon: it exists, and no node lets it run", async () => {
        // The 0.18 chart renders the MPS DaemonSet whenever devicePlugin.enabled is true; its pods
        // select nvidia.com/mps.capable=true, which only gpu-feature-discovery sets.
        assert.match(nvidiaDevicePluginExemption, /MPS control daemon/);
        assert.match(nvidiaDevicePluginExemption, /privileged/);
        assert.ok(nvidiaDevicePluginExemption.includes(`${mpsCapableNodeLabel}=true`));
        assert.equal(at(nvidiaDevicePluginValues(), "gfd.enabled"), false);
        const run = await stackRunWith("prod", { spark: { presets: ["gpu"] }, nodeGroups: { gpu: { enabled: true } } });
        const nodeLabels = run.resources.filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup").flatMap((g) => Object.keys((g.inputs.labels ?? {}) as Obj));
        assert.ok(nodeLabels.length > 0);
        assert.ok(!nodeLabels.includes(mpsCapableNodeLabel), "a node group carries the MPS label: the privileged daemon would run");
        const ns = run.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace").find((n) => (n.inputs.metadata as Obj & { name: string }).name === "nvidia-device-plugin")!;
        assert.equal(((ns.inputs.metadata as Obj).annotations as Obj)["spark-k8s/pod-security-exemption"], nvidiaDevicePluginExemption);
    });
});

describe("services: DAG files", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dags-"));
        fs.writeFileSync(path.join(dir, "example.py"), "# dag\n");
        fs.mkdirSync(path.join(dir, "manifests"));
        fs.writeFileSync(path.join(dir, "manifests", "pi.yaml"), "kind: SparkApplication\n");
        fs.mkdirSync(path.join(dir, "__pycache__"));
        fs.writeFileSync(path.join(dir, "__pycache__", "example.cpython-311.pyc"), "x");
        fs.writeFileSync(path.join(dir, ".hidden.py"), "x");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("reads Python and manifests, maps subfolders to valid keys, skips caches", () => {
        const bundle = readDagFiles(dir);
        assert.deepEqual(bundle.items, [
            { key: "example.py", path: "example.py" },
            { key: "manifests__pi.yaml", path: "manifests/pi.yaml" },
            { key: ".airflowignore", path: ".airflowignore" },
        ]);
        assert.deepEqual(Object.keys(bundle.files), ["example.py", "manifests__pi.yaml", ".airflowignore"]);
        assert.equal(dagKey("manifests/pi.yaml"), "manifests__pi.yaml");
        assert.throws(() => readDagFiles(path.join(dir, "missing")), /does not exist/);
    });

    it("ships an .airflowignore that hides the kubelet's ..data and ..<timestamp> entries, keeping the folder's own rules", () => {
        // Airflow 3 follows the kubelet's links, meets the hidden folder twice and stops the DAG
        // processor; the integration suite runs that for real on the kubelet's own volume layout.
        assert.equal(readDagFiles(dir).files[".airflowignore"], kubeletVolumeIgnore);
        fs.writeFileSync(path.join(dir, ".airflowignore"), "scratch/\n");
        try {
            assert.equal(readDagFiles(dir).files[".airflowignore"], `${kubeletVolumeIgnore}\nscratch/\n`);
        } finally {
            fs.rmSync(path.join(dir, ".airflowignore"));
        }
    });

    it("defaults to the repository's dags folder", () => {
        assert.equal(repositoryDagsDirectory, path.resolve(__dirname, "..", "dags"));
    });
});

const chartType = "kubernetes:helm.sh/v4:Chart";
const secretRecord = (fields: Record<string, string>): pulumi.Output<Record<string, string>> => pulumi.secret(pulumi.output(fields));
/** Builds a component under the recording mocks; returns nothing, so the harness has no resource graph to resolve. */
const build = (create: () => unknown) => runProgram(() => {
    create();
});
const charts_ = (resources: RecordedResource[]) => resources.filter((r) => r.type === chartType);

function assertOneChart(resources: RecordedResource[], ref: { chart: string; version: string; repo: string }, namespace: string): Obj {
    const found = charts_(resources);
    assert.equal(found.length, 1, "exactly one chart");
    const inputs = found[0].inputs;
    assert.equal(inputs.chart, ref.chart);
    assert.equal(inputs.version, ref.version);
    assert.deepEqual(inputs.repositoryOpts, { repo: ref.repo });
    assert.equal(inputs.namespace, namespace);
    return inputs.values as Obj;
}

describe("services: chart components under mocks", () => {
    it("SparkOperator installs the pinned chart with its values", async () => {
        const { resources } = await build(() => new SparkOperator("spark-operator", { namespace: "spark-operator", jobNamespaces: ["spark-jobs"], nodeGroups: true }));
        const values = assertOneChart(resources, charts.sparkOperator, "spark-operator");
        assert.deepEqual(at(values, "spark.jobNamespaces"), ["spark-jobs"]);
        assert.ok(resources.some((r) => r.type === "spark-k8s:services:SparkOperator"));
    });

    it("JupyterHub installs the pinned chart with its values", async () => {
        const { resources } = await build(
            () =>
                new JupyterHub("jupyterhub", {
                    namespace: "jupyterhub",
                    servers: [{ version: "3.5", backend: "k8s" }],
                    images: { jupyter35: "a/j:3.5.9-p1", jupyter41: "a/j:4.1.4-p1", jupyter43: "a/j:4.3.0-p1" },
                    gpu: true,
                    nodeGroups: true,
                    auth: { kind: "native", adminUsers: ["admin"] },
                }),
        );
        const values = assertOneChart(resources, charts.jupyterhub, "jupyterhub");
        assert.equal((at(values, "singleuser.profileList") as unknown[]).length, 2);
    });

    it("NvidiaDevicePlugin installs the pinned chart with its values", async () => {
        const { resources } = await build(() => new NvidiaDevicePlugin("nvidia-device-plugin", { namespace: "nvidia-device-plugin" }));
        const values = assertOneChart(resources, charts.nvidiaDevicePlugin, "nvidia-device-plugin");
        assert.deepEqual(values.nodeSelector, { [nodeRoleLabel]: "gpu" });
    });

    describe("Airflow", () => {
        const fakes = {
            fernetKey: "FAKE-FERNET-0123",
            webserverSecretKey: "FAKE-WEBSERVER-0123",
            apiSecretKey: "FAKE-API-0123",
            dbPassword: "FAKE-DB-PW-0123",
            minioPassword: "FAKE-MINIO-0123",
            adminPassword: "FAKE-ADMIN-PW-0123",
        };
        let dagsDir: string;
        before(() => {
            dagsDir = fs.mkdtempSync(path.join(os.tmpdir(), "airflow-dags-"));
            fs.writeFileSync(path.join(dagsDir, "hello.py"), "# hello\n");
        });
        after(() => fs.rmSync(dagsDir, { recursive: true, force: true }));

        function airflowArgs(overrides: Partial<AirflowArgs> = {}): AirflowArgs {
            return {
                namespace: "airflow",
                image: "spark-k8s/airflow:3.2.2-p1",
                database: { host: "db.example.internal", port: 5432, sslMode: "require" },
                credentials: {
                    airflow: secretRecord({ fernetKey: fakes.fernetKey, webserverSecretKey: fakes.webserverSecretKey, apiSecretKey: fakes.apiSecretKey }),
                    airflowDatabase: secretRecord({ username: "airflow", password: fakes.dbPassword }),
                    airflowAdmin: secretRecord({ username: "admin", password: fakes.adminPassword }),
                    minioRoot: secretRecord({ username: "minio-root", password: fakes.minioPassword }),
                },
                storage: s3,
                gitSync: { repo: "", branch: "main", subPath: "dags" },
                jobNamespaces: ["spark-jobs", "team-a"],
                sparkSubmit: true,
                sparkApplications: true,
                nodeGroups: true,
                dagsDirectory: dagsDir,
                ...overrides,
            };
        }
        const run = (overrides: Partial<AirflowArgs> = {}) => build(() => new Airflow("airflow", airflowArgs(overrides)));
        const ofType = (resources: RecordedResource[], type: string) => resources.filter((r) => r.type === type);
        const secretNamed = (resources: RecordedResource[], name: string) =>
            ofType(resources, "kubernetes:core/v1:Secret").find((r) => (r.inputs.metadata as Obj).name === name);

        it("installs the pinned chart, and no secret value reaches its values", async () => {
            const { resources } = await run();
            const values = assertOneChart(resources, charts.airflow, "airflow");
            const text = JSON.stringify(values);
            for (const fake of Object.values(fakes)) assert.ok(!text.includes(fake), fake);
            assert.ok(!text.includes("mockpw"), "the generated JWT secret");
            assert.equal(values.executor, "KubernetesExecutor");
        });

        it("keeps the connection string and keys in Kubernetes Secrets holding Pulumi secrets", async () => {
            const { resources } = await run();
            const metadata = secretNamed(resources, airflowSecretNames.metadata)!;
            assert.ok(isSecretValue(metadata.inputs.stringData), "metadata stringData is a Pulumi secret");
            const connection = (metadata.inputs.stringData as { value: Obj }).value.connection as string;
            assert.equal(connection, `postgresql://airflow:${fakes.dbPassword}@db.example.internal:5432/airflow?sslmode=require`);
            const keys = secretNamed(resources, airflowSecretNames.keys)!;
            assert.ok(isSecretValue(keys.inputs.stringData), "keys stringData is a Pulumi secret");
            const data = (keys.inputs.stringData as { value: Obj }).value;
            assert.deepEqual(Object.keys(data).sort(), ["api-secret-key", "fernet-key", "jwt-secret", "webserver-secret-key"]);
            assert.equal(data["fernet-key"], fakes.fernetKey);
            assert.ok(typeof data["jwt-secret"] === "string" && (data["jwt-secret"]).length > 0);
            assert.equal(secretNamed(resources, airflowSecretNames.storageConnection), undefined, "no MinIO connection on S3");
        });

        it("keeps the UI admin's credential in a Kubernetes Secret holding a Pulumi secret, created before the chart", async () => {
            const { resources } = await run();
            const admin = secretNamed(resources, airflowSecretNames.adminUser)!;
            assert.equal((admin.inputs.metadata as Obj).namespace, "airflow");
            assert.ok(isSecretValue(admin.inputs.stringData), "admin stringData is a Pulumi secret");
            assert.deepEqual((admin.inputs.stringData as { value: Obj }).value, { username: "admin", password: fakes.adminPassword });
            const chart = charts_(resources)[0];
            assert.ok(chart.dependencies.includes(admin.urn), "the chart (and its create-user Job) waits for the Secret");
            assert.ok(!JSON.stringify(chart.inputs).includes(fakes.adminPassword));
            assert.ok(!JSON.stringify(maskSecrets(resources.map((r) => r.inputs))).includes(fakes.adminPassword), "the plan masks it");
        });

        it("on MinIO, stores the endpoint and credentials as a secret AWS connection", async () => {
            const { resources } = await run({ storage: minio });
            const secret = secretNamed(resources, airflowSecretNames.storageConnection)!;
            assert.ok(isSecretValue(secret.inputs.stringData));
            const conn = JSON.parse((secret.inputs.stringData as { value: { connection: string } }).value.connection) as Obj;
            assert.equal(at(conn, "extra.endpoint_url"), "http://minio.minio.svc.cluster.local:9000");
            assert.equal(conn.password, fakes.minioPassword);
            const values = assertOneChart(resources, charts.airflow, "airflow");
            assert.ok(!JSON.stringify(values).includes(fakes.minioPassword));
        });

        it("creates the airflow service account and ships the DAG folder without git-sync", async () => {
            const { resources } = await run();
            const sa = ofType(resources, "kubernetes:core/v1:ServiceAccount");
            assert.deepEqual(sa.map((r) => [(r.inputs.metadata as Obj).name, (r.inputs.metadata as Obj).namespace]), [["airflow", "airflow"]]);
            const dags = ofType(resources, "kubernetes:core/v1:ConfigMap");
            assert.equal(dags.length, 1);
            assert.deepEqual(dags[0].inputs.data, { "hello.py": "# hello\n", ".airflowignore": kubeletVolumeIgnore });
            const values = assertOneChart(resources, charts.airflow, "airflow");
            assert.equal(at(values, "dags.gitSync.enabled"), false);
        });

        it("uses git-sync and no DAG ConfigMap when a repository is set", async () => {
            const { resources } = await run({ gitSync: { repo: "https://github.com/example/dags.git", branch: "main", subPath: "dags" }, dagsDirectory: "/nonexistent" });
            assert.equal(ofType(resources, "kubernetes:core/v1:ConfigMap").length, 0);
            assert.equal(at(assertOneChart(resources, charts.airflow, "airflow"), "dags.gitSync.enabled"), true);
        });

        it("grants spark-submit and SparkApplication rights in each job namespace, without wildcards", async () => {
            const { resources } = await run();
            const roles = ofType(resources, "kubernetes:rbac.authorization.k8s.io/v1:Role");
            assert.deepEqual(
                roles.map((r) => [(r.inputs.metadata as Obj).namespace, (r.inputs.metadata as Obj).name]).sort(),
                [
                    ["spark-jobs", "airflow-spark-applications"],
                    ["spark-jobs", "airflow-spark-submit"],
                    ["team-a", "airflow-spark-applications"],
                    ["team-a", "airflow-spark-submit"],
                ],
            );
            for (const role of roles) {
                const rules = role.inputs.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
                for (const rule of rules) {
                    for (const field of [rule.apiGroups, rule.resources, rule.verbs]) assert.ok(!field.includes("*"), JSON.stringify(rule));
                }
            }
            const submit = roles.find((r) => (r.inputs.metadata as Obj).name === "airflow-spark-submit")!;
            assert.deepEqual(submit.inputs.rules, sparkSubmitRules());
            const apps = roles.find((r) => (r.inputs.metadata as Obj).name === "airflow-spark-applications")!;
            // The calls SparkKubernetesOperator makes with get_logs and delete_on_termination, as in
            // dags/spark_operator_example.py: without pods and pods/log it cannot follow the driver.
            const appRules = apps.inputs.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
            const allows = (group: string, resource: string, verb: string) => appRules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
            const calls: [string, string, string][] = [
                ["sparkoperator.k8s.io", "sparkapplications", "create"],
                ["sparkoperator.k8s.io", "sparkapplications/status", "get"],
                ["sparkoperator.k8s.io", "sparkapplications", "delete"],
                ["", "pods", "list"],
                ["", "pods", "get"],
                ["", "pods/log", "get"],
                ["", "events", "list"],
            ];
            for (const [group, resource, verb] of calls) assert.ok(allows(group, resource, verb), `${verb} ${group}/${resource}`);
            assert.ok(!allows("", "pods", "create") && !allows("", "pods", "delete"), "the operator, not Airflow, creates and deletes the driver");
            const bindings = ofType(resources, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding");
            assert.equal(bindings.length, 4);
            for (const b of bindings) assert.deepEqual(b.inputs.subjects, [{ kind: "ServiceAccount", name: "airflow", namespace: "airflow" }]);
        });

        it("grants nothing in job namespaces when neither Spark path is used", async () => {
            const { resources } = await run({ sparkSubmit: false, sparkApplications: false });
            assert.equal(ofType(resources, "kubernetes:rbac.authorization.k8s.io/v1:Role").length, 0);
            assert.equal(ofType(resources, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").length, 0);
        });
    });
});
