// Loads a Spark pod template file with Spark's own loader (KubernetesUtils.loadPodFromTemplate, as
// the driver does for spark.kubernetes.executor.podTemplateFile) and prints the SparkPod as JSON:
// {"pod": <pod without the selected container>, "container": <the container Spark runs in>}.
// Usage: java -cp "$SPARK_HOME/jars/*" PodTemplate.java <template file> <container name>
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.k8s.KubernetesUtils;
import org.apache.spark.deploy.k8s.SparkPod;

public class PodTemplate {
    public static void main(String[] args) throws Exception {
        try (KubernetesClient client = new KubernetesClientBuilder().build()) {
            SparkPod pod = KubernetesUtils.loadPodFromTemplate(client, args[0], scala.Option.apply(args[1]), new SparkConf(false));
            System.out.println(Serialization.asJson(Map.of("pod", pod.pod(), "container", pod.container())));
        }
    }
}
