import { strict as assert } from "assert";
import { formatCidr, overlaps, parseCidr, planSubnets, subnet } from "../../../components/config/cidr";

describe("CIDR math", () => {
    it("parses and formats IPv4 CIDRs, refusing host bits and malformed text", () => {
        assert.equal(formatCidr(parseCidr("10.40.0.0/16")!), "10.40.0.0/16");
        assert.equal(parseCidr("10.40.0.1/16"), undefined);
        assert.equal(parseCidr("10.400.0.0/16"), undefined);
        assert.equal(parseCidr("10.0.0.0/33"), undefined);
        assert.equal(parseCidr("10.0.0.0"), undefined);
    });

    it("cuts numbered subnets and refuses ones outside the parent", () => {
        const vpc = parseCidr("10.0.0.0/16")!;
        assert.equal(formatCidr(subnet(vpc, 18, 2)), "10.0.128.0/18");
        assert.throws(() => subnet(vpc, 18, 4), /holds 4 \/18 subnets/);
        assert.throws(() => subnet(vpc, 15, 0), /cannot cut/);
    });

    it("plans /18 private and /20 public subnets from a /16, none overlapping", () => {
        const plan = planSubnets("10.40.0.0/16", 3);
        assert.deepEqual(plan.privateCidrs, ["10.40.0.0/18", "10.40.64.0/18", "10.40.128.0/18"]);
        assert.deepEqual(plan.publicCidrs, ["10.40.192.0/20", "10.40.208.0/20", "10.40.224.0/20"]);
        const all = [...plan.privateCidrs, ...plan.publicCidrs].map((c) => parseCidr(c)!);
        all.forEach((a, i) => all.slice(i + 1).forEach((b) => assert.equal(overlaps(a, b), false, `${formatCidr(a)} overlaps ${formatCidr(b)}`)));
    });

    it("scales the plan with the VPC prefix and AZ count", () => {
        const plan = planSubnets("172.16.0.0/20", 2);
        assert.deepEqual(plan.privateCidrs, ["172.16.0.0/22", "172.16.4.0/22"]);
        assert.deepEqual(plan.publicCidrs, ["172.16.12.0/24", "172.16.13.0/24"]);
    });
});
