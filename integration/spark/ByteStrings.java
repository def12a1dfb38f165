// Prints, for each argument, how Spark reads it as spark.executor.memory does (a size in MiB when
// no unit is given): "ok <MiB>" or "refused". Run with the distribution's jars on the classpath.
import org.apache.spark.network.util.JavaUtils;

public class ByteStrings {
    public static void main(String[] args) {
        for (String arg : args) {
            try {
                System.out.println("ok " + JavaUtils.byteStringAsMb(arg));
            } catch (NumberFormatException e) {
                System.out.println("refused");
            }
        }
    }
}
