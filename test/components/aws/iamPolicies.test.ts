import { strict as assert } from "assert";
import {
    airflowPolicy,
    clusterAutoscalerPolicy,
    externalSecretsPolicy,
    historyServerPolicy,
    interruptionQueuePolicy,
    karpenterControllerPolicy,
    platformKeyPolicy,
    PolicyDocument,
    podIdentityTrustPolicy,
    serviceTrustPolicy,
    sparkJobsPolicy,
    Statement,
    teamSparkPolicy,
    tlsOnlyBucketPolicy,
} from "../../../components/aws/iamPolicies";
import { identityPolicies } from "../../../components/aws/workloadIdentity";

const warehouse = "arn:aws:s3:::spark-prod-warehouse";
const eventLogs = "arn:aws:s3:::spark-prod-event-logs";
const airflowLogs = "arn:aws:s3:::spark-prod-airflow-logs";
const key = "arn:aws:kms:eu-west-1:123456789012:key/abc";

const actions = (s: Statement) => [s.Action].flat();
const resources = (s: Statement) => [s.Resource].flat();

/** Every (action, resource) pair the document allows. */
function grants(doc: PolicyDocument): string[] {
    return doc.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => actions(s).flatMap((a) => resources(s).map((r) => `${a} ${r}`)));
}

describe("IAM policy documents", () => {
    it("denies any request to a bucket that is not over TLS, for the bucket and its objects", () => {
        const p = tlsOnlyBucketPolicy(warehouse);
        assert.equal(p.Statement.length, 1);
        const s = p.Statement[0];
        assert.equal(s.Effect, "Deny");
        assert.equal(s.Principal, "*");
        assert.deepEqual(resources(s), [warehouse, `${warehouse}/*`]);
        assert.deepEqual(s.Condition, { Bool: { "aws:SecureTransport": "false" } });
    });

    it("lets Spark jobs read and write the warehouse and write event logs only under their prefix", () => {
        const p = sparkJobsPolicy({ warehouseBucketArn: warehouse, eventLogBucketArn: eventLogs, eventLogPrefix: "spark-events/", kmsKeyArn: key });
        const g = grants(p);
        assert.ok(g.includes(`s3:PutObject ${warehouse}/*`));
        assert.ok(g.includes(`s3:GetObject ${warehouse}/*`));
        assert.ok(g.includes(`s3:PutObject ${eventLogs}/spark-events/*`));
        assert.ok(!g.some((x) => x.endsWith(`${eventLogs}/*`)), "event-log access is limited to the prefix");
        assert.ok(!g.some((x) => x.includes(airflowLogs)));
        const listEvents = p.Statement.find((s) => s.Sid === "ListEventLogs");
        // S3A's getFileStatus first sends HEAD `spark-events`; S3 answers a missing key with 404 only
        // when ListBucket is allowed for s3:prefix equal to that key, else 403 (AccessDenied in S3A).
        assert.deepEqual(listEvents?.Condition, { StringLike: { "s3:prefix": ["spark-events", "spark-events/", "spark-events/*"] } });
        assert.ok(g.includes(`s3:GetObject ${eventLogs}/spark-events`), "HEAD of the folder key without the slash");
        assert.ok(g.includes(`kms:GenerateDataKey ${key}`));
        assert.ok(!g.some((x) => x.startsWith("glue:")), "no Glue without the glue catalog");
    });

    it("confines a team's Spark jobs to their warehouse folder and the event logs, without Glue", () => {
        const p = teamSparkPolicy({ warehouseBucketArn: warehouse, warehousePrefix: "warehouse/etl/", eventLogBucketArn: eventLogs, eventLogPrefix: "spark-events/", kmsKeyArn: key });
        const g = grants(p);
        for (const a of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) {
            assert.ok(g.includes(`${a} ${warehouse}/warehouse/etl/*`), a);
            assert.ok(g.includes(`${a} ${eventLogs}/spark-events/*`), a);
        }
        assert.ok(!g.some((x) => x.endsWith(`${warehouse}/*`) || x.endsWith(`${warehouse}/warehouse/*`)), "no access beyond the team folder");
        assert.deepEqual(p.Statement.find((s) => s.Sid === "ListTeamWarehouse")?.Condition, { StringLike: { "s3:prefix": ["warehouse/etl", "warehouse/etl/", "warehouse/etl/*"] } });
        assert.ok(g.includes(`kms:Decrypt ${key}`) && g.includes(`kms:GenerateDataKey ${key}`));
        assert.ok(!g.some((x) => x.startsWith("glue:")));
    });

    it("lets Spark jobs use the account's Glue catalog in the stack's region when Iceberg's catalog is Glue", () => {
        const glueCatalog = { partition: "aws", region: "eu-west-1", accountId: "123456789012" };
        const p = sparkJobsPolicy({ warehouseBucketArn: warehouse, eventLogBucketArn: eventLogs, eventLogPrefix: "spark-events/", kmsKeyArn: key, glueCatalog });
        const glue = p.Statement.filter((s) => actions(s).some((a) => a.startsWith("glue:")));
        assert.equal(glue.length, 1);
        for (const a of ["glue:GetDatabase", "glue:GetTable", "glue:CreateTable", "glue:UpdateTable", "glue:DeleteTable", "glue:CreateDatabase"]) assert.ok(actions(glue[0]).includes(a), a);
        assert.deepEqual(resources(glue[0]), [
            "arn:aws:glue:eu-west-1:123456789012:catalog",
            "arn:aws:glue:eu-west-1:123456789012:database/*",
            "arn:aws:glue:eu-west-1:123456789012:table/*/*",
        ]);
    });

    it("lets the History Server only read event logs", () => {
        const g = grants(historyServerPolicy({ eventLogBucketArn: eventLogs, eventLogPrefix: "spark-events/", kmsKeyArn: key }));
        assert.ok(g.includes(`s3:GetObject ${eventLogs}/spark-events/*`));
        assert.ok(g.includes(`s3:GetObject ${eventLogs}/spark-events`), "HEAD of the folder key without the slash");
        assert.ok(!g.some((x) => /s3:(PutObject|DeleteObject)/.test(x)), g.join("\n"));
        assert.ok(!g.some((x) => /kms:(Encrypt|GenerateDataKey)/.test(x)));
    });

    it("confines Airflow to its log bucket", () => {
        const g = grants(airflowPolicy({ logBucketArn: airflowLogs, kmsKeyArn: key }));
        const s3 = g.filter((x) => x.startsWith("s3:"));
        assert.ok(s3.length > 0);
        assert.ok(s3.every((x) => x.endsWith(airflowLogs) || x.endsWith(`${airflowLogs}/*`)), s3.join("\n"));
    });

    it("grants no workload identity a wildcard action, nor a wildcard resource except for reads and tag-scoped writes", () => {
        const docs = identityPolicies({
            warehouseBucketArn: warehouse,
            eventLogBucketArn: eventLogs,
            airflowLogBucketArn: airflowLogs,
            backupBucketArn: "arn:aws:s3:::spark-prod-backups-x",
            kmsKeyArn: key,
            secretArns: ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:spark-prod/database-admin-AbCdEf"],
            clusterName: "spark-prod",
            karpenter: {
                partition: "aws",
                region: "eu-west-1",
                accountId: "123456789012",
                interruptionQueueArn: "arn:aws:sqs:eu-west-1:123456789012:spark-prod-karpenter",
                nodeRoleArn: "arn:aws:iam::123456789012:role/spark-prod-karpenter-node",
            },
        });
        assert.ok(docs.karpenter, "the Karpenter controller's policy exists when its inputs are given");
        for (const [name, doc] of Object.entries(docs)) {
            for (const s of doc.Statement) {
                assert.ok(!actions(s).some((a) => a === "*" || a.endsWith(":*")), `${name}: ${actions(s).join(",")}`);
                if (!resources(s).includes("*")) continue;
                // Describe calls take no resource; writes on "*" must be narrowed by a tag condition.
                const readOnly = actions(s).every((a) => /:(Describe|Get|List)[A-Za-z]+$/.test(a));
                assert.ok(readOnly || s.Condition?.StringEquals, `${name}: ${s.Sid} grants writes on every resource`);
            }
        }
    });

    describe("External Secrets", () => {
        const secrets = [
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:spark-prod/metastore-db-Zz9Yx8",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:spark-prod/database-admin-AbCdEf",
        ];
        const p = externalSecretsPolicy({ secretArns: secrets, kmsKeyArn: key });

        it("reads exactly the platform's secrets, and only reads", () => {
            assert.deepEqual(grants(p).filter((g) => g.startsWith("secretsmanager:")).sort(), [
                ...secrets.map((s) => `secretsmanager:DescribeSecret ${s}`),
                ...secrets.map((s) => `secretsmanager:GetSecretValue ${s}`),
            ].sort());
        });

        it("decrypts with the platform key only through Secrets Manager", () => {
            const kms = p.Statement.filter((s) => actions(s).some((a) => a.startsWith("kms:")));
            assert.deepEqual(kms.map((s) => [actions(s), resources(s), s.Condition]), [[["kms:Decrypt"], [key], { StringLike: { "kms:ViaService": "secretsmanager.*.amazonaws.com" } }]]);
        });

        it("refuses a wildcard or a missing secret", () => {
            assert.throws(() => externalSecretsPolicy({ secretArns: ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:spark-prod/*"], kmsKeyArn: key }), /not the ARN of one secret/);
            assert.throws(() => externalSecretsPolicy({ secretArns: [], kmsKeyArn: key }), /no secret/);
        });
    });

    describe("Karpenter", () => {
        const args = {
            partition: "aws",
            region: "eu-west-1",
            accountId: "123456789012",
            clusterName: "spark-prod",
            interruptionQueueArn: "arn:aws:sqs:eu-west-1:123456789012:spark-prod-karpenter",
            nodeRoleArn: "arn:aws:iam::123456789012:role/spark-prod-karpenter-node",
            kmsKeyArn: key,
        };
        const p = karpenterControllerPolicy(args);
        const bySid = (sid: string) => p.Statement.find((s) => s.Sid === sid)!;

        it("launches, tags and deletes only what carries its cluster's ownership tag, in its region", () => {
            const writes = p.Statement.filter((s) => actions(s).some((a) => /^ec2:(RunInstances|CreateFleet|CreateLaunchTemplate|CreateTags|TerminateInstances|DeleteLaunchTemplate)$/.test(a)));
            assert.ok(writes.length >= 6);
            for (const s of writes) {
                assert.ok(resources(s).every((r) => r.startsWith("arn:aws:ec2:eu-west-1:")), `${s.Sid}: ${resources(s).join(", ")}`);
            }
            // Only the statement naming images, snapshots, subnets and security groups as launch inputs is unconditioned.
            const unconditioned = writes.filter((s) => !s.Condition).map((s) => s.Sid);
            assert.deepEqual(unconditioned, ["AllowScopedEC2InstanceAccessActions"]);
            assert.ok(resources(bySid("AllowScopedEC2InstanceAccessActions")).every((r) => /:(image|snapshot|security-group|subnet|capacity-reservation|placement-group)\/\*$/.test(r)));
            assert.deepEqual(bySid("AllowScopedDeletion").Condition?.StringEquals, { "aws:ResourceTag/kubernetes.io/cluster/spark-prod": "owned" });
            assert.equal(bySid("AllowScopedEC2InstanceActionsWithTags").Condition?.StringEquals?.["aws:RequestTag/eks:eks-cluster-name"], "spark-prod");
            assert.deepEqual(bySid("AllowRegionalReadActions").Condition, { StringEquals: { "aws:RequestedRegion": "eu-west-1" } });
        });

        it("passes only the node role, to EC2, and reads only its own queue and cluster", () => {
            assert.deepEqual(grants({ ...p, Statement: p.Statement.filter((s) => actions(s).includes("iam:PassRole")) }), [`iam:PassRole ${args.nodeRoleArn}`]);
            assert.deepEqual(bySid("AllowPassingInstanceRole").Condition, { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] } });
            assert.deepEqual(resources(bySid("AllowInterruptionQueueActions")), [args.interruptionQueueArn]);
            assert.deepEqual(actions(bySid("AllowInterruptionQueueActions")), ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"]);
            assert.deepEqual(resources(bySid("AllowAPIServerEndpointDiscovery")), ["arn:aws:eks:eu-west-1:123456789012:cluster/spark-prod"]);
            assert.ok(!p.Statement.some((s) => actions(s).some((a) => a.startsWith("arc-zonal-shift:"))), "zonal shift is off, so is its permission");
        });

        it("uses the platform key only through EC2, for the volumes it launches", () => {
            const kms = p.Statement.filter((s) => actions(s).some((a) => a.startsWith("kms:")));
            assert.equal(kms.length, 2);
            for (const s of kms) {
                assert.deepEqual(resources(s), [key]);
                assert.equal(s.Condition?.StringEquals?.["kms:ViaService"], "ec2.eu-west-1.amazonaws.com");
            }
            assert.deepEqual(bySid("GrantForNodeVolumes").Condition?.Bool, { "kms:GrantIsForAWSResource": "true" });
        });

        it("lets only the interruption rules send to the queue, over TLS", () => {
            const rules = ["arn:aws:events:eu-west-1:123456789012:rule/a", "arn:aws:events:eu-west-1:123456789012:rule/b"];
            const q = interruptionQueuePolicy({ queueArn: args.interruptionQueueArn, ruleArns: rules });
            const allow = q.Statement.filter((s) => s.Effect === "Allow");
            assert.equal(allow.length, 1);
            assert.deepEqual(allow[0].Principal, { Service: "events.amazonaws.com" });
            assert.deepEqual(actions(allow[0]), ["sqs:SendMessage"]);
            assert.deepEqual(allow[0].Condition, { ArnEquals: { "aws:SourceArn": rules } });
            assert.deepEqual(q.Statement.find((s) => s.Effect === "Deny")?.Condition, { Bool: { "aws:SecureTransport": "false" } });
        });
    });

    it("lets the cluster autoscaler resize only the groups tagged as owned by its cluster", () => {
        const p = clusterAutoscalerPolicy({ clusterName: "spark-prod" });
        const scale = p.Statement.find((s) => actions(s).includes("autoscaling:SetDesiredCapacity"));
        assert.deepEqual(scale?.Condition, { StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/spark-prod": "owned" } });
        const unconditioned = p.Statement.filter((s) => !s.Condition).flatMap(actions);
        assert.ok(unconditioned.every((a) => /:(Describe|Get)/.test(a)), unconditioned.join(", "));
    });

    it("trusts only EKS Pod Identity for workload roles", () => {
        const t = podIdentityTrustPolicy();
        assert.deepEqual(t.Statement, [{ Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }]);
    });

    it("writes service trust policies without a Resource element, which IAM refuses in a trust policy", () => {
        for (const t of [serviceTrustPolicy("eks.amazonaws.com", true), serviceTrustPolicy("ec2.amazonaws.com")]) {
            for (const statement of t.Statement) assert.ok(!("Resource" in statement), JSON.stringify(statement));
        }
    });

    it("puts only s3:ListBucket under the s3:prefix condition: no other list action carries that key", () => {
        const p = sparkJobsPolicy({ warehouseBucketArn: warehouse, eventLogBucketArn: eventLogs, eventLogPrefix: "spark-events/", kmsKeyArn: key });
        for (const s of p.Statement.filter((x) => x.Condition?.StringLike?.["s3:prefix"])) assert.deepEqual(actions(s), ["s3:ListBucket"], s.Sid);
        assert.ok(grants(p).includes(`s3:ListBucketMultipartUploads ${eventLogs}`), "the magic committer lists pending uploads");
    });

    it("lets the Auto Scaling service-linked role use the platform key, so encrypted node volumes launch", () => {
        const p = platformKeyPolicy({ accountId: "123456789012", partition: "aws", region: "eu-west-1" });
        const asg = "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling";
        const use = p.Statement.filter((s) => s.Condition?.StringEquals?.["aws:PrincipalArn"] === asg);
        for (const s of use) assert.equal(s.Condition?.StringEquals?.["kms:CallerAccount"], "123456789012", "only this account's role");
        assert.ok(use.some((s) => actions(s).includes("kms:GenerateDataKey*")));
        assert.ok(use.some((s) => actions(s).includes("kms:CreateGrant") && s.Condition?.Bool?.["kms:GrantIsForAWSResource"] === "true"));
        assert.ok(!JSON.stringify(p.Statement.map((s) => s.Principal)).includes(asg), "the role, which may not exist yet, is never a principal");
    });

    it("lets CloudWatch Logs use the platform key only for this account's log groups", () => {
        const p = platformKeyPolicy({ accountId: "123456789012", partition: "aws", region: "eu-west-1" });
        const logs = p.Statement.find((s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: "logs.eu-west-1.amazonaws.com" }));
        assert.deepEqual(logs?.Condition, { ArnLike: { "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:*" } });
    });
});
