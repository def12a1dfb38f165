import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { configKeys, ConfigError, serviceIdentities } from "../../components/config";
import { defaultKubernetesVersion, kubernetesReleases } from "../../components/config/kubernetesReleases";
import { toUrlSafeBase64 } from "../../components/services/credentials";
import { isSecretValue, maskSecrets, mockAccountId, mockGeneratedValue, RecordedResource, repoRoot, StackRun } from "../../tools/harness";
import { attachedTo, awsStacks, inputs, ofType, stackRun, stackRunWith } from "../support";

const T = {
    bucket: "aws:s3/bucket:Bucket",
    publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    nat: "aws:ec2/natGateway:NatGateway",
    vpc: "aws:ec2/vpc:Vpc",
    subnet: "aws:ec2/subnet:Subnet",
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
    cluster: "aws:eks/cluster:Cluster",
    addon: "aws:eks/addon:Addon",
    accessEntry: "aws:eks/accessEntry:AccessEntry",
    asgTag: "aws:autoscaling/tag:Tag",
    kmsKey: "aws:kms/key:Key",
    secret: "aws:secretsmanager/secret:Secret",
    secretVersion: "aws:secretsmanager/secretVersion:SecretVersion",
    podIdentity: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    role: "aws:iam/role:Role",
    storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
    endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
};

type NodeGroupInputs = {
    capacityType: string;
    amiType: string;
    labels: Record<string, string>;
    taints?: { key: string; value: string; effect: string }[];
    scalingConfig: { minSize: number; desiredSize: number; maxSize: number };
    instanceTypes: string[];
    launchTemplate: { id: string };
};

function nodeGroup(run: StackRun, role: string) {
    const found = ofType(run, T.nodeGroup).filter((r) => inputs<NodeGroupInputs>(r).labels["spark-k8s/node-role"] === role);
    assert.equal(found.length, 1, `one ${role} node group`);
    return found[0];
}

function kmsKeyArn(run: StackRun): string {
    const keys = ofType(run, T.kmsKey);
    assert.equal(keys.length, 1);
    return `arn:aws:kms:eu-west-1:123456789012:key/key-${keys[0].name}`;
}

describe("whole stacks under mocks", function () {
    this.timeout(60000);

    describe("network", () => {
        it("prod has a NAT gateway per AZ across three AZs; dev has one NAT over two", async () => {
            const prod = await stackRun("prod");
            const dev = await stackRun("dev");
            assert.equal(ofType(prod, T.nat).length, 3);
            assert.equal(ofType(prod, T.subnet).length, 6);
            assert.equal(ofType(dev, T.nat).length, 1);
            assert.equal(ofType(dev, T.subnet).length, 4);
        });

        it("routes S3 through a gateway endpoint on every route table", async () => {
            const prod = await stackRun("prod");
            const [endpoint] = ofType(prod, T.endpoint);
            assert.equal(inputs(endpoint).vpcEndpointType, "Gateway");
            assert.equal(inputs(endpoint).serviceName, "com.amazonaws.eu-west-1.s3");
            assert.equal((inputs(endpoint).routeTableIds as string[]).length, ofType(prod, "aws:ec2/routeTable:RouteTable").length);
        });

        it("uses an existing VPC by ids and creates no network of its own", async () => {
            const subnets = ["subnet-0aaa1111", "subnet-0bbb2222", "subnet-0ccc3333"];
            const run = await stackRunWith("prod", {
                network: { mode: "existing", existing: { vpcId: "vpc-0abc12345def67890", privateSubnetIds: subnets } },
            });
            assert.equal(ofType(run, T.vpc).length, 0);
            assert.equal(ofType(run, T.subnet).length, 0);
            assert.equal(ofType(run, T.nat).length, 0);
            const [cluster] = ofType(run, T.cluster);
            assert.deepEqual(inputs<{ vpcConfig: { subnetIds: string[] } }>(cluster).vpcConfig.subnetIds, subnets);
            assert.deepEqual(inputs<{ subnetIds: string[] }>(nodeGroup(run, "executor")).subnetIds, subnets);
        });
    });

    describe("EKS cluster", () => {
        for (const stack of awsStacks) {
            it(`${stack}: encrypts secrets with the platform key, logs api/audit/authenticator, keeps the private endpoint`, async () => {
                const run = await stackRun(stack);
                const [cluster] = ofType(run, T.cluster);
                const c = inputs<{
                    encryptionConfig: { provider: { keyArn: string }; resources: string[] };
                    enabledClusterLogTypes: string[];
                    vpcConfig: { endpointPrivateAccess: boolean; endpointPublicAccess: boolean; publicAccessCidrs?: string[] };
                    name: string;
                    accessConfig: { authenticationMode: string };
                }>(cluster);
                assert.equal(c.name, `spark-${stack}`);
                assert.equal(c.encryptionConfig.provider.keyArn, kmsKeyArn(run));
                assert.deepEqual(c.encryptionConfig.resources, ["secrets"]);
                for (const t of ["api", "audit", "authenticator"]) assert.ok(c.enabledClusterLogTypes.includes(t), t);
                assert.equal(c.vpcConfig.endpointPrivateAccess, true);
                assert.equal(c.accessConfig.authenticationMode, "API");
                const [key] = ofType(run, T.kmsKey);
                assert.equal(inputs(key).enableKeyRotation, true);
            });
        }

        it("prod's API endpoint is private only; dev's is public to the stack file's CIDRs only", async () => {
            const prod = inputs<{ vpcConfig: { endpointPublicAccess: boolean; publicAccessCidrs?: string[] } }>(ofType(await stackRun("prod"), T.cluster)[0]);
            assert.equal(prod.vpcConfig.endpointPublicAccess, false);
            assert.equal(prod.vpcConfig.publicAccessCidrs, undefined);
            const devFile = parseYaml(fs.readFileSync(path.join(repoRoot, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, { publicAccessCidrs: string[] }> };
            const dev = inputs<{ vpcConfig: { endpointPublicAccess: boolean; publicAccessCidrs: string[] } }>(ofType(await stackRun("dev"), T.cluster)[0]);
            assert.equal(dev.vpcConfig.endpointPublicAccess, true);
            assert.deepEqual(dev.vpcConfig.publicAccessCidrs, devFile.config["spark-k8s:cluster"].publicAccessCidrs);
        });

        it("grants admin roles from config through access entries", async () => {
            const prod = await stackRun("prod");
            const entries = ofType(prod, T.accessEntry);
            assert.deepEqual(entries.map((e) => inputs(e).principalArn), ["arn:aws:iam::111122223333:role/platform-admin"]);
            assert.equal(ofType(await stackRun("dev"), T.accessEntry).length, 0);
        });

        it("pins every managed add-on, networking ones before nodes and CoreDNS/EBS CSI after", async () => {
            const run = await stackRun("prod");
            const addons = ofType(run, T.addon).map((a) => inputs<{ addonName: string; addonVersion: string }>(a));
            assert.deepEqual(addons.map((a) => a.addonName).sort(), ["aws-ebs-csi-driver", "coredns", "eks-pod-identity-agent", "kube-proxy", "vpc-cni"]);
            for (const a of addons) assert.match(a.addonVersion, /^v\d+\.\d+\.\d+-eksbuild\.\d+$/, a.addonName);
            const post = ofType(run, "spark-k8s:aws:ClusterAddons");
            assert.equal(post.length, 1);
            const postNames = ofType(run, T.addon).filter((a) => a.parent === post[0].urn).map((a) => inputs(a).addonName);
            assert.deepEqual(postNames.sort(), ["aws-ebs-csi-driver", "coredns"]);
        });

        it("joins nodes only after the networking add-ons, and installs CoreDNS and EBS CSI only after nodes and identities", async () => {
            const run = await stackRun("prod");
            const addonUrn = (name: string) => ofType(run, T.addon).find((a) => inputs(a).addonName === name)!.urn;
            for (const g of ofType(run, T.nodeGroup)) {
                for (const pre of ["vpc-cni", "kube-proxy", "eks-pod-identity-agent"]) assert.ok(g.dependencies.includes(addonUrn(pre)), `${g.name} after ${pre}`);
            }
            for (const post of ["coredns", "aws-ebs-csi-driver"]) {
                const deps = ofType(run, T.addon).find((a) => inputs(a).addonName === post)!.dependencies;
                for (const g of ofType(run, T.nodeGroup)) assert.ok(deps.includes(g.urn), `${post} after ${g.name}`);
                for (const a of ofType(run, T.podIdentity)) assert.ok(deps.includes(a.urn), `${post} after ${a.name}`);
            }
        });

        it("makes an encrypted gp3 StorageClass the default, through the cluster's Kubernetes provider", async () => {
            const run = await stackRun("prod");
            const [sc] = ofType(run, T.storageClass);
            const s = inputs<{ metadata: { annotations: Record<string, string> }; parameters: Record<string, string>; provisioner: string }>(sc);
            assert.equal(s.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
            assert.equal(s.provisioner, "ebs.csi.aws.com");
            assert.equal(s.parameters.type, "gp3");
            assert.equal(s.parameters.encrypted, "true");
            assert.equal(s.parameters.kmsKeyId, kmsKeyArn(run));
            const [k8sProvider] = ofType(run, "pulumi:providers:kubernetes");
            assert.equal(sc.provider, k8sProvider.urn);
            assert.ok(isSecretValue(k8sProvider.inputs.kubeconfig), "the provider's kubeconfig is a secret");
        });
    });

    describe("node groups", () => {
        for (const stack of awsStacks) {
            it(`${stack}: executors are SPOT and tainted, system and driver SPOT only in dev; the GPU group is NVIDIA, tainted and scales from zero`, async () => {
                const run = await stackRun(stack);
                const exec = inputs<NodeGroupInputs>(nodeGroup(run, "executor"));
                assert.equal(exec.capacityType, "SPOT");
                assert.deepEqual(exec.taints, [{ key: "spark-k8s/executor", value: "true", effect: "NO_SCHEDULE" }]);
                assert.ok(exec.instanceTypes.length >= 2);
                const gpu = inputs<NodeGroupInputs>(nodeGroup(run, "gpu"));
                assert.equal(gpu.amiType, "AL2023_x86_64_NVIDIA");
                assert.deepEqual(gpu.taints, [{ key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" }]);
                assert.equal(gpu.scalingConfig.minSize, 0);
                for (const role of ["system", "driver"]) {
                    const g = inputs<NodeGroupInputs>(nodeGroup(run, role));
                    // Dev buys its system and driver nodes on spot (diversified, untainted), the other tiers on demand.
                    assert.equal(g.capacityType, stack === "dev" ? "SPOT" : "ON_DEMAND", role);
                    assert.equal(g.labels["spark-k8s/capacity"], stack === "dev" ? "spot" : "on-demand", role);
                    if (stack === "dev") assert.ok(g.instanceTypes.length >= 2, role);
                    assert.deepEqual(g.taints ?? [], [], role);
                }
            });

            it(`${stack}: every node group launches from a template requiring IMDSv2 at hop limit 1 with an encrypted gp3 root`, async () => {
                const run = await stackRun(stack);
                const templates = ofType(run, T.launchTemplate);
                assert.ok(templates.length >= 4);
                for (const t of templates) {
                    const lt = inputs<{
                        metadataOptions: { httpTokens: string; httpPutResponseHopLimit: number };
                        blockDeviceMappings: { ebs: { encrypted: string; volumeType: string; kmsKeyId: string } }[];
                    }>(t);
                    assert.equal(lt.metadataOptions.httpTokens, "required", t.name);
                    assert.equal(lt.metadataOptions.httpPutResponseHopLimit, 1, t.name);
                    assert.equal(lt.blockDeviceMappings[0].ebs.encrypted, "true");
                    assert.equal(lt.blockDeviceMappings[0].ebs.volumeType, "gp3");
                    assert.equal(lt.blockDeviceMappings[0].ebs.kmsKeyId, kmsKeyArn(run));
                }
                const templateIds = new Set(templates.map((t) => `${t.name}-id`));
                for (const g of ofType(run, T.nodeGroup)) {
                    assert.ok(templateIds.has(inputs<NodeGroupInputs>(g).launchTemplate.id), g.name);
                    assert.equal(inputs(g).remoteAccess, undefined, "no SSH access");
                }
            });
        }

        it("tags the executor and GPU Auto Scaling groups so the autoscaler can scale them up from zero", async () => {
            const run = await stackRun("prod");
            const tags = ofType(run, T.asgTag).map((t) => inputs<{ autoscalingGroupName: string; tag: { key: string; value: string } }>(t));
            const gpuAsg = `eks-${nodeGroup(run, "gpu").name}-asg`;
            const onGpu = Object.fromEntries(tags.filter((t) => t.autoscalingGroupName === gpuAsg).map((t) => [t.tag.key, t.tag.value]));
            assert.equal(onGpu["k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu"], "1");
            assert.equal(onGpu["k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu"], "true:NoSchedule");
            const execAsg = `eks-${nodeGroup(run, "executor").name}-asg`;
            const onExec = Object.fromEntries(tags.filter((t) => t.autoscalingGroupName === execAsg).map((t) => [t.tag.key, t.tag.value]));
            assert.equal(onExec["k8s.io/cluster-autoscaler/node-template/taint/spark-k8s/executor"], "true:NoSchedule");
            assert.equal(onExec["k8s.io/cluster-autoscaler/node-template/label/eks.amazonaws.com/capacityType"], "SPOT");
        });

        it("creates no GPU group when it is disabled, and sizes groups from config", async () => {
            const run = await stackRunWith("dev", {
                cluster: { publicAccessCidrs: ["198.51.100.0/24"] },
                nodeGroups: { gpu: { enabled: false }, executor: { maxSize: 7 } },
            });
            assert.equal(ofType(run, T.nodeGroup).filter((r) => inputs<NodeGroupInputs>(r).labels["spark-k8s/node-role"] === "gpu").length, 0);
            assert.equal(inputs<NodeGroupInputs>(nodeGroup(run, "executor")).scalingConfig.maxSize, 7);
        });
    });

    describe("data lake", () => {
        for (const stack of awsStacks) {
            it(`${stack}: every bucket blocks public access, uses SSE-KMS with a bucket key, enforces owner and TLS, and has lifecycle rules`, async () => {
                const run = await stackRun(stack);
                const buckets = ofType(run, T.bucket);
                assert.equal(buckets.length, 4);
                for (const b of buckets) {
                    const [pab] = attachedTo(run, T.publicAccessBlock, "bucket", b);
                    assert.ok(pab, `${b.name}: public access block`);
                    for (const f of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.equal(inputs(pab)[f], true, `${b.name}.${f}`);
                    const [sse] = attachedTo(run, T.encryption, "bucket", b);
                    const rule = inputs<{ rules: { applyServerSideEncryptionByDefault: { sseAlgorithm: string; kmsMasterKeyId: string }; bucketKeyEnabled: boolean }[] }>(sse).rules[0];
                    assert.equal(rule.applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
                    assert.equal(rule.applyServerSideEncryptionByDefault.kmsMasterKeyId, kmsKeyArn(run));
                    assert.equal(rule.bucketKeyEnabled, true);
                    const [own] = attachedTo(run, T.ownership, "bucket", b);
                    assert.deepEqual(inputs(own).rule, { objectOwnership: "BucketOwnerEnforced" });
                    const [pol] = attachedTo(run, T.bucketPolicy, "bucket", b);
                    const doc = JSON.parse(inputs<{ policy: string }>(pol).policy) as { Statement: { Effect: string; Condition: unknown; Resource: string[] }[] };
                    assert.ok(
                        doc.Statement.some((s) => s.Effect === "Deny" && JSON.stringify(s.Condition) === '{"Bool":{"aws:SecureTransport":"false"}}' && s.Resource.length === 2),
                        `${b.name}: TLS-only policy`,
                    );
                    const [lc] = attachedTo(run, T.lifecycle, "bucket", b);
                    const rules = inputs<{ rules: { id: string; abortIncompleteMultipartUpload?: { daysAfterInitiation: number } }[] }>(lc).rules;
                    assert.ok(rules.some((r) => r.abortIncompleteMultipartUpload?.daysAfterInitiation), `${b.name}: abort multipart`);
                    assert.equal(inputs(b).forceDestroy, stack === "dev", `${b.name}: forceDestroy only outside prod-like stacks`);
                }
                // Spark and the History Server need the event-log folder before their first start.
                const eventLogs = buckets.find((b) => b.name.endsWith("-event-logs"));
                assert.ok(eventLogs);
                const folders = ofType(run, "aws:s3/bucketObject:BucketObject").map((o) => ({ bucket: inputs(o).bucket, key: inputs(o).key, content: inputs(o).content }));
                assert.deepEqual(folders, [{ bucket: `${eventLogs.name}-id`, key: "spark-events/", content: "" }]);
                const [eventLogRules] = attachedTo(run, T.lifecycle, "bucket", eventLogs);
                const expiry = inputs<{ rules: { id: string; filter: unknown }[] }>(eventLogRules).rules.find((r) => r.id === "expire-event-logs");
                assert.deepEqual(expiry?.filter, { and: { prefix: "spark-events/", objectSizeGreaterThan: 0 } }, "expiring the empty marker would remove the folder");
                const versioned = ofType(run, T.versioning).map((v) => String(inputs(v).bucket));
                assert.deepEqual(versioned.sort(), buckets.filter((b) => /warehouse|backups/.test(b.name)).map((b) => `${b.name}-id`).sort());
            });
        }
    });

    describe("secrets", () => {
        for (const stack of awsStacks) {
            it(`${stack}: no generated secret value appears in plain text in any resource input or stack output`, async () => {
                const run = await stackRun(stack);
                const generated = run.resources.flatMap((r) => {
                    const v = mockGeneratedValue(r.type, r.name);
                    return v ? [v, toUrlSafeBase64(v)] : [];
                });
                assert.ok(generated.length >= 8, "the mocks generated values to look for");
                const raw = JSON.stringify({ inputs: run.resources.map((r) => r.inputs), outputs: run.outputs });
                assert.ok(generated.some((v) => raw.includes(v)), "the generated values do reach resources (inside secrets)");
                const masked = JSON.stringify(maskSecrets({ inputs: run.resources.map((r) => r.inputs), outputs: run.outputs }));
                for (const v of generated) assert.ok(!masked.includes(v), `generated value ${v.slice(0, 8)}... is visible`);
            });
        }

        it("stores each generated credential in Secrets Manager under the platform key, the value a Pulumi secret", async () => {
            const run = await stackRun("prod");
            const secrets = ofType(run, T.secret);
            // prod runs Airflow and the monitoring stack but no MinIO: no MinIO root user is generated or stored.
            assert.deepEqual(secrets.map((s) => inputs(s).name).sort(), ["spark-prod/airflow", "spark-prod/airflow-admin", "spark-prod/airflow-db", "spark-prod/database-admin", "spark-prod/grafana-admin", "spark-prod/metastore-db"]);
            const notebooksOnly = ofType(await stackRunWith("prod", { spark: { scenarios: ["jupyter-connect-k8s"] }, services: { observability: { enabled: false } } }), T.secret).map((s) => inputs(s).name).sort();
            assert.deepEqual(notebooksOnly, ["spark-prod/database-admin", "spark-prod/metastore-db"], "nothing for Airflow or Grafana when neither is installed");
            for (const s of secrets) {
                assert.equal(inputs(s).kmsKeyId, kmsKeyArn(run));
                assert.equal(inputs(s).recoveryWindowInDays, 30);
            }
            for (const v of ofType(run, T.secretVersion)) assert.ok(isSecretValue(inputs(v).secretString), v.name);
        });

        it("exports the kubeconfig only as a secret and no other output is secret material", async () => {
            const run = await stackRun("prod");
            assert.ok(isSecretValue(run.outputs.kubeconfig));
            const secretOutputs = Object.entries(run.outputs).filter(([, v]) => isSecretValue(v)).map(([k]) => k);
            assert.deepEqual(secretOutputs, ["kubeconfig"]);
        });
    });

    describe("cluster autoscaler", () => {
        it("prod runs the cluster-autoscaler for its own groups, matching the cluster's minor, under a Pod Identity", async () => {
            const run = await stackRun("prod");
            const chart = ofType(run, "kubernetes:helm.sh/v4:Chart").find((c) => inputs(c).chart === "cluster-autoscaler");
            assert.ok(chart, "cluster-autoscaler chart");
            const v = inputs<{ version: string; values: Record<string, unknown> }>(chart);
            assert.match(v.version, /^\d+\.\d+\.\d+$/);
            const values = v.values as {
                autoDiscovery: { clusterName: string };
                awsRegion: string;
                image: { tag: string };
                rbac: { serviceAccount: { name: string } };
                resources: { requests: Record<string, string>; limits: Record<string, string> };
                containerSecurityContext: Record<string, unknown>;
                nodeSelector: Record<string, string>;
            };
            assert.equal(values.autoDiscovery.clusterName, "spark-prod");
            assert.equal(values.awsRegion, "eu-west-1");
            assert.equal(values.image.tag, kubernetesReleases["1.36"].clusterAutoscalerImageTag);
            assert.equal(values.nodeSelector["spark-k8s/node-role"], "system");
            assert.ok(values.resources.requests.memory && values.resources.limits.memory);
            assert.equal(values.containerSecurityContext.allowPrivilegeEscalation, false);
            const assoc = ofType(run, T.podIdentity).find((a) => inputs(a).namespace === "kube-system" && inputs(a).serviceAccount === values.rbac.serviceAccount.name);
            assert.ok(assoc, "the chart's service account has the autoscaler's Pod Identity");
            // It waits for the nodes through its provider, as every workload does.
            const provider = run.resources.find((r) => r.urn === chart.provider);
            assert.ok(provider?.name.endsWith("-workloads"), String(chart.provider));
            for (const g of ofType(run, T.nodeGroup)) assert.ok(provider?.dependencies.includes(g.urn), `after ${g.name}`);
        });

        it("the local tier, with no node groups, runs no autoscaler", async () => {
            const run = await stackRun("local");
            assert.equal(ofType(run, "kubernetes:helm.sh/v4:Chart").filter((c) => inputs(c).chart === "cluster-autoscaler").length, 0);
        });
    });

    describe("metastore database", () => {
        it("prod runs an encrypted, private, Multi-AZ, deletion-protected PostgreSQL reachable only from cluster nodes", async () => {
            const run = await stackRun("prod");
            const [db] = ofType(run, "aws:rds/instance:Instance");
            const i = inputs<Record<string, unknown>>(db);
            assert.equal(i.engine, "postgres");
            assert.equal(i.storageEncrypted, true);
            assert.equal(i.kmsKeyId, kmsKeyArn(run));
            assert.equal(i.publiclyAccessible, false);
            assert.equal(i.multiAz, true);
            assert.equal(i.deletionProtection, true);
            assert.equal(i.skipFinalSnapshot, false);
            assert.ok(String(i.finalSnapshotIdentifier).length > 0);
            assert.ok(Number(i.backupRetentionPeriod) >= 7);
            assert.ok(isSecretValue(i.password), "the admin password is a secret");
            const [params] = ofType(run, "aws:rds/parameterGroup:ParameterGroup");
            assert.deepEqual(inputs(params).parameters, [{ name: "rds.force_ssl", value: "1" }]);
            const rules = ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
            assert.equal(rules.length, 1);
            assert.equal(inputs(rules[0]).referencedSecurityGroupId, "sg-0mockcluster");
            assert.equal(inputs(rules[0]).cidrIpv4, undefined, "no CIDR-wide access");
        });

        it("dev runs a small single-AZ database without deletion protection", async () => {
            const i = inputs<Record<string, unknown>>(ofType(await stackRun("dev"), "aws:rds/instance:Instance")[0]);
            assert.equal(i.multiAz, false);
            assert.equal(i.deletionProtection, false);
            assert.equal(i.instanceClass, "db.t4g.small");
            assert.equal(i.performanceInsightsEnabled, false, "not offered on small burstable classes");
        });
    });

    describe("workload identity", () => {
        it("gives the spark service account of each team namespace a role of its own, scoped to the team's warehouse folder", async () => {
            const run = await stackRunWith("prod", { spark: { jobNamespaces: ["spark-jobs", "etl", "ml"] } });
            const spark = ofType(run, T.podIdentity).filter((a) => inputs(a).serviceAccount === "spark");
            assert.deepEqual(spark.map((a) => inputs(a).namespace).sort(), ["etl", "ml", "spark-jobs"]);
            assert.equal(new Set(spark.map((a) => inputs(a).roleArn)).size, 3, "one role per namespace");
            const policyOf = (ns: string) => inputs<{ policy: string }>(ofType(run, T.rolePolicy).find((p) => p.name.endsWith(`-spark-${ns}`))!).policy;
            assert.ok(policyOf("etl").includes("/warehouse/etl/*") && !policyOf("etl").includes("/warehouse/ml"), policyOf("etl"));
            assert.ok(policyOf("ml").includes("/warehouse/ml/*") && !policyOf("ml").includes("/warehouse/etl"), policyOf("ml"));
        });

        it("creates Airflow's role only where Airflow runs", async () => {
            const notebooksOnly = await stackRunWith("dev", { spark: { scenarios: ["jupyter-connect-k8s"] } });
            const airflowRole = (run: StackRun) => ofType(run, T.podIdentity).some((a) => inputs(a).serviceAccount === serviceIdentities.airflow.serviceAccount);
            assert.equal(airflowRole(await stackRun("dev")), true, "dev runs the full platform, Airflow included");
            assert.equal(airflowRole(notebooksOnly), false);
        });

        it("lets the metastore manage table directories in the warehouse only", async () => {
            const run = await stackRun("prod");
            const policy = inputs<{ policy: string }>(ofType(run, T.rolePolicy).find((p) => p.name.endsWith("-hive-metastore"))!).policy;
            assert.ok(policy.includes("warehouse"));
            assert.ok(!policy.includes("event-logs") && !policy.includes("airflow-logs") && !policy.includes("secretsmanager"));
        });

        it("associates a role with each service account and scopes the Spark role to the warehouse and event-log buckets", async () => {
            const run = await stackRun("prod");
            const assoc = ofType(run, T.podIdentity).map((a) => `${String(inputs(a).namespace)}/${String(inputs(a).serviceAccount)}`);
            // prod runs the full platform, Airflow included; its nodes come from the cluster-autoscaler, not Karpenter.
            const installed = Object.entries(serviceIdentities).filter(([key]) => key !== "karpenter");
            assert.deepEqual(assoc.sort(), installed.map(([, i]) => `${i.namespace}/${i.serviceAccount}`).sort());
            const sparkPolicy = ofType(run, T.rolePolicy).find((p) => p.name.endsWith("-spark"));
            const text = inputs<{ policy: string }>(sparkPolicy!).policy;
            const bucket = (slug: string) => ofType(run, T.bucket).find((b) => b.name.endsWith(slug))!;
            assert.ok(text.includes(`arn:aws:s3:::${String(inputs(bucket("warehouse")).bucketPrefix)}mock/*`));
            assert.ok(text.includes(`arn:aws:s3:::${String(inputs(bucket("event-logs")).bucketPrefix)}mock/spark-events/*`));
            assert.ok(!text.includes("airflow-logs"));
            assert.ok(!text.includes("glue:"), "no Glue without the glue catalog");
        });

        it("gives the Spark role the Glue catalog of its account and region when Iceberg's catalog is Glue", async () => {
            const run = await stackRunWith("dev", { spark: { presets: ["iceberg"], iceberg: { catalogType: "glue" } } });
            const policy = JSON.parse(inputs<{ policy: string }>(ofType(run, T.rolePolicy).find((p) => p.name.endsWith("-spark"))!).policy) as { Statement: { Action: string[]; Resource: string[] }[] };
            const glue = policy.Statement.find((s) => s.Action.includes("glue:UpdateTable"));
            assert.deepEqual(glue?.Resource, ["catalog", "database/*", "table/*/*"].map((r) => `arn:aws:glue:eu-west-1:${mockAccountId}:${r}`));
            for (const p of ofType(run, T.rolePolicy).filter((r) => !r.name.endsWith("-spark"))) assert.ok(!inputs<{ policy: string }>(p).policy.includes("glue:"), p.name);
        });
    });

    describe("wiring and conventions", () => {
        for (const stack of awsStacks) {
            it(`${stack}: every AWS resource goes through the tagged platform provider and sits inside a component`, async () => {
                const run = await stackRun(stack);
                const [provider] = ofType(run, "pulumi:providers:aws");
                const tags = JSON.parse(String(inputs(provider).defaultTags)) as { tags: Record<string, string> };
                assert.equal(tags.tags["spark-k8s:stack"], stack);
                const awsResources = run.resources.filter((r) => r.custom && r.type.startsWith("aws:"));
                assert.ok(awsResources.length > 50);
                for (const r of awsResources) {
                    assert.equal(r.provider, provider.urn, `${r.type} ${r.name}`);
                    const parent = run.resources.find((p) => p.urn === r.parent);
                    assert.ok(parent && parent.type.startsWith("spark-k8s:"), `${r.type} ${r.name} has a component parent`);
                }
            });
        }

        for (const stack of awsStacks) {
            it(`${stack}: every workload waits for the node groups, CoreDNS, the EBS CSI driver and the Pod Identity associations`, async () => {
                const run = await stackRun(stack);
                const providers = ofType(run, "pulumi:providers:kubernetes");
                const workloads = providers.find((p) => p.name.endsWith("-workloads"));
                assert.ok(workloads, providers.map((p) => p.name).join(", "));
                const waitsFor = (type: string, filter: (r: RecordedResource) => boolean = () => true) => {
                    const targets = ofType(run, type).filter(filter);
                    assert.ok(targets.length > 0, type);
                    for (const t of targets) assert.ok(workloads.dependencies.includes(t.urn), `the workload provider does not wait for ${t.urn}`);
                };
                waitsFor("aws:eks/nodeGroup:NodeGroup");
                waitsFor("aws:eks/addon:Addon", (a) => ["coredns", "aws-ebs-csi-driver"].includes(String(inputs(a).addonName)));
                waitsFor("aws:eks/podIdentityAssociation:PodIdentityAssociation");
                // Only the StorageClass, which needs no node, is created before the nodes.
                const early = run.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.provider !== workloads.urn);
                assert.deepEqual(early.map((r) => r.type), ["kubernetes:storage.k8s.io/v1:StorageClass"]);
            });
        }

        it("creates the control-plane log group first, with retention and the platform key", async () => {
            const run = await stackRun("prod");
            const [group] = ofType(run, "aws:cloudwatch/logGroup:LogGroup");
            assert.equal(inputs(group).name, "/aws/eks/spark-prod/cluster");
            assert.equal(inputs(group).retentionInDays, 90);
            assert.equal(inputs(group).kmsKeyId, kmsKeyArn(run));
            assert.ok(ofType(run, T.cluster)[0].dependencies.includes(group.urn));
        });

        it("upgrades nodes with the cluster: every node group follows the cluster's Kubernetes version", async () => {
            const run = await stackRun("prod");
            for (const g of ofType(run, T.nodeGroup)) assert.equal(inputs(g).version, defaultKubernetesVersion, g.name);
        });

        it("protects the cluster, key and buckets from deletion in prod but not in dev", async () => {
            // Pulumi's protect flag is not visible to mocks, so check EKS deletion protection, the
            // StorageClass reclaim policy and forceDestroy, which follow the same setting.
            const prod = await stackRun("prod");
            const dev = await stackRun("dev");
            assert.equal(inputs(ofType(prod, T.cluster)[0]).deletionProtection, true);
            assert.equal(inputs(ofType(dev, T.cluster)[0]).deletionProtection, false);
            assert.equal(inputs(ofType(prod, T.storageClass)[0]).reclaimPolicy, "Retain");
            assert.equal(inputs(ofType(dev, T.storageClass)[0]).reclaimPolicy, "Delete");
        });

        it("fails with every problem before creating any resource when config is invalid", async () => {
            await assert.rejects(
                stackRunWith("prod", { nodeGroups: { gpu: { maxSize: -1 } }, netwrok: {} }),
                (err: unknown) => err instanceof ConfigError && err.problems.length === 2,
            );
        });

        it("Pulumi.yaml declares every config key with a description, and the stack files use only known keys", () => {
            const project = parseYaml(fs.readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8")) as { name: string; config: Record<string, { description?: string; type?: string }> };
            assert.deepEqual(Object.keys(project.config), [...configKeys]);
            for (const [key, decl] of Object.entries(project.config)) assert.ok(decl.description && decl.description.length > 20, key);
            for (const [key, decl] of Object.entries(project.config)) assert.ok("default" in decl, `${key} needs a default or the CLI requires it in every stack`);
            for (const stack of awsStacks) {
                const file = parseYaml(fs.readFileSync(path.join(repoRoot, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
                for (const key of Object.keys(file.config)) {
                    const [ns, name] = key.split(":");
                    assert.ok(ns === "aws" || (ns === project.name && (configKeys as readonly string[]).includes(name)), `${stack}: ${key}`);
                }
            }
        });
    });
});
