import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { executorSizingForInstanceTypes } from "../../components/spark/sizing";
import { repoRoot, stackConfig } from "../../tools/harness";
import { formatBytes, sizeCommand } from "../../tools/size";

const seeds = ["--data", "1TB", "--ops", "join,aggregate", "--target", "15m"];

describe("tools/size", () => {
    it("answers the seeds' example for prod with the stack's executors, a headline and both costs", () => {
        const r = sizeCommand(seeds);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, "");
        const first = r.stdout.split("\n")[0];
        assert.equal(first, "1 TB, scan + join + aggregate, target 15 min, stack prod: 60 executors of 4 cores and 12974 MiB on 15 nodes, expected 14.5 min, $4.39 on demand ($1.54 on spot)");
        assert.match(r.stdout, /shuffle partitions +7680 \(spark\.sql\.shuffle\.partitions/);
        assert.match(r.stdout, /cost on spot +\$1\.54 .*35 % of on demand/);
        assert.match(r.stdout, /not counted +the driver/);
        assert.match(sizeCommand([...seeds, "--spot"]).stdout.split("\n")[0], /\$1\.54 on spot \(\$4\.39 on demand\)$/);
    });

    it("prints JSON with the executors the prod stack itself sizes", () => {
        const r = sizeCommand([...seeds, "--json", "--spot"]);
        assert.equal(r.code, 0, r.stderr);
        const j = JSON.parse(r.stdout) as Record<string, unknown> & { executor: unknown; cost: Record<string, { total: number }>; instanceTypes: string[] };
        const prod = stackConfig("prod").nodeGroups.executor;
        assert.deepEqual(j.instanceTypes, prod.instanceTypes);
        assert.deepEqual(j.executor, executorSizingForInstanceTypes(prod.instanceTypes, false));
        assert.equal(j.stack, "prod");
        assert.equal(j.headline, "spot");
        assert.equal(j.headlineCost, j.cost.spot.total);
        assert.equal(j.executors, 60);
        assert.equal(j.maxNodes, prod.maxSize);
        assert.equal(j.feasible, true);
    });

    it("exits 1 and says why when the stack's executor group cannot meet the target, still showing its fastest run", () => {
        const r = sizeCommand([...seeds, "--stack", "dev"]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /^size: finishing in 15 min needs 30 nodes \(60 executors\), but the executor group allows 10 \(nodeGroups\.executor\.maxSize\); the fastest the group can do is 38\.6 min on 10 nodes/);
        assert.match(r.stdout, /^NOT POSSIBLE on dev: /);
        assert.match(r.stdout, /spark\.dynamicAllocation\.maxExecutors \(10\)/);
        const j = JSON.parse(sizeCommand([...seeds, "--stack", "dev", "--json"]).stdout) as { feasible: boolean; problem: string; nodes: number };
        assert.equal(j.feasible, false);
        assert.match(j.problem, /allows 10/);
        assert.equal(j.nodes, 10);
    });

    it("refuses bad or missing input with exit 2, naming the flag and what is allowed", () => {
        const cases: [string[], RegExp][] = [
            [["--ops", "join", "--target", "15m"], /--data is required/],
            [["--data", "1TB", "--target", "15m"], /--ops is required/],
            [["--data", "1TB", "--ops", "join"], /--target is required/],
            [["--data", "1 tera", "--ops", "join", "--target", "15m"], /--data: unknown unit "tera"/],
            [["--data", "1TB", "--ops", "join,merge", "--target", "15m"], /--ops: unknown operation class "merge" \(classes: scan, filter, aggregate, join, sort, window, write\)/],
            [["--data", "1TB", "--ops", "join", "--target", "15"], /--target: "15" is not a duration.*units: s, m, h/],
            [["--data", "1TB", "--ops", "join", "--target", "15m", "--startup", "soon"], /--startup: "soon" is not a duration/],
            [[...seeds, "--nodes", "3"], /Unknown option '--nodes'/],
        ];
        for (const [argv, message] of cases) {
            const r = sizeCommand(argv);
            assert.equal(r.code, 2, argv.join(" "));
            assert.match(r.stderr, /^size: /);
            assert.match(r.stderr, message);
            assert.match(r.stderr, /usage: npm run size/);
        }
        assert.equal(sizeCommand(["--help"]).code, 0);
        assert.match(sizeCommand(["-h"]).stdout, /--target TIME/);
    });

    it("takes a start-up allowance, zero included", () => {
        const none = JSON.parse(sizeCommand([...seeds, "--startup", "0", "--json"]).stdout) as { startupSeconds: number; executors: number };
        const long = JSON.parse(sizeCommand([...seeds, "--startup", "5m", "--json"]).stdout) as { startupSeconds: number; executors: number };
        assert.equal(none.startupSeconds, 0);
        assert.equal(long.startupSeconds, 300);
        assert.ok(long.executors > none.executors, "less time to compute, more executors");
    });

    it("refuses the local stack and unknown stacks with exit 1", () => {
        const local = sizeCommand([...seeds, "--stack", "local"]);
        assert.equal(local.code, 1);
        assert.match(local.stderr, /tier local.*no executor node group/);
        const missing = sizeCommand([...seeds, "--stack", "nope"]);
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /no stack "nope".*stacks: dev, local, prod, staging/);
    });

    it("reads the stack from --dir, with its own executor group", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "size-test-"));
        try {
            fs.copyFileSync(path.join(repoRoot, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            const prod = fs.readFileSync(path.join(repoRoot, "Pulumi.prod.yaml"), "utf8");
            fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), `${prod}\n  spark-k8s:nodeGroups:\n    executor:\n      maxSize: 5\n`);
            const r = sizeCommand([...seeds, "--dir", dir]);
            assert.equal(r.code, 1, r.stdout + r.stderr);
            assert.match(r.stderr, /allows 5 \(nodeGroups\.executor\.maxSize\)/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("writes sizes back in the unit family they read best in", () => {
        assert.equal(formatBytes(1e12), "1 TB");
        assert.equal(formatBytes(1.5 * 2 ** 40), "1.5 TiB");
        assert.equal(formatBytes(500e9), "500 GB");
    });
});
