/**
 * The list prices every cost figure of the platform is computed from: the stack's cost estimate and
 * the rightsizing calculator read this one table. A stack overrides any of it under cost.prices.
 *
 * Recorded for eu-west-1 (Ireland), the region of the shipped stacks, from the AWS public price list
 * (Linux, shared tenancy, no Savings Plan or reservation) as it stood on recordedOn. No pricing API
 * is reachable from this repository's CI, so the table is refreshed by hand: docs/cost.md, "Refreshing
 * the prices", gives the `aws pricing get-products` queries. Cross-check: with these prices the
 * estimate reproduces the idle costs measured independently for the dev, staging and prod stacks
 * before any cost work ($468, $675 and $1,601 a month), within 1 % (test/components/cost).
 */
import { instanceShape } from "../config/instanceTypes";
import { CapacityType } from "../config/schema";

/** Prices in US dollars. Hourly prices are per instance or resource; monthly ones per month. */
export interface PriceTable {
    /** AWS region the prices are for. */
    readonly region: string;
    /** Day the prices were recorded (YYYY-MM-DD); it also decides EKS extended support. */
    readonly recordedOn: string;
    /** Where the figures come from. */
    readonly source: string;
    /** Hours AWS bills in a month. */
    readonly hoursPerMonth: number;
    /** On-demand $/hour per vCPU for CPU instance families; pricing is linear in size within one. */
    readonly ec2FamilyVcpuHourly: Readonly<Record<string, number>>;
    /** On-demand $/hour of instance types priced one by one (GPU types), or overriding the family rate. */
    readonly ec2InstanceHourly: Readonly<Record<string, number>>;
    /**
     * What spot capacity costs as a share of on-demand. Spot prices move by the hour and by zone;
     * this is a planning figure, not a quote.
     */
    readonly spotShareOfOnDemand: number;
    /** EKS cluster in standard support, $/hour. */
    readonly eksStandardHourly: number;
    /** EKS cluster on a Kubernetes version past standard support, $/hour. */
    readonly eksExtendedHourly: number;
    /** NAT gateway, $/hour (data processed is billed on top, per GB). */
    readonly natGatewayHourly: number;
    /** Public IPv4 address (the NAT gateways' Elastic IPs), $/hour. */
    readonly publicIpv4Hourly: number;
    /** EBS gp3 volume, $/GiB-month (baseline IOPS and throughput, which the node volumes use). */
    readonly ebsGp3GiBMonth: number;
    /** RDS for PostgreSQL single-AZ, $/hour per instance class; Multi-AZ bills twice. */
    readonly rdsPostgresHourly: Readonly<Record<string, number>>;
    /** RDS gp3 storage single-AZ, $/GiB-month; Multi-AZ bills twice. */
    readonly rdsGp3GiBMonth: number;
    /** KMS customer managed key, $/month (requests billed on top). */
    readonly kmsKeyMonth: number;
    /** Secrets Manager secret, $/month (API calls billed on top). */
    readonly secretsManagerSecretMonth: number;
}

/** The shipped table: eu-west-1. */
export const defaultPrices: PriceTable = {
    region: "eu-west-1",
    recordedOn: "2026-12-05",
    source: "AWS public price list, eu-west-1, Linux on-demand; spot share from the EC2 Spot Instance Advisor's savings band for m/r/c families (60–70 %)",
    hoursPerMonth: 730,
    ec2FamilyVcpuHourly: {
        m5: 0.0535, m5a: 0.048, m6i: 0.0535, m6a: 0.04815, m7i: 0.0562, m7a: 0.0646,
        r5: 0.0705, r5a: 0.0635, r6i: 0.0705, r6a: 0.06345, r7i: 0.07375, r7a: 0.0848,
        c5: 0.048, c5a: 0.043, c6i: 0.048, c6a: 0.0432, c7i: 0.0504, c7a: 0.0572,
    },
    ec2InstanceHourly: {
        "g4dn.xlarge": 0.587, "g4dn.2xlarge": 0.838, "g4dn.4xlarge": 1.339, "g4dn.12xlarge": 4.363,
        "g5.xlarge": 1.123, "g5.2xlarge": 1.353, "g5.4xlarge": 1.813, "g5.12xlarge": 6.331,
        "g6.xlarge": 0.898, "g6.2xlarge": 1.091, "g6.4xlarge": 1.477, "g6.12xlarge": 5.135,
    },
    spotShareOfOnDemand: 0.35,
    eksStandardHourly: 0.1,
    eksExtendedHourly: 0.6,
    natGatewayHourly: 0.048,
    publicIpv4Hourly: 0.005,
    ebsGp3GiBMonth: 0.088,
    rdsPostgresHourly: {
        "db.t4g.micro": 0.017, "db.t4g.small": 0.034, "db.t4g.medium": 0.068, "db.t4g.large": 0.136, "db.t4g.xlarge": 0.272, "db.t4g.2xlarge": 0.544,
        "db.m6g.large": 0.17, "db.m6g.xlarge": 0.34, "db.m6g.2xlarge": 0.68, "db.m6g.4xlarge": 1.36,
        "db.m6i.large": 0.188, "db.m6i.xlarge": 0.376, "db.m6i.2xlarge": 0.752,
        "db.r6g.large": 0.238, "db.r6g.xlarge": 0.476, "db.r6g.2xlarge": 0.952,
    },
    rdsGp3GiBMonth: 0.127,
    kmsKeyMonth: 1,
    secretsManagerSecretMonth: 0.4,
};


/**
 * $/hour of one instance of the type, or undefined when the table has no price for it: the type's
 * own entry first, else its family's vCPU rate times the catalogue's vCPUs.
 */
export function ec2Hourly(prices: PriceTable, instanceType: string, capacity: CapacityType): number | undefined {
    let onDemand: number | undefined = prices.ec2InstanceHourly[instanceType];
    if (onDemand === undefined) {
        const rate = prices.ec2FamilyVcpuHourly[instanceType.split(".")[0]];
        const shape = instanceShape(instanceType);
        if (rate !== undefined && shape) onDemand = rate * shape.vcpu;
    }
    if (onDemand === undefined) return undefined;
    return capacity === "spot" ? onDemand * prices.spotShareOfOnDemand : onDemand;
}
