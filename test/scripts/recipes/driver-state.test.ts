import { strict as assert } from "assert";
import * as fs from "fs";
import { serviceEndpoints } from "../../../components/config/names";
import { connectDriverService } from "../../../components/spark/connect";
import { runWithStandIns } from "../../support/commandStandIn";
import { assertHelp, assertUsageError, fixture, recipe, recorded } from "./recipes";

const script = recipe("driver-state.sh");
const driver = "nightly-orders-3f9a1c7e5d2b4a60-driver";
const app = "spark-7c1e4f2a9b8d4e6f8a0b1c2d3e4f5a6b";
const connect = serviceEndpoints.connect("3.5");
const connectPod = "spark-connect-35-6d8f9b7c4-x2k9p";
/** The calls without their --output templates. */
const issued = (run: { joined: (c: string) => string[] }): string[] => run.joined("kubectl").map((c) => c.split(" --output")[0]);
const problems = (stdout: string): string[] => stdout.split("\n").filter((l) => l.startsWith("PROBLEM"));

describe("scripts/recipes/driver-state.sh", () => {
    it("--help documents every flag and the exit codes", () => {
        assertHelp(script, ["--pod", "--app", "--connect", "--namespace"]);
    });

    it("refuses bad flags with exit 2, naming the flag", () => {
        assertUsageError(script, ["--pod", driver, "--verbose"], "--verbose");
        assertUsageError(script, ["--pod"], "--pod");
        assertUsageError(script, ["--connect", "Spark_Connect"], "--connect");
        assertUsageError(script, ["--pod", driver, "--connect", connect.name], /exactly one of --pod, --app and --connect/);
        assertUsageError(script, [], /exactly one of/);
    });

    it("the fixtures name the platform's Connect server and its headless Service", () => {
        assert.equal(connect.name, "spark-connect-35");
        assert.equal(connect.namespace, "spark-jobs");
        const services = fs.readFileSync(fixture("connect-healthy/services.txt"), "utf8");
        assert.match(services, new RegExp(`^${connectDriverService("3.5").name}\\tNone\\t`, "m"));
        const conf = fs.readFileSync(fixture("connect-healthy/configmap-spark-connect-35-conf.txt"), "utf8");
        assert.match(conf, new RegExp(`^spark\\.driver\\.host ${connectDriverService("3.5").host("spark-jobs").replace(/\./g, "\\.")}$`, "m"));
    });

    it("a running cluster-mode driver with its owned headless Service is healthy (exit 0)", () => {
        const run = runWithStandIns(script, ["--pod", driver], recorded("driver-running"));
        assert.equal(run.status, 0, run.stdout + run.stderr);
        assert.deepEqual(problems(run.stdout), []);
        assert.match(run.stdout, /SPARK_DRIVER_BIND_ADDRESS: fieldRef:status\.podIP/);
        assert.match(run.stdout, /headless Service: nightly-orders-3f9a1c7e5d2b4a60-driver-svc \(clusterIP None\)/);
        assert.match(run.stdout, /pod IP: 10\.42\.16\.57/);
        assert.deepEqual(issued(run), [
            `get pod ${driver} --namespace spark-jobs`,
            `get events --namespace spark-jobs --field-selector involvedObject.name=${driver}`,
            "get services --namespace spark-jobs",
            "get resourcequota --namespace spark-jobs",
        ]);
    });

    it("--app finds the driver pod by Spark's labels", () => {
        const run = runWithStandIns(script, ["--app", app, "-n", "spark-jobs"], recorded("driver-running"));
        assert.equal(run.status, 0, run.stdout + run.stderr);
        assert.equal(issued(run)[0], `get pods --namespace spark-jobs --selector spark-role=driver,spark-app-selector=${app}`);
        assert.equal(issued(run)[1], `get pod ${driver} --namespace spark-jobs`);
        const none = runWithStandIns(script, ["--app", "spark-0000"], recorded("driver-running", [{ command: "kubectl", match: "^get pods ", stdout: "" }]));
        assert.equal(none.status, 1);
        assert.match(none.stdout, /PROBLEM {2}no driver pod in namespace spark-jobs has labels spark-role=driver,spark-app-selector=spark-0000/);
    });

    it("an unschedulable driver: the scheduler's reason, and no driver Service yet (exit 1)", () => {
        const run = runWithStandIns(script, ["--pod", driver], recorded("driver-unschedulable"));
        assert.equal(run.status, 1);
        const found = problems(run.stdout).join("\n");
        assert.match(found, /is not scheduled: reason=Unschedulable message=0\/6 nodes are available: 2 Insufficient memory/);
        assert.match(found, /not scheduled: 0\/6 nodes are available/);
        assert.match(found, /no Service in namespace spark-jobs is owned by pod/);
        assert.match(run.stdout, /pod IP: none yet/);
    });

    it("a Connect server: Deployment, ReplicaSet and pod events, spark.driver.host and its headless Service (exit 0)", () => {
        const run = runWithStandIns(script, ["--connect", connect.name], recorded("connect-healthy"));
        assert.equal(run.status, 0, run.stdout + run.stderr);
        assert.match(run.stdout, /spark\.driver\.host: spark-connect-35-driver\.spark-jobs\.svc\.cluster\.local; spark\.driver\.bindAddress: 0\.0\.0\.0/);
        assert.match(run.stdout, /headless Service: spark-connect-35-driver \(clusterIP None\)/);
        assert.deepEqual(issued(run), [
            "get deployment spark-connect-35 --namespace spark-jobs",
            "get events --namespace spark-jobs --field-selector involvedObject.name=spark-connect-35",
            "get replicasets --namespace spark-jobs --selector app.kubernetes.io/name=spark-connect-35",
            "get events --namespace spark-jobs --field-selector involvedObject.name=spark-connect-35-6d8f9b7c4",
            "get pods --namespace spark-jobs --selector app.kubernetes.io/name=spark-connect-35 --sort-by .metadata.creationTimestamp",
            `get pod ${connectPod} --namespace spark-jobs`,
            `get events --namespace spark-jobs --field-selector involvedObject.name=${connectPod}`,
            "get services --namespace spark-jobs",
            "get configmap spark-connect-35-conf --namespace spark-jobs",
            "get resourcequota --namespace spark-jobs",
        ]);
    });

    it("a Connect server whose headless Service is gone, or whose spark.driver.host names another, is a problem", () => {
        const services = fs.readFileSync(fixture("connect-healthy/services.txt"), "utf8").split("\n").filter((l) => !l.startsWith("spark-connect-35-driver\t")).join("\n");
        const gone = runWithStandIns(script, ["--connect", connect.name], recorded("connect-healthy", [{ command: "kubectl", match: "^get services ", stdout: services }]));
        assert.equal(gone.status, 1);
        assert.match(problems(gone.stdout).join("\n"), /headless Service spark-connect-35-driver is missing/);
        const conf = fs.readFileSync(fixture("connect-healthy/configmap-spark-connect-35-conf.txt"), "utf8").replace("spark.driver.host spark-connect-35-driver.", "spark.driver.host spark-connect-41-driver.");
        const wrong = runWithStandIns(script, ["--connect", connect.name], recorded("connect-healthy", [{ command: "kubectl", match: "^get configmap ", stdout: conf }]));
        assert.equal(wrong.status, 1);
        assert.match(problems(wrong.stdout).join("\n"), /spark\.driver\.host spark-connect-41-driver\.\S+ does not name the headless Service spark-connect-35-driver/);
    });

    it("an image pull error names the image and the registry's answer (exit 1)", () => {
        const run = runWithStandIns(script, ["--connect", connect.name], recorded("connect-imagepull"));
        assert.equal(run.status, 1);
        const found = problems(run.stdout).join("\n");
        assert.match(found, /container spark-connect cannot pull its image \(waiting:ImagePullBackOff\): .*spark-runtime:3\.5\.7-9.*not found/);
        assert.match(found, /image pull failed: Failed to pull image "\S+spark-runtime:3\.5\.7-9": .*not found/);
    });

    it("a quota that refuses the Connect server's pod: the ReplicaSet's FailedCreate and the full quota (exit 1)", () => {
        const run = runWithStandIns(script, ["--connect", connect.name], recorded("connect-quota"));
        assert.equal(run.status, 1);
        const found = problems(run.stdout).join("\n");
        assert.match(found, /ReplicaSet spark-connect-35-6d8f9b7c4: the namespace's ResourceQuota refused a pod \(exceeded quota\)/);
        assert.match(found, /Deployment spark-connect-35 has no pod/);
        assert.match(run.stdout, /requests\.memory +64Gi \/ 64Gi +FULL/);
        assert.doesNotMatch(run.stdout, /services\.loadbalancers .*FULL/, "a zero quota is not full");
        assert.doesNotMatch(run.stdout, /requests\.cpu .*FULL/);
    });
});
