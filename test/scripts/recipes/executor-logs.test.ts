import { strict as assert } from "assert";
import { runWithStandIns } from "../../support/commandStandIn";
import { assertHelp, assertUsageError, fixture, recipe, recorded } from "./recipes";

const script = recipe("executor-logs.sh");
const app = "spark-7c1e4f2a9b8d4e6f8a0b1c2d3e4f5a6b";
const driver = "nightly-orders-3f9a1c7e5d2b4a60-driver";
const connectPod = "spark-connect-35-6d8f9b7c4-x2k9p";


describe("scripts/recipes/executor-logs.sh", () => {
    it("--help documents every flag and the exit codes", () => {
        assertHelp(script, ["--app", "--driver", "--namespace", "--tail"]);
    });

    it("refuses bad flags with exit 2, naming the flag", () => {
        assertUsageError(script, ["--app", app, "--bogus"], "--bogus");
        assertUsageError(script, ["--app"], "--app");
        assertUsageError(script, ["--app", app, "--tail", "many"], "--tail");
        assertUsageError(script, ["--app", app, "--namespace", "Spark_Jobs"], "--namespace");
        assertUsageError(script, ["--app", app, "--driver", driver], /--app and --driver/);
        assertUsageError(script, [], /--app .* --driver/);
    });

    it("reports the OOMKilled executor of an application with its memory limit and heap, and exits 1", () => {
        const run = runWithStandIns(script, ["--app", app], recorded("executor-oom"));
        assert.equal(run.status, 1, run.stderr);
        assert.match(run.stdout, /OOMKILLED\s+nightly-orders-3f9a1c7e5d2b4a60-exec-2 \(executor 2\)/);
        assert.match(run.stdout, /memory limit 4505Mi, SPARK_EXECUTOR_MEMORY \(heap\) 4096m, cores 4; about 409 MiB of the limit is left beyond the heap/);
        assert.doesNotMatch(run.stdout, /OOMKILLED\s+\S+-exec-[13]/);
        // The table lists all three executors.
        assert.equal(run.stdout.split("\n").filter((l) => /^nightly-orders-\S+-exec-\d /.test(l)).length, 3);
        assert.deepEqual(
            run.calls.map((c) => c.argv.slice(0, 6)),
            [["get", "pods", "--namespace", "spark-jobs", "--selector", `spark-role=executor,spark-app-selector=${app}`]],
        );
        assert.match(run.calls[0].argv.join(" "), /--output go-template=\{\{range \.items\}\}/);
    });

    it("exits 0 on healthy executors, in the namespace asked for", () => {
        const run = runWithStandIns(script, ["--app", app, "-n", "team-a"], recorded("executor-healthy"));
        assert.equal(run.status, 0, run.stdout + run.stderr);
        assert.match(run.stdout, /^OK {2}2 executor pod\(s\), none killed for memory or failing$/m);
        assert.match(run.joined("kubectl")[0], /^get pods --namespace team-a --selector spark-role=executor,spark-app-selector=spark-7c1e/);
    });

    it("with --driver keeps the executors the driver owns and searches its log for exit code 137", () => {
        const oom = runWithStandIns(script, ["--driver", driver], recorded("executor-all"));
        assert.equal(oom.status, 1, oom.stderr);
        assert.match(oom.stdout, /OOMKILLED\s+nightly-orders-3f9a1c7e5d2b4a60-exec-2/);
        assert.doesNotMatch(oom.stdout, /spark-connect-35-/, "executors of another owner are listed");
        assert.match(oom.stdout, /DRIVER LOG {2}executor\(s\) 2 exited with exit code 137/);
        assert.deepEqual(oom.joined("kubectl").map((c) => c.split(" --output")[0]), [
            "get pods --namespace spark-jobs --selector spark-role=executor",
            `logs --namespace spark-jobs ${driver} --all-containers=true`,
        ]);

        const connect = runWithStandIns(script, ["--driver", connectPod], recorded("executor-all"));
        assert.equal(connect.status, 0, connect.stdout + connect.stderr);
        assert.equal(connect.stdout.split("\n").filter((l) => /^spark-connect-35-\S+-exec-\d /.test(l)).length, 3);
        assert.match(connect.stdout, /no executor exited with exit code 137/);
    });

    it("treats no matching executor pods as a finding, and a 137 in the driver's log without pods too", () => {
        const none = runWithStandIns(script, ["--app", "spark-0000"], [{ command: "kubectl", match: "^get pods ", stdout: "" }]);
        assert.equal(none.status, 1);
        assert.match(none.stdout, /NO EXECUTORS/);
        const gone = runWithStandIns(script, ["--driver", "gone-driver"], recorded("executor-all", [{ command: "kubectl", match: "^logs .*gone-driver", stdoutFile: fixture("executor-all/logs-nightly-orders-3f9a1c7e5d2b4a60-driver.txt") }]));
        assert.equal(gone.status, 1);
        assert.match(gone.stdout, /NO EXECUTORS[\s\S]*DRIVER LOG {2}executor\(s\) 2 exited/);
        const unreadable = runWithStandIns(script, ["--driver", "other-driver"], recorded("executor-all", [{ command: "kubectl", match: "^logs ", stderr: 'Error from server (NotFound): pods "other-driver" not found\n', exitCode: 1 }]));
        assert.equal(unreadable.status, 1);
        assert.match(unreadable.stderr, /could not read the log of pod other-driver in namespace spark-jobs/);
    });

    it("--tail prints each listed executor's log", () => {
        const run = runWithStandIns(script, ["--app", app, "--tail", "5"], recorded("executor-healthy", [{ command: "kubectl", match: "^logs ", stdout: "26/12/06 02:31:05 INFO Executor: Finished task 7.0 in stage 3.0\n" }]));
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(run.joined("kubectl").slice(1), [1, 2].map((i) => `logs --namespace spark-jobs nightly-orders-3f9a1c7e5d2b4a60-exec-${i} --container spark-kubernetes-executor --tail 5`));
        assert.match(run.stdout, /==> logs of nightly-orders-3f9a1c7e5d2b4a60-exec-1 \(last 5 lines\) <==\n26\/12\/06/);
    });
});
