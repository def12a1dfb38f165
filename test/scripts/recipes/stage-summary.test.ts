import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { serviceEndpoints } from "../../../components/config/names";
import { runWithStandIns, StandInRule } from "../../support/commandStandIn";
import { assertHelp, assertUsageError, fixture, recipe } from "./recipes";

const script = recipe("stage-summary.sh");
const appId = "local-1796529081706";

/**
 * A curl that answers the Spark REST API from a directory of recorded answers (applications.json,
 * stages.json, taskSummary-<stage>-<attempt>.json), writing to --output as curl does; 404 otherwise.
 */
const curlFrom = (dir: string): StandInRule => ({
    command: "curl",
    match: ".*",
    run: `dir=${JSON.stringify(fixture(dir))}
out=""; url=""
while [ $# -gt 0 ]; do
    case "$1" in
    --output | --max-time) [ "$1" = --output ] && out=$2; shift 2 ;;
    -*) shift ;;
    *) url=$1; shift ;;
    esac
done
case "$url" in
*/api/v1/applications) file=applications.json ;;
*/api/v1/applications/*/stages) file=stages.json ;;
*/taskSummary\\?quantiles=0.5,1.0) file=$(echo "$url" | sed -E 's|.*/stages/([0-9]+)/([0-9]+)/taskSummary.*|taskSummary-\\1-\\2.json|') ;;
*) file="" ;;
esac
if [ -z "$file" ] || [ ! -f "$dir/$file" ]; then echo "curl: (22) The requested URL returned error: 404" >&2; exit 22; fi
cp "$dir/$file" "$out"
`,
});

/** The stage rows: [stage, status, tasks, failed, duration, read, unit, write, unit, ...]. */
const row = (stdout: string, stage: string): string | undefined => stdout.split("\n").find((l) => l.startsWith(`${stage} `));

describe("scripts/recipes/stage-summary.sh", () => {
    it("--help documents every flag, that python3 reads the JSON, and the exit codes", () => {
        assertHelp(script, ["--pod", "--connect", "--url", "--namespace", "--ui-port", "--app-id", "--skew-factor", "--skew-min-seconds", "--limit"]);
    });

    it("refuses bad flags with exit 2, naming the flag", () => {
        assertUsageError(script, ["--url", "http://localhost:4040", "--format", "json"], "--format");
        assertUsageError(script, ["--url", "localhost:4040"], "--url");
        assertUsageError(script, ["--url", "http://localhost:4040", "--skew-factor", "0"], "--skew-factor");
        assertUsageError(script, ["--url", "http://localhost:4040", "--limit", "-3"], "--limit");
        assertUsageError(script, ["--pod", "driver", "--url", "http://localhost:4040"], /exactly one of --pod, --connect and --url/);
    });

    it("flags the spilling stage and the skewed stage of a recorded application, and exits 1", () => {
        const run = runWithStandIns(script, ["--url", "http://localhost:4040/"], [curlFrom("stages-problem")]);
        assert.equal(run.status, 1, run.stdout + run.stderr);
        assert.match(run.stdout, new RegExp(`^Application ${appId} \\(nightly-orders\\) at http://localhost:4040$`, "m"));
        // Stage 1 spilled 196 MiB in memory and 2.3 MiB to disk; stage 2: its longest task took 14.2 s, 20x its 0.7 s median.
        assert.match(row(run.stdout, "1.0")!, /COMPLETE +4\/4 +0 +6\.1s +1\.8 MiB +0 B +196\.0 MiB +2\.3 MiB +4\.0s +4\.0s +SPILL /);
        assert.match(row(run.stdout, "2.0")!, /COMPLETE +8\/8 +0 +14\.3s +0 B +0 B +0 B +0 B +0\.7s +14\.2s +SKEW /);
        assert.match(row(run.stdout, "0.0")!, / - +save at NativeMethodAccessorImpl\.java:0$/);
        const flags = run.stdout.split("\n").filter((l) => l.startsWith("FLAG"));
        assert.equal(flags.length, 2, flags.join("\n"));
        assert.match(flags[0], /^FLAG {2}stage 1\.0 spilled 196\.0 MiB from memory, 2\.3 MiB to disk/);
        assert.match(flags[1], /^FLAG {2}stage 2\.0 is skewed: its longest task took 14\.2s, 20x the median 0\.7s/);
        assert.deepEqual(run.calls.map((c) => c.argv[c.argv.length - 1]), [
            "http://localhost:4040/api/v1/applications",
            `http://localhost:4040/api/v1/applications/${appId}/stages`,
            ...[0, 1, 2].map((s) => `http://localhost:4040/api/v1/applications/${appId}/stages/${s}/0/taskSummary?quantiles=0.5,1.0`),
        ]);
    });

    it("the skew threshold follows --skew-factor and --skew-min-seconds", () => {
        const lenient = runWithStandIns(script, ["--url", "http://localhost:4040", "--skew-factor", "25"], [curlFrom("stages-problem")]);
        assert.doesNotMatch(lenient.stdout, /SKEW/);
        const long = runWithStandIns(script, ["--url", "http://localhost:4040", "--skew-min-seconds", "15"], [curlFrom("stages-problem")]);
        assert.doesNotMatch(long.stdout, /SKEW/);
        assert.equal(long.status, 1, "the spill is still flagged");
    });

    it("exits 0 when no stage spilled, was skewed or failed", () => {
        const run = runWithStandIns(script, ["--url", "http://localhost:4040", "--app-id", appId], [curlFrom("stages-healthy")]);
        assert.equal(run.status, 0, run.stdout + run.stderr);
        assert.match(run.stdout, /^OK {2}no stage spilled, was skewed or failed$/m);
        const unknown = runWithStandIns(script, ["--url", "http://localhost:4040", "--app-id", "spark-0000"], [curlFrom("stages-healthy")]);
        assert.equal(unknown.status, 1);
        assert.match(unknown.stderr, /application spark-0000 is not listed; listed: local-1796529081706/);
    });

    it("an unreachable UI is reported with exit 1", () => {
        const run = runWithStandIns(script, ["--url", "http://localhost:4040"], [{ command: "curl", match: ".*", stderr: "curl: (7) Failed to connect to localhost port 4040 after 0 ms: Couldn't connect to server\n", exitCode: 7 }]);
        assert.equal(run.status, 1);
        assert.match(run.stderr, /could not read http:\/\/localhost:4040\/api\/v1\/applications: curl: \(7\) Failed to connect/);
    });

    it("with --connect it port-forwards to the server's UI port, reads through the local port, and stops the forward", () => {
        const connect = serviceEndpoints.connect("3.5");
        const portForward: StandInRule = {
            command: "kubectl",
            match: "^port-forward ",
            // As kubectl does: print the chosen local port, then keep forwarding until killed.
            run: `echo "$$" >"$PF_PIDFILE"\necho "Forwarding from 127.0.0.1:41234 -> ${connect.uiPort}"\necho "Forwarding from [::1]:41234 -> ${connect.uiPort}"\nexec sleep 30\n`,
        };
        const pidFile = path.join(os.tmpdir(), `stage-summary-pf-${process.pid}.pid`);
        try {
            const started = Date.now();
            const run = runWithStandIns(script, ["--connect", connect.name], [portForward, curlFrom("stages-healthy")], { env: { PF_PIDFILE: pidFile } });
            assert.equal(run.status, 0, run.stdout + run.stderr);
            assert.ok(Date.now() - started < 15_000, "the script waited for the forward to end");
            assert.deepEqual(run.joined("kubectl"), [`port-forward --namespace ${connect.namespace} deployment/${connect.name} :${connect.uiPort}`]);
            assert.ok(run.joined("curl").every((c) => / http:\/\/127\.0\.0\.1:41234\/api\/v1\//.test(c)), run.joined("curl").join("\n"));
            const pid = Number(fs.readFileSync(pidFile, "utf8"));
            assert.throws(() => process.kill(pid, 0), "kubectl port-forward is still running");
        } finally {
            fs.rmSync(pidFile, { force: true });
        }
    });

    it("a port-forward that does not start is reported with kubectl's message", () => {
        const run = runWithStandIns(script, ["--pod", "nightly-orders-3f9a1c7e5d2b4a60-driver"], [{ command: "kubectl", match: "^port-forward ", stderr: 'error: unable to forward port because pod is not running. Current status=Pending\n', exitCode: 1 }]);
        assert.equal(run.status, 1);
        assert.match(run.stderr, /port-forward to pod\/nightly-orders-3f9a1c7e5d2b4a60-driver port 4040 .* did not start:\n {2}error: unable to forward port because pod is not running/);
    });
});
