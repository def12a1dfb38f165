import { strict as assert } from "assert";
import { formatCidr, overlaps, parseCidr, planSubnets, subnet } from "../components/config/cidr";
import { instanceShape } from "../components/config/instanceTypes";
import { platformId, serviceIdentities } from "../components/config/names";
import { tierDefaults } from "../components/config/defaults";
import { bucketPlans, bucketPrefix, maxBucketPrefixLength } from "../components/aws/dataLake";
import { buildKubeconfig } from "../components/aws/eksCluster";
import { natGatewayCount, subnetTags } from "../components/aws/network";
import { nodeGroupPlan } from "../components/aws/nodeGroups";
import { executorTaint, gpuTaint, nodeRoleLabel } from "../components/config/nodeRoles";
import { credential, credentialsNeeded, generatedSecrets, toUrlSafeBase64 } from "../components/services/credentials";

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

describe("instance catalogue", () => {
    it("knows the shape of CPU and GPU types", () => {
        assert.deepEqual(instanceShape("m6i.4xlarge"), { name: "m6i.4xlarge", vcpu: 16, memoryGiB: 64, gpus: 0, maxPods: 234 });
        assert.equal(instanceShape("r6i.2xlarge")?.memoryGiB, 64);
        assert.equal(instanceShape("c6i.xlarge")?.memoryGiB, 8);
        assert.equal(instanceShape("g5.12xlarge")?.gpus, 4);
        assert.equal(instanceShape("x9.huge"), undefined);
        assert.equal(instanceShape("c5.8xlarge"), undefined, "c5 comes in 9xlarge, not 8xlarge");
        assert.equal(instanceShape("c5a.8xlarge")?.vcpu, 32);
    });

    it("has a shape for every instance type the tier defaults use", () => {
        for (const tier of ["dev", "staging", "prod"] as const) {
            for (const group of Object.values(tierDefaults(tier).nodeGroups)) {
                for (const t of group.instanceTypes) assert.ok(instanceShape(t), `${tier}: ${t}`);
            }
        }
    });
});

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

describe("node group plans", () => {
    const d = tierDefaults("prod").nodeGroups;

    it("runs executors on SPOT behind a taint, with autoscaler templates for scale-from-zero", () => {
        const p = nodeGroupPlan("executor", d.executor);
        assert.equal(p.capacityType, "SPOT");
        assert.deepEqual(p.taints, [executorTaint]);
        assert.equal(p.labels[nodeRoleLabel], "executor");
        assert.equal(p.autoscalerTags["k8s.io/cluster-autoscaler/node-template/taint/spark-k8s/executor"], "true:NoSchedule");
        assert.equal(p.autoscalerTags["k8s.io/cluster-autoscaler/node-template/label/spark-k8s/node-role"], "executor");
        assert.equal(p.autoscalerTags["k8s.io/cluster-autoscaler/node-template/label/eks.amazonaws.com/capacityType"], "SPOT");
    });

    it("gives GPU nodes the NVIDIA AMI, the nvidia.com/gpu taint and a GPU count the autoscaler can see", () => {
        const p = nodeGroupPlan("gpu", { ...d.gpu, instanceTypes: ["g5.12xlarge"] });
        assert.equal(p.amiType, "AL2023_x86_64_NVIDIA");
        assert.equal(p.capacityType, "ON_DEMAND");
        assert.deepEqual(p.taints, [gpuTaint]);
        assert.equal(p.autoscalerTags["k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu"], "4");
        assert.equal(p.autoscalerTags["k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu"], "true:NoSchedule");
    });

    it("keeps system and driver nodes on demand and untainted", () => {
        for (const role of ["system", "driver"] as const) {
            const p = nodeGroupPlan(role, d[role]);
            assert.equal(p.capacityType, "ON_DEMAND");
            assert.equal(p.amiType, "AL2023_x86_64_STANDARD");
            assert.deepEqual(p.taints, []);
            assert.ok(!Object.keys(p.autoscalerTags).some((k) => k.includes("/taint/")));
        }
    });
});

describe("data lake plans", () => {
    const plans = bucketPlans({ ...tierDefaults("prod").storage, eventLogRetentionDays: 45, backupRetentionDays: 30 });
    const byPurpose = Object.fromEntries(plans.map((p) => [p.purpose, p]));

    it("has the four buckets, versioning the warehouse and backups only", () => {
        assert.deepEqual(plans.map((p) => p.purpose), ["warehouse", "eventLogs", "airflowLogs", "backups"]);
        assert.deepEqual(plans.filter((p) => p.versioned).map((p) => p.purpose), ["warehouse", "backups"]);
    });

    it("aborts incomplete multipart uploads in every bucket", () => {
        for (const p of plans) assert.ok(p.lifecycleRules.some((r) => r.abortIncompleteMultipartUploadDays === 7), p.purpose);
    });

    it("expires event logs under their prefix after the configured days and backups after 30", () => {
        assert.deepEqual(byPurpose.eventLogs.lifecycleRules.find((r) => r.expirationDays), { id: "expire-event-logs", prefix: "spark-events/", objectSizeGreaterThan: 0, expirationDays: 45 });
        assert.equal(byPurpose.backups.lifecycleRules.find((r) => r.expirationDays)?.expirationDays, 30);
        assert.equal(byPurpose.warehouse.lifecycleRules.some((r) => r.expirationDays), false, "table data never expires");
    });
});

describe("generated secrets", () => {
    it("turns standard base64 into the URL-safe alphabet Fernet needs", () => {
        assert.equal(toUrlSafeBase64("ab+/cd=="), "ab-_cd==");
    });

    it("knows the credentials of the components the platform installs, and no other", () => {
        assert.deepEqual(Object.keys(generatedSecrets).sort(), ["airflow", "airflowAdmin", "airflowDatabase", "databaseAdmin", "metastoreDatabase", "minioRoot"]);
        assert.equal(generatedSecrets.airflow.fields.fernetKey.kind, "fernetKey");
    });

    it("generates only what the plan's components read: Airflow's with Airflow, MinIO's with MinIO", () => {
        assert.deepEqual(credentialsNeeded({ airflow: { enabled: false }, minio: false }), ["databaseAdmin", "metastoreDatabase"]);
        assert.deepEqual(credentialsNeeded({ airflow: { enabled: true }, minio: true }), ["databaseAdmin", "metastoreDatabase", "airflowDatabase", "airflow", "airflowAdmin", "minioRoot"]);
        assert.throws(() => credential({}, "minioRoot", "MinIO"), /MinIO reads the minioRoot credential, which this stack does not generate/);
    });
});

describe("names and kubeconfig", () => {
    it("names the platform <platform.name>-<stack>", () => {
        assert.equal(platformId({ platform: { name: "spark" }, stack: "prod" }), "spark-prod");
    });

    it("keeps bucket prefixes within the 37 characters S3 allows, ending in a dash", () => {
        assert.equal(bucketPrefix("spark-prod", "airflow-logs"), "spark-prod-airflow-logs-");
        const long = bucketPrefix("analytics-lab-customer-sandbox-eu", "airflow-logs");
        assert.equal(long.length <= maxBucketPrefixLength, true, long);
        assert.match(long, /^analytics-lab-customer-sandbox-eu-a[a-z-]*-$/);
        assert.doesNotMatch(long, /--$/);
    });

    it("gives each workload its own namespace and service account", () => {
        const pairs = Object.values(serviceIdentities).map((i) => `${i.namespace}/${i.serviceAccount}`);
        assert.equal(new Set(pairs).size, pairs.length);
    });

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
