/**
 * Least-privilege Role rules for Spark on Kubernetes, taken from the API calls Spark 3.5 and 4.x
 * make (fabric8 client 6+/7): a collection delete by label selector is the `deletecollection`
 * verb, and server-side apply is `patch` (plus `create` when the object does not exist yet).
 * Spark's own guide only says the driver needs "a Role or ClusterRole that allows driver pods
 * to create pods and services" and suggests the built-in `edit` ClusterRole; these are narrower.
 */

/** RBAC verbs the rules may use; there is deliberately no wildcard. */
export type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete" | "deletecollection";

/** One Role rule; assignable to `k8s.types.input.rbac.v1.PolicyRule`. */
export interface PolicyRule {
    apiGroups: string[];
    resources: string[];
    verbs: Verb[];
}

const core = (resources: string[], verbs: Verb[]): PolicyRule => ({ apiGroups: [""], resources, verbs });

/**
 * What a Spark driver in Kubernetes mode needs in its own namespace (cluster or client mode):
 * - pods: get its own pod and wait for it to be ready; list and watch executors; create them;
 *   patch labels (executor ID, decommissioning, inactive) and deletion-cost annotations; delete
 *   one, and delete by label at scale-down and shutdown.
 * - configmaps: create the executors' config map; delete it by label at shutdown.
 * - persistentvolumeclaims: create on-demand executor claims; list them for reuse; delete them by
 *   label at shutdown when the driver owns them.
 * - services: delete the driver service by label at shutdown; patch the UI service's target port.
 * Not covered: the opt-in `deployment` and `statefulset` executor allocators (apps resources).
 */
export function sparkDriverRules(): PolicyRule[] {
    return [
        core(["pods"], ["get", "list", "watch", "create", "patch", "delete", "deletecollection"]),
        core(["configmaps"], ["create", "deletecollection"]),
        core(["persistentvolumeclaims"], ["list", "create", "deletecollection"]),
        core(["services"], ["patch", "deletecollection"]),
    ];
}

/**
 * What the driver of a SparkApplication run by the Spark Operator needs in a job namespace. The
 * operator runs spark-submit itself, so its drivers are ordinary Spark drivers and need exactly
 * the driver rules; bind these instead of the chart's own spark Role (`spark.rbac.create`), which
 * grants get/list/watch/create/update/patch/delete/deletecollection on all four resources.
 */
export function sparkOperatorJobRules(): PolicyRule[] {
    return sparkDriverRules();
}

/**
 * What a client running spark-submit in cluster mode needs in the job namespace: server-side
 * apply the driver's config map, service and on-demand claims (create + patch), create the
 * driver pod, watch and get it until it finishes (and list pods for `--status` and `--kill`),
 * read its log, and delete what it created when submission fails or on `--kill`.
 * Not covered: Kerberos delegation-token secrets.
 */
export function sparkSubmitRules(): PolicyRule[] {
    return [
        core(["pods"], ["get", "list", "watch", "create", "delete"]),
        core(["pods/log"], ["get"]),
        core(["services", "configmaps", "persistentvolumeclaims"], ["create", "patch", "delete"]),
    ];
}

/**
 * What Airflow's SparkKubernetesOperator needs in a job namespace (apache-airflow-providers-cncf-
 * kubernetes, operators/spark_kubernetes.py and custom_object_launcher.py): create the
 * SparkApplication, poll its status, delete it when done; find the driver pod by label, poll it,
 * follow its log (get_logs), and read the pod's events while it waits to start (PodManager).
 */
export function sparkApplicationRules(): PolicyRule[] {
    return [
        { apiGroups: ["sparkoperator.k8s.io"], resources: ["sparkapplications"], verbs: ["create", "get", "list", "watch", "delete"] },
        { apiGroups: ["sparkoperator.k8s.io"], resources: ["sparkapplications/status"], verbs: ["get"] },
        core(["pods"], ["get", "list", "watch"]),
        core(["pods/log"], ["get"]),
        core(["events"], ["get", "list", "watch"]),
    ];
}

/**
 * What a team's data engineers may do in their own job namespace (bound to the team's group, never
 * cluster-wide): run and manage Spark work, read what it says, and nothing that widens their rights.
 * - pods: everything spark-submit and an engineer do (submit in cluster mode, kill, clean up);
 *   pods/log to read, pods/exec and pods/portforward to debug a driver and open its UI. Exec adds
 *   no right: the team may already create pods with the namespace's service account.
 * - services, configmaps, persistentvolumeclaims: what spark-submit creates, plus clean-up.
 * - SparkApplications and ScheduledSparkApplications (the Spark Operator), batch Jobs and CronJobs.
 * - events, quota and LimitRange, service accounts: read only.
 * Not granted: secrets (credentials arrive through the platform: External Secrets, Pod Identity),
 * Roles and RoleBindings (no self-escalation), NetworkPolicies, the namespace itself.
 */
export function teamRules(): PolicyRule[] {
    const manage: Verb[] = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];
    const read: Verb[] = ["get", "list", "watch"];
    return [
        core(["pods", "services", "configmaps", "persistentvolumeclaims"], manage),
        core(["pods/log"], ["get"]),
        core(["pods/exec", "pods/portforward"], ["create", "get"]),
        core(["events", "resourcequotas", "limitranges", "serviceaccounts"], read),
        { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: read },
        { apiGroups: ["sparkoperator.k8s.io"], resources: ["sparkapplications", "scheduledsparkapplications"], verbs: manage },
        { apiGroups: ["sparkoperator.k8s.io"], resources: ["sparkapplications/status", "scheduledsparkapplications/status"], verbs: read },
        { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: manage },
    ];
}
