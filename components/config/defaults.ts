/**
 * Defaults per environment tier. Stack files hold only what differs from these.
 * dev is small and cheap (2 AZs, one NAT, buckets destroyable); staging is prod-shaped and smaller;
 * prod is highly available (3 AZs, NAT per AZ, private endpoint only, deletion protection).
 * dev and staging expose the API endpoint to the CIDRs their stack file names (there is no default).
 */
import { PlatformSettings, Tier } from "./schema";

/** Add-on versions built for the default Kubernetes version (1.33). Change them together. */
const addons = {
    vpcCni: "v1.19.6-eksbuild.1",
    coredns: "v1.12.1-eksbuild.2",
    kubeProxy: "v1.33.0-eksbuild.2",
    ebsCsiDriver: "v1.45.0-eksbuild.2",
    podIdentityAgent: "v1.3.7-eksbuild.2",
};

const storage = {
    forceDestroy: false,
    eventLogRetentionDays: 90,
    airflowLogRetentionDays: 90,
    backupRetentionDays: 30,
    noncurrentVersionRetentionDays: 30,
    abortIncompleteMultipartUploadDays: 7,
};

function base(): PlatformSettings {
    return {
        platform: { name: "spark", deletionProtection: true, tags: {} },
        network: {
            mode: "create",
            vpcCidr: "10.40.0.0/16",
            availabilityZoneCount: 3,
            availabilityZones: [],
            natGateways: "perAz",
            existing: { vpcId: "", privateSubnetIds: [] },
        },
        cluster: {
            kubernetesVersion: "1.33",
            endpointPublicAccess: false,
            publicAccessCidrs: [],
            adminRoleArns: [],
            logTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
            logRetentionDays: 90,
            addons: { ...addons },
        },
        nodeGroups: {
            system: { enabled: true, instanceTypes: ["m6i.xlarge"], minSize: 3, desiredSize: 3, maxSize: 6, diskSizeGiB: 100 },
            driver: { enabled: true, instanceTypes: ["m6i.2xlarge"], minSize: 1, desiredSize: 2, maxSize: 10, diskSizeGiB: 100 },
            executor: {
                enabled: true,
                instanceTypes: ["m6i.4xlarge", "m6a.4xlarge", "m5.4xlarge", "m7i.4xlarge"],
                minSize: 0,
                desiredSize: 0,
                maxSize: 100,
                diskSizeGiB: 200,
            },
            gpu: { enabled: true, instanceTypes: ["g5.2xlarge"], minSize: 0, desiredSize: 0, maxSize: 8, diskSizeGiB: 200 },
        },
        storage: { ...storage },
        secrets: { recoveryWindowInDays: 30, passwordLength: 32, kmsKeyDeletionWindowInDays: 30 },
    };
}

/** The complete default settings of a tier; a fresh object on every call. */
export function tierDefaults(tier: Tier): PlatformSettings {
    const d = base();
    switch (tier) {
        case "prod":
            return d;
        case "staging":
            return {
                ...d,
                network: { ...d.network, vpcCidr: "10.30.0.0/16" },
                cluster: { ...d.cluster, endpointPublicAccess: true, logTypes: ["api", "audit", "authenticator"], logRetentionDays: 30 },
                nodeGroups: {
                    system: { ...d.nodeGroups.system, instanceTypes: ["m6i.large"], minSize: 2, desiredSize: 3, maxSize: 4 },
                    driver: { ...d.nodeGroups.driver, instanceTypes: ["m6i.xlarge"], minSize: 1, desiredSize: 1, maxSize: 4 },
                    executor: {
                        ...d.nodeGroups.executor,
                        instanceTypes: ["m6i.2xlarge", "m6a.2xlarge", "m5.2xlarge"],
                        maxSize: 20,
                        diskSizeGiB: 150,
                    },
                    gpu: { ...d.nodeGroups.gpu, instanceTypes: ["g5.xlarge"], maxSize: 2, diskSizeGiB: 150 },
                },
                storage: { ...d.storage, eventLogRetentionDays: 30, airflowLogRetentionDays: 30 },
                secrets: { ...d.secrets, recoveryWindowInDays: 7, kmsKeyDeletionWindowInDays: 14 },
            };
        case "dev":
            return {
                ...d,
                platform: { ...d.platform, deletionProtection: false },
                network: { ...d.network, vpcCidr: "10.20.0.0/16", availabilityZoneCount: 2, natGateways: "single" },
                cluster: { ...d.cluster, endpointPublicAccess: true, logTypes: ["api", "audit", "authenticator"], logRetentionDays: 14 },
                nodeGroups: {
                    system: { ...d.nodeGroups.system, instanceTypes: ["m6i.large"], minSize: 1, desiredSize: 2, maxSize: 3, diskSizeGiB: 50 },
                    driver: { ...d.nodeGroups.driver, instanceTypes: ["m6i.xlarge"], minSize: 0, desiredSize: 1, maxSize: 2, diskSizeGiB: 50 },
                    executor: {
                        ...d.nodeGroups.executor,
                        instanceTypes: ["m6i.2xlarge", "m6a.2xlarge", "m5.2xlarge"],
                        maxSize: 10,
                        diskSizeGiB: 100,
                    },
                    gpu: { ...d.nodeGroups.gpu, instanceTypes: ["g5.xlarge"], maxSize: 1, diskSizeGiB: 100 },
                },
                storage: { ...d.storage, forceDestroy: true, eventLogRetentionDays: 14, airflowLogRetentionDays: 14, noncurrentVersionRetentionDays: 7 },
                secrets: { ...d.secrets, recoveryWindowInDays: 0, kmsKeyDeletionWindowInDays: 7 },
            };
    }
}
