/**
 * How many replicas each replicable platform controller runs, from services.highAvailability.
 * Pure, one table, so the chart values and the docs agree.
 *
 * Which components can run replicated, from upstream:
 * - Hive Metastore: the Thrift server keeps no state of its own (the database does), so replicas
 *   serve side by side; its count is services.metastore.replicas, not this table.
 * - Spark Operator 2.4.0 controller: leader election on by default (controller.leaderElection.enable),
 *   so a second replica is a warm standby; the webhook is stateless and serves from every replica.
 * - External Secrets Operator 1.3.2 controller: leaderElect makes extra replicas standbys; the
 *   webhook is stateless. The cert controller stays single: it only rotates the webhook's certificate.
 * - Airflow 3: several schedulers run side by side on PostgreSQL (row locks on the metadata
 *   database), API servers are stateless, and triggerers share the triggers between them. The DAG
 *   processor stays single.
 * Not replicated: the Spark History Server (one process owns its listing and cache), JupyterHub's
 * hub (single-replica by design: its state is in process), Spark Connect servers (each replica
 * would be a separate Spark application), and the in-cluster MinIO and PostgreSQL (local tier only,
 * one volume each).
 */

/** Replica counts of the replicable controllers and servers. */
export interface ControllerReplicas {
    readonly sparkOperatorController: number;
    readonly sparkOperatorWebhook: number;
    readonly externalSecretsController: number;
    readonly externalSecretsWebhook: number;
    readonly airflowScheduler: number;
    readonly airflowApiServer: number;
    readonly airflowTriggerer: number;
}

/** Two of each replicable controller with services.highAvailability, else one. */
export function controllerReplicas(highAvailability: boolean): ControllerReplicas {
    const n = highAvailability ? 2 : 1;
    return { sparkOperatorController: n, sparkOperatorWebhook: n, externalSecretsController: n, externalSecretsWebhook: n, airflowScheduler: n, airflowApiServer: n, airflowTriggerer: n };
}
