/** IPv4 CIDR arithmetic for subnet planning. Pure; no Pulumi. */

/** An IPv4 CIDR block in numeric form. */
export interface Cidr {
    /** Network address as an unsigned 32-bit integer. */
    readonly base: number;
    /** Prefix length in bits, 0 to 32. */
    readonly prefix: number;
}

const cidrPattern = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses "a.b.c.d/n"; undefined when malformed or when host bits are set. */
export function parseCidr(text: string): Cidr | undefined {
    const m = cidrPattern.exec(text);
    if (!m) return undefined;
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255) || prefix > 32) return undefined;
    const base = octets.reduce((acc, o) => acc * 256 + o, 0);
    const size = 2 ** (32 - prefix);
    if (base % size !== 0) return undefined;
    return { base, prefix };
}

export function formatCidr(c: Cidr): string {
    const o = [24, 16, 8, 0].map((shift) => Math.floor(c.base / 2 ** shift) % 256);
    return `${o.join(".")}/${c.prefix}`;
}

/** The index-th subnet of length newPrefix inside parent. */
export function subnet(parent: Cidr, newPrefix: number, index: number): Cidr {
    if (newPrefix < parent.prefix || newPrefix > 32) {
        throw new Error(`cannot cut a /${newPrefix} out of ${formatCidr(parent)}`);
    }
    const count = 2 ** (newPrefix - parent.prefix);
    if (index < 0 || index >= count) {
        throw new Error(`${formatCidr(parent)} holds ${count} /${newPrefix} subnets; index ${index} is outside`);
    }
    return { base: parent.base + index * 2 ** (32 - newPrefix), prefix: newPrefix };
}

export function overlaps(a: Cidr, b: Cidr): boolean {
    const aEnd = a.base + 2 ** (32 - a.prefix);
    const bEnd = b.base + 2 ** (32 - b.prefix);
    return a.base < bEnd && b.base < aEnd;
}

/** The subnet CIDRs planSubnets cuts out of a VPC range, in AZ order. */
export interface SubnetPlan {
    /** One private subnet per AZ: a quarter of the VPC each, room for pod IPs from the VPC CNI. */
    readonly privateCidrs: string[];
    /** One public subnet per AZ, cut from the last quarter: load balancers and NAT gateways only. */
    readonly publicCidrs: string[];
}

/**
 * Splits a VPC range for up to three AZs: private subnets take quarters 0..n-1 (a /16 gives /18s),
 * public subnets are quarters of the last quarter (a /16 gives /20s). They never overlap.
 */
export function planSubnets(vpcCidr: string, azCount: number): SubnetPlan {
    const vpc = parseCidr(vpcCidr);
    if (!vpc) throw new Error(`${vpcCidr} is not a valid IPv4 CIDR`);
    if (azCount < 1 || azCount > 3) throw new Error(`subnet planning supports 1 to 3 AZs, not ${azCount}`);
    const reserve = subnet(vpc, vpc.prefix + 2, 3);
    const privateCidrs: string[] = [];
    const publicCidrs: string[] = [];
    for (let i = 0; i < azCount; i++) {
        privateCidrs.push(formatCidr(subnet(vpc, vpc.prefix + 2, i)));
        publicCidrs.push(formatCidr(subnet(reserve, reserve.prefix + 2, i)));
    }
    return { privateCidrs, publicCidrs };
}
