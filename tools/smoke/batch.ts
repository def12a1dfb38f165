/**
 * The smoke test's batch run: SparkPi in local mode, in a pod of a line's runtime image in the job
 * namespace, with that line's Connect server configuration (its spark-defaults ConfigMap: event
 * log, object storage, credentials provider) and the job namespace's storage credentials. It ends,
 * so its event log is whole in object storage and the History Server can list it, completed; a
 * running Connect server's rolling event log is not readable there until it rolls.
 *
 * Local mode keeps the check to one pod: the executors of a Kubernetes-mode job are what the Connect
 * check's table write already exercises. On the command line, later than the properties file, the
 * run sets its own name, a small driver and a loopback driver address (the file's driver host is
 * the Connect server's Service).
 */
import type { V1Pod } from "@kubernetes/client-node";
import { hardenPodSpec, sparkUserId } from "../../components/kubernetes/hardening";
import { sparkConfDir, sparkDefaultsPath } from "../../components/spark/connect";
import { sparkWritablePaths } from "../../components/spark/podTemplates";
import { nameStamp, randomTail } from "./checks";
import { checkPod } from "./kube";
import { BatchTarget } from "./plan";

/** SPARK_HOME of the apache/spark images the runtime images build on. */
export const imageSparkHome = "/opt/spark";

/** The application's name: unique per run, so the History Server check finds exactly this run. */
export function batchAppName(lineSuffix: string, at: Date, random: () => number = Math.random): string {
    return `spark-k8s-smoke-${lineSuffix}-${nameStamp(at)}-${randomTail(random, 4)}`;
}

/** What SparkPi prints when it ends well. */
export const sparkPiResult = /Pi is roughly 3\.1\d*/;

/** The command: spark-submit of the examples' pi.py in local mode, the properties file first and the run's own settings after it. */
export function batchCommand(options: { sparkHome: string; propertiesFile: string; appName: string }): string[] {
    const { sparkHome, propertiesFile, appName } = options;
    return [
        `${sparkHome}/bin/spark-submit`,
        "--master", "local[1]",
        "--properties-file", propertiesFile,
        "--name", appName,
        "--driver-memory", "512m",
        "--conf", "spark.driver.host=127.0.0.1",
        "--conf", "spark.driver.bindAddress=127.0.0.1",
        "--conf", "spark.ui.enabled=false",
        `${sparkHome}/examples/src/main/python/pi.py`,
        "10",
    ];
}

/** The batch pod, hardened like the Spark pods of the platform. */
export function batchPod(target: BatchTarget, podName: string, appName: string, deadlineSeconds: number): V1Pod {
    const spec = hardenPodSpec({
        containers: [{
            name: "spark-pi",
            image: target.image,
            command: batchCommand({ sparkHome: imageSparkHome, propertiesFile: sparkDefaultsPath, appName }),
            env: [{ name: "SPARK_CONF_DIR", value: sparkConfDir }, ...target.env],
            volumeMounts: [{ name: "spark-conf", mountPath: sparkConfDir, readOnly: true }],
            resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "1Gi" } },
            writablePaths: sparkWritablePaths,
        }],
        volumes: [{ name: "spark-conf", configMap: { name: target.configMap } }],
        serviceAccountName: target.serviceAccount,
        runAsUser: sparkUserId,
        restartPolicy: "Never",
        ...target.placement,
    });
    return checkPod({ name: podName, namespace: target.namespace, component: "batch-check", spec, deadlineSeconds });
}
