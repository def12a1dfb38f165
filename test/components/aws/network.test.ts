import { strict as assert } from "assert";
import { natGatewayCount, subnetTags } from "../../../components/aws/network";

describe("network decisions", () => {
    it("uses one NAT per AZ or a single shared one", () => {
        assert.equal(natGatewayCount({ natGateways: "perAz", availabilityZoneCount: 3 }), 3);
        assert.equal(natGatewayCount({ natGateways: "single", availabilityZoneCount: 3 }), 1);
    });

    it("tags public subnets for internet load balancers and private ones for internal ones and autoscaler discovery", () => {
        assert.deepEqual(subnetTags("spark-prod", "public"), { "kubernetes.io/cluster/spark-prod": "shared", "kubernetes.io/role/elb": "1" });
        assert.deepEqual(subnetTags("spark-prod", "private"), {
            "kubernetes.io/cluster/spark-prod": "shared",
            "kubernetes.io/role/internal-elb": "1",
            "karpenter.sh/discovery": "spark-prod",
        });
    });
});
