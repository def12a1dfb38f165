import { strict as assert } from "assert";
import { tierDefaults, tiers } from "../../../components/config";
import { problems } from "../../support/config";

describe("tier defaults", () => {
    it("prod defaults are valid on their own", () => {
        assert.deepEqual(problems({}, { stack: "prod" }), []);
    });

    it("local defaults are valid on their own, with no AWS region", () => {
        assert.deepEqual(problems({}, { stack: "local", region: "" }), []);
    });

    for (const tier of tiers.filter((t) => t === "dev" || t === "staging")) {
        it(`${tier} defaults are valid once the stack names who may reach the public API endpoint`, () => {
            assert.deepEqual(problems({}, { stack: tier }), [
                "cluster.publicAccessCidrs: [] is not allowed; expected at least one CIDR when endpointPublicAccess is true",
            ]);
            assert.deepEqual(problems({ cluster: { publicAccessCidrs: ["198.51.100.0/24"] } }, { stack: tier }), []);
        });
    }

    it("dev is small and cheap, prod highly available", () => {
        const dev = tierDefaults("dev");
        const prod = tierDefaults("prod");
        assert.equal(dev.network.natGateways, "single");
        assert.equal(dev.network.availabilityZoneCount, 2);
        assert.equal(prod.network.natGateways, "perAz");
        assert.equal(prod.network.availabilityZoneCount, 3);
        assert.equal(prod.cluster.endpointPublicAccess, false);
        assert.equal(prod.platform.deletionProtection, true);
        assert.equal(dev.storage.forceDestroy, true);
        assert.equal(prod.storage.forceDestroy, false);
        assert.ok(dev.nodeGroups.executor.maxSize < prod.nodeGroups.executor.maxSize);
    });

    it("every AWS tier provisions executor and GPU nodes with the cluster-autoscaler by default, and accepts Karpenter", () => {
        for (const tier of ["dev", "staging", "prod"] as const) {
            assert.equal(tierDefaults(tier).cluster.nodeProvisioner, "cluster-autoscaler", tier);
            const cidrs = tier === "prod" ? {} : { publicAccessCidrs: ["198.51.100.0/24"] };
            assert.deepEqual(problems({ cluster: { ...cidrs, nodeProvisioner: "karpenter" } }, { stack: tier }), [], tier);
        }
    });

    it("every tier runs the Spark 3.5 and 4.1 lines by default", () => {
        for (const tier of tiers) assert.deepEqual(tierDefaults(tier).spark.versions, ["3.5", "4.1"], tier);
    });

    it("accepts any set of offered lines, and the iceberg preset on the lines Iceberg ships a runtime for", () => {
        // Without 3.5 the prod default's airflow-connect-k8s has no server for Airflow's client, so those sets run the notebooks only.
        const without35 = { scenarios: ["jupyter-connect-k8s", "airflow-k8s-submit"] };
        for (const versions of [["4.3"], ["3.5", "4.3"], ["4.1", "4.3"], ["3.5", "4.1", "4.3"]]) {
            assert.deepEqual(problems({ spark: { versions, ...(versions.includes("3.5") ? {} : without35) } }), [], versions.join("+"));
        }
        assert.equal(problems({ spark: { versions: ["4.1", "4.3"] } }).length, 1, "prod's airflow-connect-k8s needs 3.5");
        assert.deepEqual(problems({ spark: { versions: ["3.5", "4.1"], presets: ["iceberg"] } }), []);
        assert.deepEqual(problems({ spark: { versions: ["4.1"], presets: ["iceberg", "cost-optimized"], ...without35 } }), []);
        assert.equal(problems({ spark: { versions: ["4.3"], presets: ["iceberg"], ...without35 } }).length, 1);
        assert.deepEqual(problems({ spark: { versions: ["3.5", "4.1", "4.3", "3.5"] } }), ['spark.versions: ["3.5","4.1","4.3","3.5"] is not allowed; expected 1 to 3 Spark versions']);
    });

    it("returns a fresh object each time, so callers cannot corrupt the defaults", () => {
        const a = tierDefaults("dev");
        a.nodeGroups.executor.instanceTypes.push("m6i.large");
        a.network.vpcCidr = "10.99.0.0/16";
        assert.equal(tierDefaults("dev").network.vpcCidr, "10.20.0.0/16");
        assert.equal(tierDefaults("dev").nodeGroups.executor.instanceTypes.length, 3);
    });
});
