import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { planSubnets } from "../config/cidr";
import { NetworkConfig } from "../config/schema";
import { karpenterDiscoveryTag } from "./karpenterPlan";

/** Inputs of Network: the network config, and what names and places the subnets. */
export interface NetworkArgs {
    /** The network config area: new or existing VPC, CIDR, AZ count and NAT gateways. */
    readonly config: NetworkConfig;
    /** EKS cluster name, for the subnet discovery tags. */
    readonly clusterName: string;
    /** The AZ names to spread over, availabilityZoneCount of them. */
    readonly availabilityZones: pulumi.Input<string[]>;
    /** AWS region, for the S3 endpoint's service name. */
    readonly region: string;
}

/** Tags that let EKS place load balancers and node autoscalers discover subnets. */
export function subnetTags(clusterName: string, tier: "public" | "private"): Record<string, string> {
    return {
        [`kubernetes.io/cluster/${clusterName}`]: "shared",
        [tier === "public" ? "kubernetes.io/role/elb" : "kubernetes.io/role/internal-elb"]: "1",
        ...(tier === "private" ? { [karpenterDiscoveryTag]: clusterName } : {}),
    };
}

/** How many NAT gateways a network gets: one per AZ, or one shared. */
export function natGatewayCount(c: Pick<NetworkConfig, "natGateways" | "availabilityZoneCount">): number {
    return c.natGateways === "perAz" ? c.availabilityZoneCount : 1;
}

/**
 * The VPC of the platform: public and private subnets per AZ, NAT for private egress, and an S3
 * gateway endpoint so data-lake traffic bypasses NAT. With mode "existing", it only passes the
 * given ids through and creates nothing.
 */
export class Network extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly privateSubnetIds: pulumi.Output<string[]>;
    /** Public subnets this component created; none for an existing VPC. */
    readonly publicSubnetIds: pulumi.Output<string[]>;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:aws:Network", name, {}, opts);
        const c = args.config;
        if (c.mode === "existing") {
            this.vpcId = pulumi.output(c.existing.vpcId);
            this.privateSubnetIds = pulumi.output(c.existing.privateSubnetIds);
            this.publicSubnetIds = pulumi.output([]);
            this.registerOutputs({ vpcId: this.vpcId });
            return;
        }
        const parent = { parent: this };
        const plan = planSubnets(c.vpcCidr, c.availabilityZoneCount);
        const azs = pulumi.output(args.availabilityZones);

        const vpc = new aws.ec2.Vpc(name, { cidrBlock: c.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: name } }, parent);
        const igw = new aws.ec2.InternetGateway(name, { vpcId: vpc.id, tags: { Name: name } }, parent);

        const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, {
            vpcId: vpc.id,
            routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
            tags: { Name: `${name}-public` },
        }, parent);

        const publicSubnets = plan.publicCidrs.map((cidrBlock, i) => {
            const subnet = new aws.ec2.Subnet(`${name}-public-${i}`, {
                vpcId: vpc.id,
                cidrBlock,
                availabilityZone: azs.apply((a) => a[i]),
                mapPublicIpOnLaunch: false,
                tags: { Name: `${name}-public-${i}`, ...subnetTags(args.clusterName, "public") },
            }, parent);
            new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: subnet.id, routeTableId: publicRoutes.id }, parent);
            return subnet;
        });

        const nats = Array.from({ length: natGatewayCount(c) }, (_, i) => {
            const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: "vpc", tags: { Name: `${name}-nat-${i}` } }, parent);
            return new aws.ec2.NatGateway(`${name}-nat-${i}`, {
                allocationId: eip.allocationId,
                subnetId: publicSubnets[i].id,
                tags: { Name: `${name}-nat-${i}` },
            }, { parent: this, dependsOn: [igw] });
        });

        const privateRouteTables: aws.ec2.RouteTable[] = [];
        const privateSubnets = plan.privateCidrs.map((cidrBlock, i) => {
            const subnet = new aws.ec2.Subnet(`${name}-private-${i}`, {
                vpcId: vpc.id,
                cidrBlock,
                availabilityZone: azs.apply((a) => a[i]),
                tags: { Name: `${name}-private-${i}`, ...subnetTags(args.clusterName, "private") },
            }, parent);
            const routes = new aws.ec2.RouteTable(`${name}-private-${i}`, {
                vpcId: vpc.id,
                routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nats[Math.min(i, nats.length - 1)].id }],
                tags: { Name: `${name}-private-${i}` },
            }, parent);
            new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: subnet.id, routeTableId: routes.id }, parent);
            privateRouteTables.push(routes);
            return subnet;
        });

        new aws.ec2.VpcEndpoint(`${name}-s3`, {
            vpcId: vpc.id,
            serviceName: `com.amazonaws.${args.region}.s3`,
            vpcEndpointType: "Gateway",
            routeTableIds: [publicRoutes.id, ...privateRouteTables.map((r) => r.id)],
            tags: { Name: `${name}-s3` },
        }, parent);

        this.vpcId = vpc.id;
        this.privateSubnetIds = pulumi.all(privateSubnets.map((s) => s.id));
        this.publicSubnetIds = pulumi.all(publicSubnets.map((s) => s.id));
        this.registerOutputs({ vpcId: this.vpcId, privateSubnetIds: this.privateSubnetIds, publicSubnetIds: this.publicSubnetIds });
    }
}
