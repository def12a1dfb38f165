/**
 * JupyterHub from the Zero to JupyterHub chart, with one notebook profile per Spark Connect server
 * the stack's jupyter-connect-* scenarios run (Spark line and backend), and a GPU profile when asked.
 *
 * Values keys checked against jupyterhub/zero-to-jupyterhub-k8s jupyterhub/values.yaml of the 4.x
 * line (the official repository at the 4.0.0-4.1.0 development state, Chart appVersion 5.2.1, and
 * the released 4.1.0 values), with the repository changelog through 4.4.0, which only adds keys.
 * The chart validates values against a strict schema, so an unknown key fails the render rather
 * than being ignored; `jupyterhubValues` is the list of keys. hub.config is free-form: it becomes
 * traitlets config as it is.
 *
 * Sign-in. The chart's default is the dummy authenticator (any name, any password); it is always
 * replaced. Both authenticators below ship in the z2jh hub image (jupyterhub-nativeauthenticator
 * since 2020, oauthenticator 17 in the 4.x line), so no custom hub image is needed:
 * - native (default): nativeauthenticator.NativeAuthenticator. Users sign up with a password and
 *   cannot log in until an admin approves them at /hub/authorize (open_signup false). Names in
 *   adminUsers are approved at sign-up, so whoever signs up first under an admin's name is that
 *   admin: each admin signs up right after the first deploy, while the hub is reachable only
 *   through a port-forward.
 *   Authenticator.allow_all is true because JupyterHub 5 otherwise refuses every user that no allow
 *   list names; it does not bypass the approval, which NativeAuthenticator checks on every login.
 *   Passwords: at least 12 characters, not a common one; 5 failed logins lock a name for 10 minutes.
 * - github: oauthenticator.github.GitHubOAuthenticator with the client id and callback URL from
 *   config, limited to one organization (scope read:org) or, with none, to adminUsers. The client
 *   secret is the `githubOAuth` credential, delivered like every other (a Secret Pulumi writes, an
 *   ExternalSecret from the store, or a sealed Secret) and read by the hub as OAUTH_CLIENT_SECRET
 *   (the environment variable OAuthenticator falls back to), so it is in neither the values nor the
 *   plan; the hub rolls when its version changes.
 *
 * Chart features switched off, and why:
 * - singleuser.cloudMetadata.blockWithIptables: adds a privileged init container (iptables, NET_ADMIN)
 *   to every user pod; the chart's singleuser NetworkPolicy already denies the metadata server.
 * - prePuller hook and continuous puller: DaemonSets on every node (GPU and spot executor nodes
 *   included) and a Helm-hook Job; not privileged, but cluster-wide and outside what Pulumi orders.
 * - scheduling.userScheduler: a second kube-scheduler with cluster-wide RBAC; userPlaceholder only
 *   makes sense with it.
 *
 * Priorities. The chart has no priorityClassName key for the hub or the proxy: with
 * scheduling.podPriority.enabled it renders its own PriorityClass (value defaultPriority,
 * templates/scheduling/priorityclass.yaml) and names it on its core pods and in
 * KubeSpawner.priority_class_name. defaultPriority is the platform level's value, so the hub and
 * proxy rank with the other services; hub.config, which z2jh's jupyterhub_config.py applies after
 * its own settings, then names the driver class for the notebook pods: a notebook is an
 * interactive session, ranked with Spark drivers (it may preempt executors, never a service).
 * Keys checked against the 4.x values.yaml: scheduling.podPriority.{enabled,globalDefault,defaultPriority}.
 * - proxy.https (autohttps/traefik, secret sync) and the LoadBalancer: the proxy is ClusterIP and
 *   users reach it with `kubectl port-forward -n jupyterhub svc/proxy-public 8000:80`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { serviceEndpoints, serviceHost } from "../config/names";
import { JupyterHubConfig, JupyterImageKey, jupyterImageKey, SparkVersion } from "../config/schema";
import { inputsHashAnnotation } from "../kubernetes/rollout";
import { onGpuNodes } from "../kubernetes/scheduling";
import { priorityClassName, priorityLevels } from "../kubernetes/priorities";
import { chartResources, pinnedChart, containerSecurityContext, podSecurityContext, splitImage, systemNodeSelector } from "./charts";
import { ConnectServer, SparkBackend } from "../spark/scenarios";
import { CredentialDelivery, deliverSecret, field } from "./secretDelivery";

/** UID and GID of the jovyan user in the Jupyter images, and of the hub image's user. */
export const notebookUserId = 1000;
export const notebookGroupId = 100;
/** The nobody user the proxy runs as. */
const proxyUserId = 65534;

/** Resources of each notebook server: KubeSpawner's guarantees (requests) and limits. */
export interface NotebookSize {
    /** CPUs reserved for the notebook (its request). */
    readonly cpuGuarantee: number;
    /** Most CPUs the notebook may use. */
    readonly cpuLimit: number;
    /** Kubernetes memory quantity, e.g. "2G". */
    readonly memoryGuarantee: string;
    /** Kubernetes memory quantity above which the notebook is killed, e.g. "4G". */
    readonly memoryLimit: string;
}

/** The Secret holding the GitHub OAuth client secret (key `client-secret`); made only with github. */
export const githubOAuthSecret = { name: "jupyterhub-github-oauth", key: "client-secret" } as const;

/** Environment variable OAuthenticator reads the client secret from when client_secret is not set. */
export const oauthClientSecretEnv = "OAUTH_CLIENT_SECRET";

export const authenticatorClasses = {
    native: "nativeauthenticator.NativeAuthenticator",
    github: "oauthenticator.github.GitHubOAuthenticator",
} as const;

/** How users sign in to the hub. */
export type JupyterHubAuth =
    | {
          readonly kind: "native";
          /** Admins; they approve sign-ups. */
          readonly adminUsers: readonly string[];
      }
    | {
          readonly kind: "github";
          /** GitHub logins (lower case) that are hub admins. */
          readonly adminUsers: readonly string[];
          readonly clientId: string;
          /** https://<hub host>/hub/oauth_callback, as registered with the OAuth app. */
          readonly callbackUrl: string;
          /** Only its members may sign in; "" admits adminUsers only. */
          readonly organization: string;
      };

/** Inputs of JupyterHub: notebook profiles, images, placement, storage and sign-in. */
export interface JupyterHubArgs {
    /** Namespace the hub runs in (jupyterhub); it must exist. */
    readonly namespace: pulumi.Input<string>;
    /** Connect servers to offer a notebook profile for, the default first; each profile gets SPARK_REMOTE for its server. */
    readonly servers: readonly ConnectServer[];
    /** Notebook images, pinned by tag or digest, for each Spark line. */
    readonly images: Readonly<Record<JupyterImageKey, string>>;
    /** Adds a GPU profile (one GPU, on the GPU nodes); only where nodeGroups is true. */
    readonly gpu: boolean;
    /** Whether the platform's node groups exist; true places hub, proxy and notebooks on system nodes. */
    readonly nodeGroups: boolean;
    /** StorageClass for the hub database and the users' home volumes; undefined means the cluster default. */
    readonly storageClassName?: string;
    /** Notebook size; defaults to 0.5-2 CPUs and 2-4G. */
    readonly notebookSize?: NotebookSize;
    /** Minutes of inactivity after which a notebook server is stopped; defaults to 60. */
    readonly idleCullMinutes?: number;
    /** How users sign in (never the chart's dummy authenticator). */
    readonly auth: JupyterHubAuth;
    /** The notebooks' egress rules, from the flow table (egressRulesFrom); none opens nothing. */
    readonly notebookEgress?: readonly Record<string, unknown>[];
    /** How the GitHub OAuth client secret (credential githubOAuth) reaches the hub; needed with github sign-in. */
    readonly delivery?: CredentialDelivery;
}

/**
 * The GitHub OAuth client secret from the stack's config, read as a Pulumi secret. It is set with
 * `pulumi config set --secret --path services.jupyterhub.github.clientSecret <secret>`; the
 * validated config only records that it is set.
 */
export function githubClientSecretFromConfig(project: string): pulumi.Output<string> {
    const services = new pulumi.Config(project).requireSecretObject<{ jupyterhub?: { github?: { clientSecret?: unknown } } }>("services");
    return pulumi.secret(
        services.apply((s) => {
            const secret = s?.jupyterhub?.github?.clientSecret;
            if (typeof secret !== "string" || secret === "") throw new Error("services.jupyterhub.github.clientSecret is not set; set it with pulumi config set --secret --path");
            return secret;
        }),
    );
}

/** The sign-in settings of the validated config; the client secret is a credential (githubOAuth), not a setting. */
export function jupyterhubAuth(config: JupyterHubConfig): JupyterHubAuth {
    if (config.authenticator === "native") return { kind: "native", adminUsers: config.adminUsers };
    const { clientId, callbackUrl, organization } = config.github;
    return { kind: "github", adminUsers: config.adminUsers, clientId, callbackUrl, organization };
}

/** The authenticator's part of hub.config, and the hub's extra environment; pure, no secret value. */
export function authenticatorValues(auth: JupyterHubAuth): { config: Record<string, unknown>; extraEnv: Record<string, unknown> } {
    if (auth.adminUsers.length === 0) throw new Error("jupyterhub: adminUsers is empty; nobody could approve users or manage the hub");
    const admins = [...auth.adminUsers];
    if (auth.kind === "native") {
        return {
            config: {
                JupyterHub: { authenticator_class: authenticatorClasses.native },
                Authenticator: { admin_users: admins, allow_all: true },
                NativeAuthenticator: {
                    open_signup: false,
                    enable_signup: true,
                    minimum_password_length: 12,
                    check_common_password: true,
                    allowed_failed_logins: 5,
                    seconds_before_next_try: 600,
                },
            },
            extraEnv: {},
        };
    }
    if (!auth.clientId || !auth.callbackUrl) throw new Error("jupyterhub: GitHub sign-in needs clientId and callbackUrl");
    return {
        config: {
            JupyterHub: { authenticator_class: authenticatorClasses.github },
            Authenticator: { admin_users: admins, allow_all: false },
            GitHubOAuthenticator: {
                client_id: auth.clientId,
                oauth_callback_url: auth.callbackUrl,
                ...(auth.organization ? { allowed_organizations: [auth.organization], scope: ["read:org"] } : {}),
            },
        },
        extraEnv: { [oauthClientSecretEnv]: { valueFrom: { secretKeyRef: { name: githubOAuthSecret.name, key: githubOAuthSecret.key } } } },
    };
}

const defaultNotebookSize: NotebookSize = { cpuGuarantee: 0.5, cpuLimit: 2, memoryGuarantee: "2G", memoryLimit: "4G" };

/** `sc://spark-connect-35.spark-jobs.svc.cluster.local:15002` */
export function sparkRemote(version: string, backend: SparkBackend = "k8s"): string {
    const connect = serviceEndpoints.connect(version, backend);
    return `sc://${serviceHost(connect)}:${connect.grpcPort}`;
}

function notebookImage(args: JupyterHubArgs, version: SparkVersion): string {
    const image = args.images[jupyterImageKey(version)];
    splitImage(image);
    return image;
}

/**
 * The chart's own switches of its singleuser NetworkPolicy, all off (Zero to JupyterHub 4.x
 * singleuser.networkPolicy.egressAllowRules): the notebooks' egress is exactly the flow table's
 * (networkFlows.ts), passed in as notebookEgress.
 */
export const chartEgressAllowRulesOff = {
    cloudMetadataServer: false,
    dnsPortsCloudMetadataServer: false,
    dnsPortsKubeSystemNamespace: false,
    dnsPortsPrivateIPs: false,
    nonPrivateIPs: false,
    privateIPs: false,
} as const;

/** One KubeSpawner profile per Connect server, plus the GPU profile; pure. */
export function notebookProfiles(args: JupyterHubArgs): Record<string, unknown>[] {
    const size = args.notebookSize ?? defaultNotebookSize;
    const nodeSelector = systemNodeSelector(args.nodeGroups);
    const sizing = { cpu_guarantee: size.cpuGuarantee, cpu_limit: size.cpuLimit, mem_guarantee: size.memoryGuarantee, mem_limit: size.memoryLimit };
    const bothBackends = new Set(args.servers.map((s) => s.backend)).size > 1;
    const backendName = { k8s: "Kubernetes executors", standalone: "standalone cluster" } as const;
    const profiles: Record<string, unknown>[] = args.servers.map(({ version, backend }, i) => ({
        display_name: `Spark ${version} (Spark Connect${bothBackends ? `, ${backendName[backend]}` : ""})`,
        slug: serviceEndpoints.connect(version, backend).name.replace(/^spark-connect-/, "spark-"),
        description: `Python notebook with PySpark ${version}, connected to the Spark ${version} Connect server (${backendName[backend]}).`,
        ...(i === 0 ? { default: true } : {}),
        kubespawner_override: {
            image: notebookImage(args, version),
            environment: { SPARK_REMOTE: sparkRemote(version, backend) },
            ...sizing,
            ...(nodeSelector ? { node_selector: nodeSelector } : {}),
        },
    }));
    if (args.gpu && args.nodeGroups) {
        const { version, backend } = args.servers[0];
        const gpu = onGpuNodes(1, { nodeGroups: true });
        profiles.push({
            display_name: `Spark ${version} with one GPU`,
            slug: "gpu",
            description: "The same notebook on a GPU node with one NVIDIA GPU, for RAPIDS and other GPU libraries.",
            kubespawner_override: {
                image: notebookImage(args, version),
                environment: { SPARK_REMOTE: sparkRemote(version, backend) },
                ...sizing,
                node_selector: { ...gpu.placement.nodeSelector },
                tolerations: (gpu.placement.tolerations ?? []).map((t) => ({ ...t })),
                extra_resource_limits: { ...gpu.limits },
            },
        });
    }
    return profiles;
}

/** The chart values: pure, so tests check them directly. */
export function jupyterhubValues(args: JupyterHubArgs): Record<string, unknown> {
    if (args.servers.length === 0) throw new Error("jupyterhubValues: servers is empty; no notebook profile to offer");
    const size = args.notebookSize ?? defaultNotebookSize;
    const nodeSelector = systemNodeSelector(args.nodeGroups);
    const placement = nodeSelector ? { nodeSelector } : {};
    const defaultServer = args.servers[0];
    const defaultImage = splitImage(notebookImage(args, defaultServer.version));
    const notebookContainer = containerSecurityContext({ readOnlyRootFilesystem: false, runAsUser: notebookUserId, runAsGroup: notebookGroupId });
    const storageClass = args.storageClassName ? { storageClassName: args.storageClassName } : {};
    const auth = authenticatorValues(args.auth);
    return {
        hub: {
            ...placement,
            resources: chartResources("100m", "512Mi", "1Gi"),
            podSecurityContext: podSecurityContext(notebookUserId),
            // The hub writes its SQLite database on its volume and Python caches under its home.
            containerSecurityContext: containerSecurityContext({ readOnlyRootFilesystem: false, runAsUser: notebookUserId, runAsGroup: notebookUserId }),
            ...(args.storageClassName ? { db: { pvc: { ...storageClass } } } : {}),
            ...(Object.keys(auth.extraEnv).length > 0 ? { extraEnv: auth.extraEnv } : {}),
            config: {
                ...auth.config,
                // KubeSpawner applies these to every notebook pod, on top of singleuser.uid/fsGid.
                KubeSpawner: {
                    priority_class_name: priorityClassName("driver"),
                    container_security_context: notebookContainer,
                    pod_security_context: { runAsNonRoot: true, runAsUser: notebookUserId, fsGroup: notebookGroupId, seccompProfile: { type: "RuntimeDefault" } },
                },
            },
        },
        proxy: {
            service: { type: "ClusterIP" },
            https: { enabled: false },
            chp: {
                ...placement,
                resources: chartResources("50m", "128Mi", "256Mi"),
                containerSecurityContext: containerSecurityContext({ readOnlyRootFilesystem: true, runAsUser: proxyUserId, runAsGroup: proxyUserId }),
            },
        },
        singleuser: {
            // A digest goes into the name with an empty tag, so the chart appends nothing.
            image: defaultImage.digest ? { name: `${defaultImage.repository}@${defaultImage.digest}`, tag: "" } : { name: defaultImage.repository, tag: defaultImage.tag },
            uid: notebookUserId,
            fsGid: notebookGroupId,
            allowPrivilegeEscalation: false,
            cloudMetadata: { blockWithIptables: false },
            networkPolicy: { egress: [...(args.notebookEgress ?? [])], egressAllowRules: { ...chartEgressAllowRulesOff } },
            ...placement,
            cpu: { guarantee: size.cpuGuarantee, limit: size.cpuLimit },
            memory: { guarantee: size.memoryGuarantee, limit: size.memoryLimit },
            extraEnv: { SPARK_REMOTE: sparkRemote(defaultServer.version, defaultServer.backend) },
            storage: { type: "dynamic", capacity: "10Gi", ...(args.storageClassName ? { dynamic: { storageClass: args.storageClassName } } : {}) },
            profileList: notebookProfiles(args),
        },
        scheduling: {
            userScheduler: { enabled: false },
            userPlaceholder: { enabled: false },
            podPriority: { enabled: true, globalDefault: false, defaultPriority: priorityLevels.platform.value },
        },
        prePuller: { hook: { enabled: false }, continuous: { enabled: false } },
        cull: { enabled: true, timeout: (args.idleCullMinutes ?? 60) * 60, every: 600 },
    };
}

/** JupyterHub from the Zero to JupyterHub chart, plus the OAuth client secret's Secret for github. */
export class JupyterHub extends pulumi.ComponentResource {
    readonly chart: k8s.helm.v4.Chart;

    constructor(name: string, args: JupyterHubArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:services:JupyterHub", name, {}, opts);
        let values = jupyterhubValues(args);
        const dependsOn: pulumi.Resource[] = [];
        if (args.auth.kind === "github") {
            if (!args.delivery) throw new Error("JupyterHub: GitHub sign-in reads the githubOAuth credential; pass its delivery");
            const delivered = deliverSecret(
                `${name}-github-oauth`,
                {
                    name: githubOAuthSecret.name,
                    namespace: args.namespace,
                    labels: { "app.kubernetes.io/part-of": "spark-k8s", "app.kubernetes.io/name": "jupyterhub" },
                    data: { [githubOAuthSecret.key]: [field("githubOAuth", "clientSecret")] },
                },
                args.delivery,
                { parent: this },
            );
            if (delivered.resource) dependsOn.push(delivered.resource);
            // hub.annotations go on the hub's pod template (templates/hub/deployment.yaml of the 4.x chart).
            values = { ...values, hub: { ...(values.hub as Record<string, unknown>), annotations: { [inputsHashAnnotation]: delivered.hash } } };
        }
        this.chart = pinnedChart(name, "jupyterhub", { name: "jupyterhub", namespace: args.namespace, values }, { parent: this, dependsOn });
        this.registerOutputs({});
    }
}
