/**
 * The one table of network flows the platform allows. Every NetworkPolicy of the platform
 * (networkPolicies.ts), the JupyterHub chart's notebook egress and docs/security.md come from it.
 * Pure: it reads what the stack runs and returns the flows; nothing else opens a connection.
 */
import { connectServerLabel, namespaces, serviceEndpoints } from "../config/names";
import { airflowConnectLine } from "../config/schema";
import type { ComponentPlan } from "../spark/scenarios";
import { driverPorts } from "../spark/connect";
import { tracingPorts } from "../services/tracing";

/** Pods of one namespace chosen by labels; empty labels select every pod of the namespace. */
export interface PodPeer {
    readonly kind: "pods";
    /** Who the pods are, for the flow table. */
    readonly name: string;
    readonly namespace: string;
    readonly pods: Readonly<Record<string, string>>;
}

/** Addresses outside the cluster's pods: the Kubernetes API, the database, object storage. */
export interface CidrPeer {
    readonly kind: "cidr";
    readonly name: string;
    readonly cidr: string;
    readonly except: readonly string[];
}

/** A person on `kubectl port-forward`: the kubelet carries it into the pod, outside NetworkPolicy. */
export interface PortForwardPeer {
    readonly kind: "port-forward";
    readonly name: "users via port-forward";
}

export type Peer = PodPeer | CidrPeer | PortForwardPeer;

/** A port a flow uses; without `port`, every port of the protocol. */
export interface FlowPort {
    readonly protocol: "TCP" | "UDP";
    readonly port?: number;
}

/** One allowed connection: who opens it, to whom, on which ports, and why the platform needs it. */
export interface Flow {
    /** Unique, DNS-label safe: names the policies made from it. */
    readonly id: string;
    readonly from: Peer;
    readonly to: Peer;
    readonly ports: readonly FlowPort[];
    readonly why: string;
}

/** What decides the flows: the plan, the job namespaces, where storage and the database are, the network. */
export interface FlowInputs {
    readonly plan: Pick<ComponentPlan, "jupyterhub" | "airflow" | "sparkOperator" | "minio" | "gpu" | "connect">;
    readonly jobNamespaces: readonly string[];
    /** Object storage: S3 through the VPC's gateway endpoint, or MinIO in the cluster. */
    readonly storage: "s3" | "minio";
    /** PostgreSQL: the in-cluster StatefulSet, or RDS in the VPC. */
    readonly databaseInCluster: boolean;
    /** The VPC CIDR on AWS (the API server's and RDS's ENIs are there); absent on local. */
    readonly vpcCidr?: string;
    /** EKS Pod Identity: pods of the identities' namespaces reach the agent on the node. */
    readonly podIdentity: boolean;
    /** services.observability.enabled, and its tracing. */
    readonly observability: boolean;
    readonly tracing: boolean;
    /** The NVIDIA device plugin runs (gpu preset on node groups). */
    readonly gpuNamespace: boolean;
    /** JupyterHub signs users in with GitHub OAuth: the hub calls GitHub. */
    readonly jupyterhubOAuth: boolean;
    /** Airflow's git-sync pulls DAGs from a Git server. */
    readonly airflowGitSync: boolean;
    /** The External Secrets Operator runs; with a store provider, where its controller reads the store. */
    readonly externalSecrets?: { readonly store?: SecretStoreEndpoint };
    /** The Sealed Secrets controller runs. */
    readonly sealedSecrets: boolean;
}

/** Where the External Secrets controller reaches its secret store. */
export interface SecretStoreEndpoint {
    /** The provider, for the flow table. */
    readonly name: string;
    readonly port: number;
    /** The store lives outside the VPC (a cloud service's public endpoint): the VPC is excluded. */
    readonly outsideVpc: boolean;
}

/** Link-local range of the instance metadata service (169.254.169.254) and the Pod Identity agent. */
export const linkLocal = "169.254.0.0/16";
/** Where the EKS Pod Identity agent listens on every node (hostNetwork DaemonSet, link-local). */
export const podIdentityAgent = { cidr: "169.254.170.23/32", port: 80 } as const;
/** The instance metadata service, which no pod of the platform reaches. */
export const instanceMetadata = "169.254.169.254";

/** kube-dns / CoreDNS pods, as EKS and kind label them. */
export const kubeDnsPods = { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } } as const;

/** Labels of pods the platform does not template itself: Spark's, the charts'. */
export const workloadLabels = {
    /** Spark on Kubernetes labels the pods it creates spark-role=driver|executor. */
    driver: { "spark-role": "driver" },
    executor: { "spark-role": "executor" },
    /** Zero to JupyterHub 4.x: component=hub|proxy|singleuser-server. */
    hub: { component: "hub" },
    proxy: { component: "proxy" },
    notebook: { component: "singleuser-server" },
    /** kube-prometheus-stack: the Prometheus server pods. */
    prometheus: { "app.kubernetes.io/name": "prometheus" },
    metastore: { "app.kubernetes.io/name": serviceEndpoints.metastore.name, "app.kubernetes.io/component": "metastore" },
    postgres: { "app.kubernetes.io/name": serviceEndpoints.postgres.name, "app.kubernetes.io/component": "database" },
    minio: { "app.kubernetes.io/name": serviceEndpoints.minio.name },
} as const;

/** Spark Operator 2.4.0 chart: webhook.port (values.yaml), where the API server calls the webhook. */
export const sparkOperatorWebhookPort = 9443;
/** Spark Operator 2.4.0 chart: prometheus.metrics.port of the controller. */
export const sparkOperatorMetricsPort = 8080;
/** Airflow chart 1.22.0: the StatsD exporter's statsd-scrape port. */
export const airflowStatsdScrapePort = 9102;
/** External Secrets chart 1.3.2: webhook.port, where the API server calls the validating webhook. */
export const externalSecretsWebhookPort = 10250;
/** Sealed Secrets chart 2.19.3: service.port, the controller's HTTP API kubeseal reaches through the API server's service proxy. */
export const sealedSecretsControllerPort = 8080;
/** Zero to JupyterHub 4.x: the notebook server's port and the proxy's API port. */
export const jupyterhubPorts = { notebook: 8888, proxyApi: 8001, proxyHttp: 8000 } as const;

/** Private, shared and link-local ranges: no public service lives there. */
export const nonPublicRanges = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", linkLocal] as const;
const internet: CidrPeer = { kind: "cidr", name: "public addresses", cidr: "0.0.0.0/0", except: nonPublicRanges };

const pods = (name: string, namespace: string, labels: Readonly<Record<string, string>> = {}): PodPeer => ({ kind: "pods", name, namespace, pods: labels });
const tcp = (...ports: number[]): FlowPort[] => ports.map((port) => ({ protocol: "TCP", port }));
const allTcp: FlowPort[] = [{ protocol: "TCP" }];
const portForward: PortForwardPeer = { kind: "port-forward", name: "users via port-forward" };

/**
 * The Kubernetes API as pods reach it. On EKS the `kubernetes` Service forwards to the API
 * server's cross-account ENIs in the cluster's private subnets (endpointPrivateAccess is on), so
 * the VPC CIDR on 443 is the narrowest rule that always holds as ENIs are replaced. On local the
 * API server is the node's address on 6443 behind the Service's 443, unknown in advance: any
 * address but link-local.
 */
function kubernetesApi(i: FlowInputs): { peer: CidrPeer; ports: FlowPort[] } {
    if (i.vpcCidr) return { peer: { kind: "cidr", name: "the Kubernetes API", cidr: i.vpcCidr, except: [] }, ports: tcp(443) };
    return { peer: { kind: "cidr", name: "the Kubernetes API", cidr: "0.0.0.0/0", except: [linkLocal] }, ports: tcp(443, 6443) };
}

/**
 * Object storage for the pods that read or write it. MinIO: its S3 port in the cluster. S3: the
 * gateway endpoint routes to S3's public addresses (a prefix list, which NetworkPolicy cannot
 * name), so 443 to every address outside the VPC and link-local; no S3 address is in the VPC.
 */
function objectStorage(i: FlowInputs, from: PodPeer, idPrefix: string): Flow {
    if (i.storage === "minio") {
        return { id: `${idPrefix}-to-minio`, from, to: pods("MinIO", namespaces.minio, workloadLabels.minio), ports: tcp(serviceEndpoints.minio.port), why: "reads and writes buckets through MinIO's S3 API" };
    }
    return {
        id: `${idPrefix}-to-s3`,
        from,
        to: { kind: "cidr", name: "object storage", cidr: "0.0.0.0/0", except: [...(i.vpcCidr ? [i.vpcCidr] : []), linkLocal] },
        ports: tcp(443),
        why: "reads and writes S3 through the VPC gateway endpoint; NetworkPolicy has no prefix lists, so HTTPS to any address outside the VPC",
    };
}

/** PostgreSQL as its clients reach it: the in-cluster StatefulSet, or RDS in the VPC's subnets. */
function database(i: FlowInputs): PodPeer | CidrPeer {
    if (i.databaseInCluster) return pods("PostgreSQL", namespaces.platform, workloadLabels.postgres);
    if (!i.vpcCidr) throw new Error("networkFlows: an external database needs the VPC CIDR");
    return { kind: "cidr", name: "the database", cidr: i.vpcCidr, except: [] };
}

/** Every namespace the stack creates and NetworkPolicies govern, in creation order. */
export function platformNamespaces(i: Pick<FlowInputs, "plan" | "jobNamespaces" | "observability" | "gpuNamespace" | "externalSecrets" | "sealedSecrets">): string[] {
    return [
        ...i.jobNamespaces,
        namespaces.platform,
        ...(i.plan.minio ? [namespaces.minio] : []),
        ...(i.plan.sparkOperator ? [namespaces.operator] : []),
        ...(i.gpuNamespace ? [namespaces.gpu] : []),
        ...(i.plan.jupyterhub.enabled ? [namespaces.jupyterhub] : []),
        ...(i.plan.airflow.enabled ? [namespaces.airflow] : []),
        ...(i.externalSecrets ? [namespaces.externalSecrets] : []),
        ...(i.sealedSecrets ? [namespaces.sealedSecrets] : []),
        ...(i.observability ? [namespaces.monitoring, namespaces.nodeExporter] : []),
    ];
}

/** The namespaces whose pods hold a Pod Identity association on AWS. */
function podIdentityNamespaces(i: FlowInputs): string[] {
    return [...i.jobNamespaces, namespaces.platform, ...(i.plan.airflow.enabled ? [namespaces.airflow] : []), ...(i.externalSecrets ? [namespaces.externalSecrets] : [])];
}

/** The flow table of a stack: only what the stack runs. */
export function networkFlows(i: FlowInputs): Flow[] {
    const flows: Flow[] = [];
    const api = kubernetesApi(i);
    const toApi = (id: string, from: PodPeer, why: string): Flow => ({ id, from, to: api.peer, ports: api.ports, why });
    const fromApiServer = (id: string, to: PodPeer, port: number, why: string): Flow => ({ id, from: { ...api.peer, name: "the Kubernetes API server" }, to, ports: tcp(port), why });
    const db = database(i);
    const nsList = platformNamespaces(i);
    const metastore = pods("Hive Metastore", namespaces.platform, workloadLabels.metastore);
    const connectPods = (ns: string) => pods("Spark Connect servers", ns, connectServerLabel);

    for (const ns of nsList) {
        flows.push({
            id: `${ns}-to-dns`,
            from: pods(`pods of ${ns}`, ns),
            to: { kind: "pods", name: "DNS", namespace: kubeDnsPods.namespace, pods: kubeDnsPods.labels },
            ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
            why: "resolves Service names through kube-dns",
        });
    }

    for (const ns of i.jobNamespaces) {
        const all = pods(`Spark pods of ${ns}`, ns);
        flows.push(
            {
                id: `${ns}-executors-to-driver`,
                from: pods("Spark executors", ns, workloadLabels.executor),
                to: pods("Spark drivers", ns, workloadLabels.driver),
                ports: tcp(driverPorts.driver, driverPorts.blockManager),
                why: "executors register with the driver (spark.driver.port) and fetch from its block manager (spark.driver.blockManager.port)",
            },
            {
                id: `${ns}-spark-internal`,
                from: all,
                to: all,
                ports: allTcp,
                why: "shuffle and block transfers between executors and back to the driver use block managers on ephemeral ports (spark.blockManager.port is not set), and standalone workers register with their master; only within one job namespace",
            },
            toApi(`${ns}-drivers-to-api`, pods("Spark drivers", ns, workloadLabels.driver), "a driver creates and watches its executor pods; executors never call the API"),
            { id: `${ns}-to-metastore`, from: all, to: metastore, ports: tcp(serviceEndpoints.metastore.port), why: "Spark reads and writes table metadata through the Hive Metastore's Thrift API" },
            objectStorage(i, all, ns),
        );
        if (connectNamespaces(i).includes(ns)) {
            flows.push(
                {
                    id: `${ns}-executors-to-connect`,
                    from: pods("Spark executors", ns, workloadLabels.executor),
                    to: connectPods(ns),
                    ports: tcp(driverPorts.driver, driverPorts.blockManager),
                    why: "a Connect server is its executors' driver: the same two ports",
                },
                toApi(`${ns}-connect-to-api`, connectPods(ns), "a Connect server is a long-running driver that creates its executor pods"),
            );
        }
    }

    const platform = pods("spark-platform pods", namespaces.platform);
    flows.push(
        {
            id: "platform-to-database",
            from: platform,
            to: db,
            ports: tcp(serviceEndpoints.postgres.port),
            why: "the Metastore, its schema Job, the database-init Job and the backups use PostgreSQL",
        },
        objectStorage(i, platform, "platform"),
        { id: "history-server-ui", from: portForward, to: pods("History Server", namespaces.platform, { "app.kubernetes.io/name": serviceEndpoints.historyServer.name }), ports: tcp(serviceEndpoints.historyServer.port), why: "people read the History Server UI through kubectl port-forward only" },
    );

    if (i.plan.minio) {
        const minio = pods("MinIO", namespaces.minio, workloadLabels.minio);
        flows.push(
            { id: "minio-bucket-job", from: pods("MinIO's bucket Job", namespaces.minio), to: minio, ports: tcp(serviceEndpoints.minio.port), why: "the bucket Job creates the buckets and their lifecycle rules" },
            { id: "minio-console", from: portForward, to: minio, ports: tcp(serviceEndpoints.minio.consolePort), why: "the console is for people, through kubectl port-forward only" },
        );
    }

    if (i.plan.sparkOperator) {
        const operator = pods("Spark Operator", namespaces.operator);
        flows.push(
            toApi("operator-to-api", operator, "the controller watches SparkApplications and creates drivers; the webhook reads pods"),
            fromApiServer("api-to-operator-webhook", operator, sparkOperatorWebhookPort, "the API server calls the mutating webhook when driver and executor pods are created"),
        );
    }

    if (i.plan.jupyterhub.enabled) {
        const ns = namespaces.jupyterhub;
        const hub = pods("JupyterHub hub", ns, workloadLabels.hub);
        const proxy = pods("JupyterHub proxy", ns, workloadLabels.proxy);
        const notebook = pods("notebooks", ns, workloadLabels.notebook);
        flows.push(
            ...(i.jupyterhubOAuth ? [{ id: "hub-to-oauth", from: hub, to: internet, ports: tcp(443), why: "the hub exchanges GitHub OAuth codes with GitHub" }] : []),
            { id: "notebooks-to-internet", from: notebook, to: internet, ports: tcp(443), why: "notebooks install packages and clone repositories over HTTPS; no private address (the database, the API, other namespaces) is reachable" },
            toApi("hub-to-api", hub, "the hub's KubeSpawner creates and deletes notebook pods"),
            { id: "hub-to-proxy", from: hub, to: proxy, ports: tcp(jupyterhubPorts.proxyApi), why: "the hub registers routes in the proxy's API" },
            { id: "proxy-to-hub", from: proxy, to: hub, ports: tcp(serviceEndpoints.jupyterhubHub.port), why: "the proxy forwards /hub to the hub" },
            { id: "proxy-to-notebooks", from: proxy, to: notebook, ports: tcp(jupyterhubPorts.notebook), why: "the proxy forwards /user to each notebook server" },
            { id: "hub-to-notebooks", from: hub, to: notebook, ports: tcp(jupyterhubPorts.notebook), why: "the hub checks and stops notebook servers" },
            { id: "notebooks-to-hub", from: notebook, to: hub, ports: tcp(serviceEndpoints.jupyterhubHub.port), why: "notebook servers authenticate users and report activity to the hub" },
            { id: "jupyterhub-ui", from: portForward, to: proxy, ports: tcp(jupyterhubPorts.proxyHttp), why: "people open JupyterHub through kubectl port-forward to the proxy" },
        );
        for (const connectNs of connectNamespaces(i)) {
            flows.push({
                id: `notebooks-to-connect-${connectNs}`,
                from: notebook,
                to: connectPods(connectNs),
                ports: tcp(serviceEndpoints.connect("3.5").grpcPort, serviceEndpoints.connect("3.5").uiPort),
                why: "notebooks run PySpark over Spark Connect's gRPC API and link its UI",
            });
        }
    }

    if (i.plan.airflow.enabled) {
        const ns = namespaces.airflow;
        const airflow = pods("Airflow", ns);
        flows.push(
            { id: "airflow-internal", from: airflow, to: airflow, ports: allTcp, why: "the chart's scheduler, API server, DAG processor, triggerer, StatsD exporter and task pods talk to each other" },
            toApi("airflow-to-api", airflow, "the KubernetesExecutor starts task pods; spark-submit and SparkApplication DAGs create Spark objects in the job namespaces"),
            { id: "airflow-to-database", from: airflow, to: db, ports: tcp(serviceEndpoints.postgres.port), why: "Airflow's metadata database" },
            objectStorage(i, airflow, "airflow"),
            { id: "airflow-ui", from: portForward, to: pods("Airflow API server", ns), ports: tcp(serviceEndpoints.airflowApiServer.port), why: "people open the Airflow UI through kubectl port-forward" },
        );
        if (i.airflowGitSync) flows.push({ id: "airflow-to-git", from: airflow, to: internet, ports: tcp(443), why: "git-sync pulls the DAG repository over HTTPS" });
        if (i.plan.airflow.connectBackends.length > 0) {
            for (const connectNs of connectNamespaces(i)) {
                flows.push({ id: `airflow-to-connect-${connectNs}`, from: airflow, to: connectPods(connectNs), ports: tcp(serviceEndpoints.connect(airflowConnectLine).grpcPort), why: "Connect DAGs run PySpark over Spark Connect's gRPC API" });
            }
        }
        if (i.tracing) {
            flows.push({ id: "airflow-to-collector", from: airflow, to: pods("OpenTelemetry collector", namespaces.monitoring), ports: tcp(tracingPorts.otlpHttp), why: "Airflow exports traces over OTLP/HTTP" });
        }
    }

    if (i.externalSecrets) {
        const operator = pods("External Secrets Operator", namespaces.externalSecrets);
        flows.push(
            toApi("external-secrets-to-api", operator, "the controller reads ExternalSecrets and writes the Secrets they make; the cert controller keeps the webhook's certificate and CRDs current"),
            fromApiServer("api-to-external-secrets-webhook", pods("External Secrets webhook", namespaces.externalSecrets, { "app.kubernetes.io/name": "external-secrets-webhook" }), externalSecretsWebhookPort, "the API server calls the validating webhook when stores and ExternalSecrets are written"),
        );
        const store = i.externalSecrets.store;
        if (store) {
            flows.push({
                id: "external-secrets-to-store",
                from: pods("External Secrets controller", namespaces.externalSecrets, { "app.kubernetes.io/name": "external-secrets" }),
                to: { kind: "cidr", name: store.name, cidr: "0.0.0.0/0", except: [...(store.outsideVpc && i.vpcCidr ? [i.vpcCidr] : []), linkLocal] },
                ports: tcp(store.port),
                why: `the controller reads the credentials from ${store.name}; its address is not known to the cluster, so the port to any address but link-local`,
            });
        }
    }

    if (i.sealedSecrets) {
        const controller = pods("Sealed Secrets controller", namespaces.sealedSecrets);
        flows.push(
            toApi("sealed-secrets-to-api", controller, "the controller watches SealedSecrets and writes the Secrets it decrypts"),
            fromApiServer("api-to-sealed-secrets", controller, sealedSecretsControllerPort, "kubeseal fetches the public certificate and validates through the API server's service proxy"),
        );
    }

    if (i.podIdentity) {
        for (const ns of podIdentityNamespaces(i)) {
            flows.push({
                id: `${ns}-to-pod-identity`,
                from: pods(`pods of ${ns}`, ns),
                to: { kind: "cidr", name: "the EKS Pod Identity agent", cidr: podIdentityAgent.cidr, except: [] },
                ports: tcp(podIdentityAgent.port),
                why: "AWS SDKs fetch Pod Identity credentials from the node's agent; the instance metadata service stays closed",
            });
        }
    }

    if (i.observability) {
        const monitoring = pods("monitoring pods", namespaces.monitoring);
        const prometheus = pods("Prometheus", namespaces.monitoring, workloadLabels.prometheus);
        flows.push(
            { id: "monitoring-internal", from: monitoring, to: monitoring, ports: allTcp, why: "Prometheus, Alertmanager, Grafana, the operator, Tempo and the collector talk to each other" },
            toApi("monitoring-to-api", monitoring, "the Prometheus operator, service discovery, kube-state-metrics and Grafana's sidecars read the API"),
            {
                id: "prometheus-to-nodes",
                from: prometheus,
                to: { ...api.peer, name: "the nodes" },
                ports: tcp(10250, 9100),
                why: "Prometheus scrapes the kubelets and node-exporter, which listen on the nodes' addresses (node-exporter runs on the host network)",
            },
            { id: "grafana-ui", from: portForward, to: pods("Grafana", namespaces.monitoring, { "app.kubernetes.io/name": "grafana" }), ports: tcp(3000), why: "people open Grafana through kubectl port-forward" },
        );
        for (const target of scrapeTargets(i)) {
            flows.push({ id: `prometheus-scrapes-${target.id}`, from: prometheus, to: target.peer, ports: tcp(target.port), why: `Prometheus scrapes ${target.what}; only the Prometheus pods may` });
        }
    }
    return flows;
}

/**
 * What Prometheus scrapes, on the ports the PodMonitors name (observability/platformMonitors.ts,
 * sparkMonitors.ts): Spark UIs (PrometheusServlet), the operator's controller metrics (chart
 * 2.4.0 prometheus.metrics.port), Airflow's StatsD exporter (chart 1.22.0 statsd-scrape) and MinIO's
 * S3 port (its metrics path). Nothing else of a namespace is open to Prometheus.
 */
export function scrapeTargets(i: FlowInputs): { id: string; peer: PodPeer; port: number; what: string }[] {
    const ui = serviceEndpoints.connect("3.5").uiPort;
    return [
        ...i.jobNamespaces.flatMap((ns) => [
            { id: `${ns}-drivers`, peer: pods("Spark drivers", ns, workloadLabels.driver), port: ui, what: "the drivers' Spark UI metrics" },
            ...(connectNamespaces(i).includes(ns) ? [{ id: `${ns}-connect`, peer: pods("Spark Connect servers", ns, connectServerLabel), port: ui, what: "the Connect servers' Spark UI metrics" }] : []),
        ]),
        ...(i.plan.sparkOperator ? [{ id: "spark-operator", peer: pods("Spark Operator controller", namespaces.operator, { "app.kubernetes.io/component": "controller" }), port: sparkOperatorMetricsPort, what: "the operator's controller metrics" }] : []),
        ...(i.plan.airflow.enabled ? [{ id: "airflow-statsd", peer: pods("Airflow StatsD exporter", namespaces.airflow, { component: "statsd" }), port: airflowStatsdScrapePort, what: "Airflow's StatsD exporter" }] : []),
        ...(i.plan.minio ? [{ id: "minio", peer: pods("MinIO", namespaces.minio, workloadLabels.minio), port: serviceEndpoints.minio.port, what: "MinIO's cluster metrics on its S3 port" }] : []),
    ];
}

/** The namespaces Connect servers run in. */
function connectNamespaces(i: FlowInputs): string[] {
    return i.plan.connect.versions.length > 0 ? [serviceEndpoints.connect("3.5").namespace] : [];
}
