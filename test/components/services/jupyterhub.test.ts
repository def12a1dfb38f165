import { strict as assert } from "assert";
import { gpuTaint, nodeRoleLabel } from "../../../components/config/nodeRoles";
import { secretConfigMarker } from "../../../components/config";
import { charts } from "../../../components/services/charts";
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
} from "../../../components/services/jupyterhub";
import * as pulumi from "@pulumi/pulumi";
import { inputsHashAnnotation } from "../../../components/kubernetes/rollout";
import { writeSecrets } from "../../../components/services/secretDelivery";
import { isSecretValue, maskSecrets, runProgram, runStack } from "../../../tools/harness";
import { assertBlocksAt, assertOneChart, at, build, chartType, charts_, hardeningProblems, Obj, systemSelector } from "../../support/chartValues";

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
    };
    const delivery = writeSecrets({ githubOAuth: pulumi.secret(pulumi.output<Record<string, string>>({ clientSecret: fakeClientSecret })) });
    const args = (auth: JupyterHubAuth): JupyterHubArgs => ({ namespace: "jupyterhub", servers: [{ version: "3.5", backend: "k8s" }], images, gpu: false, nodeGroups: true, auth, delivery });
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

    it("turns the validated config into sign-in settings; the GitHub secret is read from config as a Pulumi secret", async () => {
        const native = jupyterhubAuth({ authenticator: "native", adminUsers: ["alice"], github: { clientId: "", organization: "", callbackUrl: "", clientSecret: "" } });
        assert.deepEqual(native, { kind: "native", adminUsers: ["alice"] });
        const auth = jupyterhubAuth({ authenticator: "github", adminUsers: ["octo"], github: { clientId: "Ov23liFAKECLIENTID", organization: "", callbackUrl: "https://hub.example.com/hub/oauth_callback", clientSecret: secretConfigMarker } });
        assert.ok(!JSON.stringify(auth).includes(secretConfigMarker), "the sign-in settings hold no secret");
        const services = { jupyterhub: { authenticator: "github", github: { clientId: "Ov23liFAKECLIENTID", clientSecret: fakeClientSecret } } };
        const { result } = await runProgram(() => githubClientSecretFromConfig("spark-k8s"), { values: { "spark-k8s:services": JSON.stringify(services) } });
        assert.ok(isSecretValue(result), "the client secret is read as a Pulumi secret");
        assert.equal(result.value, fakeClientSecret, "the real value, not the marker");
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
        const annotations = at(chart.inputs.values, "hub.annotations") as Obj;
        assert.match(String(annotations[inputsHashAnnotation]), /^[0-9a-f]{32}$/, "the hub rolls when the client secret changes");
        assert.ok(!JSON.stringify(maskSecrets(resources.map((r) => r.inputs))).includes(fakeClientSecret), "the plan masks it");
    });

    it("with a store, the client secret arrives as an ExternalSecret of the same name, and Pulumi never holds it", async () => {
        const store = { plan: { kind: "externalSecret", provider: "vault", platformId: "spark-k8s-dev", refreshInterval: "1h", revision: "r1" }, values: {} } as const;
        const { resources } = await build(() => new JupyterHub("jupyterhub", { ...args(github), delivery: store }));
        assert.equal(resources.filter((r) => r.type === "kubernetes:core/v1:Secret").length, 0);
        const es = resources.filter((r) => r.type === "kubernetes:external-secrets.io/v1:ExternalSecret");
        assert.equal(es.length, 1);
        const spec = es[0].inputs.spec as { target: { name: string; template: { data: Obj } }; data: { remoteRef: { key: string; property: string } }[] };
        assert.equal(spec.target.name, githubOAuthSecret.name);
        assert.deepEqual(Object.keys(spec.target.template.data), [githubOAuthSecret.key]);
        assert.deepEqual(spec.data.map((d) => d.remoteRef), [{ key: "spark-k8s-dev/jupyterhub-github-oauth", property: "clientSecret" }]);
        assert.ok(charts_(resources)[0].dependencies.includes(es[0].urn), "the chart waits for the ExternalSecret");
    });

    it("refuses GitHub sign-in without a way to deliver the client secret", async () => {
        await assert.rejects(build(() => new JupyterHub("jupyterhub", { ...args(github), delivery: undefined })), /githubOAuth/);
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

describe("services: chart components under mocks", () => {
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
});
