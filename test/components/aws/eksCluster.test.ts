import { strict as assert } from "assert";
import { buildKubeconfig } from "../../../components/aws/eksCluster";

describe("kubeconfig", () => {
    it("builds a kubeconfig that authenticates with aws eks get-token and holds no credential", () => {
        const kc = JSON.parse(buildKubeconfig({ clusterName: "spark-prod", endpoint: "https://x", certificateAuthority: "Y2E=", region: "eu-west-1" })) as {
            clusters: { cluster: { server: string } }[];
            users: { user: { exec: { args: string[] } } }[];
        };
        assert.equal(kc.clusters[0].cluster.server, "https://x");
        assert.deepEqual(kc.users[0].user.exec.args, ["eks", "get-token", "--cluster-name", "spark-prod", "--region", "eu-west-1", "--output", "json"]);
        assert.equal(JSON.stringify(kc).includes("token\":"), false);
    });
});
