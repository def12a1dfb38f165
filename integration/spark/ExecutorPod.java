import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.k8s.KubernetesConf$;
import org.apache.spark.deploy.k8s.KubernetesExecutorConf;
import org.apache.spark.resource.ResourceProfile$;
import org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBuilder;

/**
 * Builds the pod of executor 1 the way a driver does (KubernetesExecutorBuilder over every feature
 * step), from a spark-defaults.conf and the executor pod template at the given paths, and prints
 * the fields of the pod the platform sets through the template, one "key=value" a line. Nothing
 * talks to a cluster: the client only parses the template file.
 */
public class ExecutorPod {
    public static void main(String[] args) throws Exception {
        Properties defaults = new Properties();
        try (InputStreamReader in = new InputStreamReader(new FileInputStream(args[0]), StandardCharsets.UTF_8)) {
            defaults.load(in);
        }
        SparkConf conf = new SparkConf(false);
        for (String key : defaults.stringPropertyNames()) conf.set(key, defaults.getProperty(key).trim());
        conf.set("spark.master", "k8s://https://127.0.0.1:6443")
            .set("spark.app.id", "spark-app-1")
            .set("spark.kubernetes.executor.podTemplateFile", args[1]);
        KubernetesExecutorConf executorConf = KubernetesConf$.MODULE$.createExecutorConf(conf, "1", "spark-app-1", scala.Option.empty(), 0);
        org.apache.spark.SecurityManager security = new org.apache.spark.SecurityManager(conf, scala.Option.empty(), org.apache.spark.internal.config.package$.MODULE$.AUTH_SECRET_FILE_EXECUTOR());
        try (KubernetesClient client = new KubernetesClientBuilder().build()) {
            Pod pod = new KubernetesExecutorBuilder().buildFromFeatures(executorConf, security, client, ResourceProfile$.MODULE$.getOrCreateDefaultProfile(conf)).pod().pod();
            System.out.println("priorityClassName=" + pod.getSpec().getPriorityClassName());
            System.out.println("restartPolicy=" + pod.getSpec().getRestartPolicy());
            System.out.println("terminationGracePeriodSeconds=" + pod.getSpec().getTerminationGracePeriodSeconds());
        }
    }
}
