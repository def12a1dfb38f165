import { strict as assert } from "assert";
import { ConfigError, resolveConfig, secretConfigMarker, tierDefaults, tiers } from "../../../components/config";
import { scenarioCombinations } from "../../support";
import { ctx, problems } from "../../support/config";
import { exampleStoreSettings } from "../../support/secretStores";

describe("config validation", () => {
    describe("merging stack values over tier defaults", () => {
        it("keeps the defaults a stack does not mention", () => {
            const c = resolveConfig({ nodeGroups: { executor: { maxSize: 40 } } }, ctx);
            assert.equal(c.nodeGroups.executor.maxSize, 40);
            assert.deepEqual(c.nodeGroups.executor.instanceTypes, tierDefaults("prod").nodeGroups.executor.instanceTypes);
            assert.equal(c.nodeGroups.system.minSize, tierDefaults("prod").nodeGroups.system.minSize);
        });

        it("replaces lists instead of appending to them", () => {
            const c = resolveConfig({ nodeGroups: { executor: { instanceTypes: ["r6i.2xlarge", "r6a.2xlarge"] } } }, ctx);
            assert.deepEqual(c.nodeGroups.executor.instanceTypes, ["r6i.2xlarge", "r6a.2xlarge"]);
        });

        it("takes the tier from environment when the stack name is not a tier", () => {
            const c = resolveConfig({ environment: "dev", cluster: { publicAccessCidrs: ["198.51.100.0/24"] } }, { ...ctx, stack: "alice-sandbox" });
            assert.equal(c.tier, "dev");
            assert.equal(c.stack, "alice-sandbox");
            assert.equal(c.network.natGateways, "single");
        });
    });

    describe("rejects invalid configuration, naming the key, the value and what is allowed", () => {
        const cases: { name: string; raw: Record<string, unknown>; stack?: string; region?: string; expect: string }[] = [
            { name: "negative GPU max size", raw: { nodeGroups: { gpu: { maxSize: -1 } } }, expect: "nodeGroups.gpu.maxSize: -1 is not allowed; expected an integer from 0 to 100" },
            { name: "fractional size", raw: { nodeGroups: { driver: { desiredSize: 1.5 } } }, expect: "nodeGroups.driver.desiredSize: 1.5 is not allowed; expected an integer from 0 to 100" },
            { name: "min above max", raw: { nodeGroups: { driver: { minSize: 5, maxSize: 3, desiredSize: 3 } } }, expect: "nodeGroups.driver.minSize: 5 is not allowed; expected at most maxSize (3)" },
            { name: "desired outside min..max", raw: { nodeGroups: { system: { desiredSize: 9 } } }, expect: "nodeGroups.system.desiredSize: 9 is not allowed; expected from minSize (3) to maxSize (6)" },
            { name: "GPU group without a GPU type", raw: { nodeGroups: { gpu: { instanceTypes: ["m6i.xlarge"] } } }, expect: 'nodeGroups.gpu.instanceTypes[0]: "m6i.xlarge" is not allowed; expected a GPU instance type' },
            { name: "GPU type in the executor group", raw: { nodeGroups: { executor: { instanceTypes: ["g5.4xlarge", "m6i.4xlarge"] } } }, expect: 'nodeGroups.executor.instanceTypes[0]: "g5.4xlarge" is not allowed; expected a CPU instance type' },
            { name: "executor types of different shapes", raw: { nodeGroups: { executor: { instanceTypes: ["m6i.4xlarge", "r6i.4xlarge"] } } }, expect: 'nodeGroups.executor.instanceTypes[1]: "r6i.4xlarge" is not allowed; expected the same shape as m6i.4xlarge (16 vCPU, 64 GiB)' },
            { name: "a single executor type gives spot no room", raw: { nodeGroups: { executor: { instanceTypes: ["m6i.4xlarge"] } } }, expect: 'nodeGroups.executor.instanceTypes: ["m6i.4xlarge"] is not allowed; expected at least 2 instance types' },
            { name: "capacity type typo", raw: { nodeGroups: { system: { capacityType: "SPOT" } } }, expect: 'nodeGroups.system.capacityType: "SPOT" is not allowed; expected one of "on-demand", "spot"' },
            { name: "spot system group in prod", raw: { nodeGroups: { system: { capacityType: "spot", instanceTypes: ["m6i.xlarge", "m6a.xlarge"] } } }, expect: 'nodeGroups.system.capacityType: "spot" is not allowed; expected "on-demand" in prod' },
            { name: "spot driver group in prod", raw: { nodeGroups: { driver: { capacityType: "spot", instanceTypes: ["m6i.2xlarge", "m6a.2xlarge"] } } }, expect: 'nodeGroups.driver.capacityType: "spot" is not allowed; expected "on-demand" in prod' },
            { name: "a spot group with one instance type", stack: "staging", raw: { cluster: { publicAccessCidrs: ["198.51.100.0/24"] }, nodeGroups: { driver: { capacityType: "spot" } } }, expect: 'nodeGroups.driver.instanceTypes: ["m6i.xlarge"] is not allowed; expected at least 2 instance types of the same shape, so spot capacity can be found' },
            { name: "a spot group of mixed shapes", stack: "dev", raw: { cluster: { publicAccessCidrs: ["198.51.100.0/24"] }, nodeGroups: { system: { instanceTypes: ["m6i.large", "m6i.xlarge"] } } }, expect: 'nodeGroups.system.instanceTypes[1]: "m6i.xlarge" is not allowed; expected the same shape as m6i.large (2 vCPU, 8 GiB); spot capacity is diversified across one shape' },
            { name: "standalone workers larger than an executor node", stack: "staging", raw: { cluster: { publicAccessCidrs: ["198.51.100.0/24"] }, spark: { scenarios: ["jupyter-connect-standalone"], standalone: { workerCores: 8, workerMemoryMiB: 32768 } } }, expect: 'spark.standalone: {"workers":2,"workerCores":8,"workerMemoryMiB":32768} is not allowed; expected pods that fit one executor node: spark-worker-3.5 requests 8000m CPU and 33792 MiB, and m6i.2xlarge leaves 7560m and 28717 MiB for pods' },
            { name: "a Connect server larger than a driver node", raw: { spark: { connect: { driverCores: 8 } } }, expect: 'spark.connect: {"driverCores":8,"driverMemoryMiB":16384} is not allowed; expected pods that fit one driver node: spark-connect-3.5 (k8s) requests 8000m CPU and 16384 MiB, and m6i.2xlarge leaves 7560m' },
            { name: "a negative price", raw: { cost: { prices: { natGatewayHourly: -1 } } }, expect: "cost.prices.natGatewayHourly: -1 is not allowed; expected a price in US dollars per hour, at least 0" },
            { name: "a price for a malformed instance type", raw: { cost: { prices: { ec2InstanceHourly: { "m6i-xlarge": 0.2 } } } }, expect: "cost.prices.ec2InstanceHourly" },
            { name: "a spot share above on-demand", raw: { cost: { prices: { spotShareOfOnDemand: 1.5 } } }, expect: "cost.prices.spotShareOfOnDemand: 1.5 is not allowed; expected a share of the on-demand price above 0 and at most 1" },
            { name: "an unknown price key", raw: { cost: { prices: { natHourly: 0.05 } } }, expect: "cost.prices.natHourly: unknown key; expected one of: region, recordedOn, source, hoursPerMonth, ec2FamilyVcpuHourly" },
            { name: "cost on the local tier", stack: "local", region: "", raw: { cost: { prices: { natGatewayHourly: 0.05 } } }, expect: 'cost: {"prices":{"natGatewayHourly":0.05}} is not allowed; expected no value on the local tier' },
            { name: "unknown instance type", raw: { nodeGroups: { driver: { instanceTypes: ["z9.huge"] } } }, expect: 'nodeGroups.driver.instanceTypes[0]: "z9.huge" is not allowed; expected a catalogued instance type' },
            { name: "disabled system group", raw: { nodeGroups: { system: { enabled: false } } }, expect: "nodeGroups.system.enabled: false is not allowed; expected true" },
            { name: "prod without deletion protection", raw: { platform: { deletionProtection: false } }, expect: "platform.deletionProtection: false is not allowed; expected true in prod" },
            { name: "prod with forceDestroy", raw: { storage: { forceDestroy: true } }, expect: "storage.forceDestroy: true is not allowed; expected false in prod" },
            { name: "forceDestroy under deletion protection", stack: "staging", raw: { cluster: { publicAccessCidrs: ["198.51.100.0/24"] }, storage: { forceDestroy: true } }, expect: "storage.forceDestroy: true is not allowed; expected false while platform.deletionProtection is true" },
            { name: "log retention CloudWatch does not offer", raw: { cluster: { logRetentionDays: 10 } }, expect: "cluster.logRetentionDays: 10 is not allowed; expected one of 1, 3, 5, 7, 14, 30" },
            { name: "prod with a public endpoint", raw: { cluster: { endpointPublicAccess: true, publicAccessCidrs: ["198.51.100.0/24"] } }, expect: "cluster.endpointPublicAccess: true is not allowed; expected false in prod" },
            { name: "prod with a single NAT", raw: { network: { natGateways: "single" } }, expect: 'network.natGateways: "single" is not allowed; expected "perAz" in prod' },
            { name: "staging on two AZs", stack: "staging", raw: { network: { availabilityZoneCount: 2 } }, expect: "network.availabilityZoneCount: 2 is not allowed; expected 3 in staging" },
            { name: "public endpoint open to the internet", stack: "dev", raw: { cluster: { publicAccessCidrs: ["0.0.0.0/0"] } }, expect: 'cluster.publicAccessCidrs[0]: "0.0.0.0/0" is not allowed; expected a CIDR of /8 or narrower' },
            { name: "public endpoint without CIDRs", stack: "dev", raw: {}, expect: "cluster.publicAccessCidrs: [] is not allowed; expected at least one CIDR when endpointPublicAccess is true" },
            { name: "malformed VPC CIDR", raw: { network: { vpcCidr: "10.0.0.1/16" } }, expect: 'network.vpcCidr: "10.0.0.1/16" is not allowed; expected an IPv4 CIDR such as 10.0.0.0/16, with no host bits set' },
            { name: "VPC too small", raw: { network: { vpcCidr: "10.0.0.0/24" } }, expect: 'network.vpcCidr: "10.0.0.0/24" is not allowed; expected a prefix from /16 to /20' },
            { name: "enum typo", raw: { network: { natGateways: "per-az" } }, expect: 'network.natGateways: "per-az" is not allowed; expected one of "single", "perAz"' },
            { name: "a Kubernetes version without an add-on table", raw: { cluster: { kubernetesVersion: "1.32" } }, expect: 'cluster.kubernetesVersion: "1.32" is not allowed; expected one of "1.33", "1.34", "1.35", "1.36"' },
            { name: "add-on versions are no longer set by hand", raw: { cluster: { addons: { kubeProxy: "v1.36.0-eksbuild.14" } } }, expect: "cluster.addons: unknown key" },
            { name: "audit log switched off", raw: { cluster: { logTypes: ["api", "authenticator"] } }, expect: 'cluster.logTypes: ["api","authenticator"] is not allowed; expected a list that includes "audit"' },
            { name: "admin that is not a role ARN", raw: { cluster: { adminRoleArns: ["arn:aws:iam::123:user/bob"] } }, expect: 'cluster.adminRoleArns[0]: "arn:aws:iam::123:user/bob" is not allowed; expected an IAM role ARN' },
            { name: "recovery window AWS does not accept", raw: { secrets: { recoveryWindowInDays: 3 } }, expect: "secrets.recoveryWindowInDays: 3 is not allowed; expected 0 or an integer from 7 to 30" },
            { name: "existing VPC without ids", raw: { network: { mode: "existing" } }, expect: 'network.existing.vpcId: "" is not allowed; expected a VPC id when mode is existing' },
            { name: "AZ of another region", raw: { network: { availabilityZones: ["us-east-1a", "us-east-1b", "us-east-1c"] } }, expect: 'network.availabilityZones[0]: "us-east-1a" is not allowed; expected a zone of eu-west-1' },
            { name: "wrong type for a whole area", raw: { storage: "big" }, expect: 'storage: "big" is not allowed; expected an object with keys forceDestroy' },
            { name: "string where a boolean belongs", raw: { nodeGroups: { gpu: { enabled: "yes" } } }, expect: 'nodeGroups.gpu.enabled: "yes" is not allowed; expected true or false' },
            { name: "unknown nested key, with a suggestion", raw: { network: { vpcCIDR: "10.1.0.0/16" } }, expect: "network.vpcCIDR: unknown key (did you mean vpcCidr?); expected one of: mode, vpcCidr," },
            { name: "unknown top-level key", raw: { netwrok: {} }, expect: "netwrok: unknown key (did you mean network?); expected one of: environment, platform, network," },
            { name: "AWS areas on the local tier", stack: "local", region: "", raw: { nodeGroups: { gpu: { maxSize: 2 } } }, expect: 'nodeGroups: {"gpu":{"maxSize":2}} is not allowed; expected no value on the local tier' },
            { name: "local settings on an AWS tier", raw: { local: { kubeContext: "kind-spark" } }, expect: 'local: {"kubeContext":"kind-spark"} is not allowed; expected no value outside the local tier' },
            { name: "unknown scenario", raw: { spark: { scenarios: ["jupyter"] } }, expect: 'spark.scenarios[0]: "jupyter" is not allowed; expected one of "jupyter-connect-k8s", "jupyter-connect-standalone"' },
            { name: "the replaced single scenario key", raw: { spark: { scenario: "airflow-operator" } }, expect: 'spark.scenario: replaced by spark.scenarios, a list of scenario names' },
            { name: "no scenario at all", raw: { spark: { scenarios: [] } }, expect: "spark.scenarios: [] is not allowed; expected 1 to 6 scenarios" },
            { name: "a scenario listed twice", raw: { spark: { scenarios: ["airflow-operator", "jupyter-connect-k8s", "airflow-operator"] } }, expect: 'spark.scenarios: ["airflow-operator","jupyter-connect-k8s","airflow-operator"] is not allowed; expected each scenario once' },
            { name: "one scenario where a list belongs", raw: { spark: { scenarios: "airflow-operator" } }, expect: 'spark.scenarios: "airflow-operator" is not allowed; expected a list of scenarios' },
            { name: "unknown preset", raw: { spark: { presets: ["gpus"] } }, expect: 'spark.presets[0]: "gpus" is not allowed; expected one of "gpu", "iceberg", "cost-optimized"' },
            { name: "Spark version that is not offered", raw: { spark: { versions: ["3.4"] } }, expect: 'spark.versions[0]: "3.4" is not allowed; expected one of "3.5", "4.1", "4.3"' },
            { name: "the dropped Spark 4.0 line", raw: { spark: { versions: ["3.5", "4.0"] } }, expect: 'spark.versions[1]: "4.0" is not allowed; expected one of "3.5", "4.1", "4.3"' },
            { name: "an image key of the dropped 4.0 line", raw: { spark: { images: { spark40: "registry/spark-runtime:4.0.4-p1" } } }, expect: "spark.images.spark40: unknown key (did you mean spark35 or spark41 or spark43?); expected one of: spark35, spark41, spark43, sparkRapids, hiveMetastore, jupyter35, jupyter41, jupyter43, airflow" },
            {
                name: "the iceberg preset on a line Iceberg ships no runtime for",
                raw: { spark: { presets: ["iceberg"], versions: ["3.5", "4.3"] } },
                expect: 'spark.versions: ["3.5","4.3"] is not allowed; expected only Spark lines Apache Iceberg ships a runtime for ("3.5", "4.1") while spark.presets has "iceberg"; there is no iceberg-spark-runtime for 4.3',
            },
            { name: "an image tagged latest", raw: { spark: { images: { spark35: "apache/spark:latest" } } }, expect: 'spark.images.spark35: "apache/spark:latest" is not allowed; expected an image reference pinned by tag or digest' },
            { name: "an image without a tag", raw: { spark: { images: { airflow: "registry:5000/airflow" } } }, expect: 'spark.images.airflow: "registry:5000/airflow" is not allowed; expected an image reference pinned' },
            { name: "more minimum than maximum executors", raw: { spark: { dynamicAllocation: { minExecutors: 20, maxExecutors: 10 } } }, expect: "spark.dynamicAllocation.minExecutors: 20 is not allowed; expected at most maxExecutors (10)" },
            { name: "REST catalog without a URI", raw: { spark: { iceberg: { catalogType: "rest" } } }, expect: 'spark.iceberg.restUri: "" is not allowed; expected the REST catalog URL when catalogType is rest' },
            { name: "Glue catalog on the local tier", stack: "local", region: "", raw: { spark: { iceberg: { catalogType: "glue" } } }, expect: 'spark.iceberg.catalogType: "glue" is not allowed; expected "hive" or "rest" on the local tier' },
            { name: "job namespaces without spark-jobs", raw: { spark: { jobNamespaces: ["etl"] } }, expect: 'spark.jobNamespaces: ["etl"] is not allowed; expected a list that includes "spark-jobs"' },
            { name: "gpu preset without a GPU group", raw: { spark: { presets: ["gpu"] }, nodeGroups: { gpu: { enabled: false } } }, expect: 'spark.presets: ["gpu"] is not allowed; expected no gpu preset while nodeGroups.gpu.enabled is false' },
            { name: "single-AZ metastore database in prod", raw: { services: { metastore: { database: { multiAz: false } } } }, expect: "services.metastore.database.multiAz: false is not allowed; expected true in prod" },
            { name: "git-sync from a non-git URL", raw: { services: { airflow: { gitSync: { repo: "ftp://example.com/dags" } } } }, expect: 'services.airflow.gitSync.repo: "ftp://example.com/dags" is not allowed' },
            { name: "an authenticator the hub does not offer", raw: { services: { jupyterhub: { authenticator: "dummy" } } }, expect: 'services.jupyterhub.authenticator: "dummy" is not allowed; expected one of "native", "github"' },
            { name: "a hub without admins", raw: { services: { jupyterhub: { adminUsers: [] } } }, expect: "services.jupyterhub.adminUsers: [] is not allowed; expected at least one admin user, who approves sign-ups" },
            { name: "an admin named twice", raw: { services: { jupyterhub: { adminUsers: ["alice", "alice"] } } }, expect: 'services.jupyterhub.adminUsers: ["alice","alice"] is not allowed; expected each user once' },
            { name: "an admin name JupyterHub would lower-case", raw: { services: { jupyterhub: { adminUsers: ["Alice"] } } }, expect: 'services.jupyterhub.adminUsers[0]: "Alice" is not allowed; expected a JupyterHub user name' },
            { name: "GitHub sign-in without a client id", raw: { services: { jupyterhub: { authenticator: "github", github: { callbackUrl: "https://hub.example.com/hub/oauth_callback", clientSecret: "FAKE-SECRET-0123" } } } }, expect: 'services.jupyterhub.github.clientId: "" is not allowed; expected the GitHub OAuth app client id when authenticator is "github"' },
            { name: "GitHub sign-in without a callback URL", raw: { services: { jupyterhub: { authenticator: "github", github: { clientId: "Ov23liFAKECLIENTID", clientSecret: "FAKE-SECRET-0123" } } } }, expect: 'services.jupyterhub.github.callbackUrl: "" is not allowed; expected the callback URL registered with the OAuth app' },
            { name: "GitHub sign-in without a client secret", raw: { services: { jupyterhub: { authenticator: "github", github: { clientId: "Ov23liFAKECLIENTID", callbackUrl: "https://hub.example.com/hub/oauth_callback" } } } }, expect: 'services.jupyterhub.github.clientSecret: "" is not allowed; expected the OAuth app client secret when authenticator is "github"; set it with: pulumi config set --secret --path services.jupyterhub.github.clientSecret' },
            { name: "a plain-http callback URL", raw: { services: { jupyterhub: { github: { callbackUrl: "http://hub.example.com/hub/oauth_callback" } } } }, expect: 'services.jupyterhub.github.callbackUrl: "http://hub.example.com/hub/oauth_callback" is not allowed; expected an https URL ending in /hub/oauth_callback' },
            { name: "a GitHub organization name GitHub cannot have", raw: { services: { jupyterhub: { github: { organization: "-example" } } } }, expect: 'services.jupyterhub.github.organization: "-example" is not allowed; expected a GitHub organization name' },
            { name: "GitHub settings while signing in natively", raw: { services: { jupyterhub: { github: { clientId: "Ov23liFAKECLIENTID" } } } }, expect: 'services.jupyterhub.github.clientId: "Ov23liFAKECLIENTID" is not allowed; expected "" unless authenticator is "github"' },
            { name: "a stack name AWS names cannot hold", stack: "Dev_Alice", raw: { environment: "dev", cluster: { publicAccessCidrs: ["198.51.100.0/24"] } }, expect: 'stack: "Dev_Alice" is not allowed; expected a stack name of 1 to 20 lower-case letters' },
            {
                name: "Airflow's Connect DAGs without the line of the Airflow image's client",
                raw: { spark: { versions: ["4.1"], scenarios: ["airflow-connect-k8s"] } },
                expect: 'spark.versions: ["4.1"] is not allowed; expected "3.5" among the versions while spark.scenarios lists "airflow-connect-k8s": the Airflow image\'s Spark Connect client is for Spark 3.5 only',
            },
            { name: "gpu preset with a standalone-backend scenario listed", raw: { spark: { scenarios: ["jupyter-connect-k8s", "airflow-connect-standalone"], presets: ["gpu"] } }, expect: 'spark.presets: ["gpu"] is not allowed; expected no gpu preset while spark.scenarios lists "airflow-connect-standalone" (GPU executors need the k8s backend)' },
            { name: "a job namespace the platform owns", raw: { spark: { jobNamespaces: ["spark-jobs", "airflow"] } }, expect: 'spark.jobNamespaces[1]: "airflow" is not allowed; expected a namespace of its own' },
            { name: "a team that is no job namespace", raw: { spark: { teams: { etl: { quota: { pods: 10 } } } } }, expect: "spark.teams.etl: unknown key; expected one of the job namespaces (spark.jobNamespaces): spark-jobs" },
            { name: "a quota key Kubernetes quotas are not built from", raw: { spark: { teams: { "spark-jobs": { quota: { cpu: 10 } } } } }, expect: "spark.teams.spark-jobs.quota.cpu: unknown key (did you mean gpus?); expected one of: requestsCpu, requestsMemoryGiB, limitsMemoryGiB, gpus, pods, persistentVolumeClaims" },
            { name: "a fractional CPU quota", raw: { spark: { teamDefaults: { quota: { requestsCpu: 1.5 } } } }, expect: "spark.teamDefaults.quota.requestsCpu: 1.5 is not allowed; expected an integer from 1 to 100000" },
            { name: "a team group Kubernetes reserves", raw: { spark: { teams: { "spark-jobs": { group: "system:masters" } } } }, expect: 'spark.teams.spark-jobs.group: "system:masters" is not allowed; expected a Kubernetes group name' },
            { name: "a team group with upper case", raw: { spark: { teams: { "spark-jobs": { group: "DataEng" } } } }, expect: 'spark.teams.spark-jobs.group: "DataEng" is not allowed; expected a Kubernetes group name' },
            { name: "a team IAM user instead of a role", raw: { spark: { teams: { "spark-jobs": { iamRoleArn: "arn:aws:iam::123456789012:user/bob" } } } }, expect: 'spark.teams.spark-jobs.iamRoleArn: "arn:aws:iam::123456789012:user/bob" is not allowed; expected an IAM role ARN' },
            { name: "a team IAM role of another partition", region: "cn-north-1", raw: { spark: { teams: { "spark-jobs": { iamRoleArn: "arn:aws:iam::123456789012:role/data-eng" } } } }, expect: 'spark.teams.spark-jobs.iamRoleArn: "arn:aws:iam::123456789012:role/data-eng" is not allowed; expected a role of partition "aws-cn", the partition of cn-north-1' },
            {
                name: "one IAM role for two teams",
                raw: { spark: { jobNamespaces: ["spark-jobs", "etl"], teams: { "spark-jobs": { iamRoleArn: "arn:aws:iam::123456789012:role/data-eng" }, etl: { iamRoleArn: "arn:aws:iam::123456789012:role/data-eng" } } } },
                expect: 'spark.teams.etl.iamRoleArn: "arn:aws:iam::123456789012:role/data-eng" is not allowed; expected a role of its own; spark.teams.spark-jobs.iamRoleArn names it already',
            },
            {
                name: "a team IAM role that is a cluster admin",
                raw: { cluster: { adminRoleArns: ["arn:aws:iam::123456789012:role/admin"] }, spark: { teams: { "spark-jobs": { iamRoleArn: "arn:aws:iam::123456789012:role/admin" } } } },
                expect: 'spark.teams.spark-jobs.iamRoleArn: "arn:aws:iam::123456789012:role/admin" is not allowed; expected a role other than cluster.adminRoleArns',
            },
            { name: "a team IAM role on the local tier", stack: "local", region: "", raw: { spark: { teams: { "spark-jobs": { iamRoleArn: "arn:aws:iam::123456789012:role/data-eng" } } } }, expect: 'spark.teams.spark-jobs.iamRoleArn: "arn:aws:iam::123456789012:role/data-eng" is not allowed; expected no IAM role on the local tier' },
            { name: "memory limits below memory requests", raw: { spark: { teams: { "spark-jobs": { quota: { limitsMemoryGiB: 100 } } } } }, expect: "spark.teams.spark-jobs.quota.limitsMemoryGiB: 100 is not allowed; expected at least requestsMemoryGiB (2048) for spark-jobs" },
            {
                name: "a spark-jobs quota too small for the Connect servers",
                raw: { spark: { teamDefaults: { quota: { requestsCpu: 4 } } } },
                expect: "spark.teamDefaults.quota.requestsCpu: 4 is not allowed; expected room in spark-jobs for the pods the platform keeps there (spark-connect-3.5 (k8s), spark-connect-4.1 (k8s)): 8 cores requested, quota 4",
            },
            { name: "a team default container request below 10m", raw: { spark: { teamDefaults: { limits: { defaultCpuMillis: 1 } } } }, expect: "spark.teamDefaults.limits.defaultCpuMillis: 1 is not allowed; expected an integer from 10 to 64000" },
            { name: "an Iceberg catalog name Spark cannot use", raw: { spark: { iceberg: { catalogName: "my-lake" } } }, expect: 'spark.iceberg.catalogName: "my-lake" is not allowed; expected an identifier' },
            { name: "max below min", raw: { nodeGroups: { gpu: { maxSize: 0, enabled: true } } }, expect: "nodeGroups.gpu.maxSize: 0 is not allowed; expected at least 1 for an enabled node group" },
            { name: "unknown environment", raw: { environment: "qa" }, expect: 'environment: "qa" is not allowed; expected one of "local", "dev", "staging", "prod"' },
            { name: "stack name that is no tier, without environment", stack: "sandbox", raw: {}, expect: 'environment: "" is not allowed; expected one of "local", "dev", "staging", "prod"; stack "sandbox" is not a tier name' },
            { name: "no AWS region", region: "", raw: {}, expect: "aws:region: (unset) is not allowed; expected the AWS region of the stack" },
            { name: "an unknown node provisioner", raw: { cluster: { nodeProvisioner: "fargate" } }, expect: 'cluster.nodeProvisioner: "fargate" is not allowed; expected one of "cluster-autoscaler", "karpenter"' },
            {
                name: "a minimum executor count with Karpenter",
                raw: { cluster: { nodeProvisioner: "karpenter" }, nodeGroups: { executor: { minSize: 2, desiredSize: 2 } } },
                expect: 'nodeGroups.executor.minSize: 2 is not allowed; expected 0 while cluster.nodeProvisioner is "karpenter"',
            },
            {
                name: "a desired GPU node with Karpenter",
                raw: { cluster: { nodeProvisioner: "karpenter" }, nodeGroups: { gpu: { desiredSize: 1 } } },
                expect: 'nodeGroups.gpu.desiredSize: 1 is not allowed; expected 0 while cluster.nodeProvisioner is "karpenter"',
            },
            { name: "bad platform name", raw: { platform: { name: "Spark_Prod" } }, expect: 'platform.name: "Spark_Prod" is not allowed; expected 2 to 12 lower-case letters' },
        ];

        for (const c of cases) {
            it(`rejects ${c.name}`, () => {
                const found = problems(c.raw, { stack: c.stack ?? "prod", region: c.region ?? "eu-west-1" });
                assert.ok(
                    found.some((m) => m.startsWith(c.expect)),
                    `expected a problem starting with\n  ${c.expect}\ngot\n  ${found.join("\n  ")}`,
                );
            });
        }

        it("accepts every one of the 63 combinations of scenarios, on the local tier and on prod", () => {
            const combinations = scenarioCombinations();
            assert.equal(combinations.length, 63);
            for (const list of combinations) {
                assert.deepEqual(problems({ spark: { scenarios: list } }, { stack: "local", region: "" }), [], `local [${list.join(", ")}]`);
                assert.deepEqual(problems({ spark: { scenarios: list, presets: ["iceberg", "cost-optimized"] } }), [], `prod [${list.join(", ")}]`);
            }
        });

        it("lists every scenario problem at once: a duplicate and a preset a listed scenario cannot use", () => {
            const found = problems({ spark: { scenarios: ["jupyter-connect-standalone", "jupyter-connect-standalone"], presets: ["gpu"] } });
            assert.ok(found.some((m) => m.startsWith("spark.scenarios: ") && m.endsWith("expected each scenario once")), found.join("\n"));
            assert.ok(found.some((m) => m.startsWith('spark.presets: ["gpu"]') && m.includes('"jupyter-connect-standalone"')), found.join("\n"));
        });

        it("has at least 15 distinct invalid configurations", () => {
            assert.ok(cases.length >= 15);
            assert.equal(new Set(cases.map((c) => c.expect.split(":")[0])).size >= 15, true);
        });
    });

    describe("JupyterHub sign-in", () => {
        const fakeSecret = "FAKE-GITHUB-CLIENT-SECRET-0123";
        const githubHub = (github: Record<string, unknown> = {}, rest: Record<string, unknown> = {}) => ({
            services: {
                jupyterhub: {
                    authenticator: "github",
                    adminUsers: ["octo-admin"],
                    github: { clientId: "Ov23liFAKECLIENTID", organization: "example-org", callbackUrl: "https://hub.example.com/hub/oauth_callback", clientSecret: fakeSecret, ...github },
                    ...rest,
                },
            },
        });

        it("every tier signs in with NativeAuthenticator and one admin, and no GitHub app", () => {
            for (const tier of tiers) {
                const hub = tierDefaults(tier).services.jupyterhub;
                assert.equal(hub.authenticator, "native", tier);
                assert.deepEqual(hub.adminUsers, ["admin"], tier);
                assert.deepEqual(hub.github, { clientId: "", organization: "", callbackUrl: "", clientSecret: "" }, tier);
            }
        });

        it("accepts a complete GitHub app, holding only a marker for the client secret", () => {
            const c = resolveConfig(githubHub(), ctx);
            assert.equal(c.services.jupyterhub.authenticator, "github");
            assert.equal(c.services.jupyterhub.github.clientId, "Ov23liFAKECLIENTID");
            assert.equal(c.services.jupyterhub.github.clientSecret, secretConfigMarker);
            assert.ok(!JSON.stringify(c).includes(fakeSecret), "the validated config never holds the secret");
            const local = resolveConfig(githubHub({ callbackUrl: "http://localhost:8000/hub/oauth_callback", organization: "" }), { stack: "local", project: "spark-k8s", region: "" });
            assert.equal(local.services.jupyterhub.github.callbackUrl, "http://localhost:8000/hub/oauth_callback");
        });

        it("never shows the client secret in a message", () => {
            const cases = [
                { raw: githubHub({}, { authenticator: "native" }), key: "services.jupyterhub.github.clientSecret" },
                { raw: githubHub({ clientSecret: 12345678 }), key: "services.jupyterhub.github.clientSecret" },
                { raw: githubHub({ clientSecret: fakeSecret, extra: 1 }, { adminUsers: [] }), key: "services.jupyterhub.adminUsers" },
            ];
            for (const c of cases) {
                const found = problems(c.raw);
                assert.ok(found.some((m) => m.startsWith(`${c.key}:`)), `expected a problem with ${c.key}, got\n  ${found.join("\n  ")}`);
                for (const m of found) assert.ok(!m.includes(fakeSecret) && !m.includes("12345678"), m);
            }
            assert.ok(problems(githubHub({}, { authenticator: "native" })).includes(`services.jupyterhub.github.clientSecret: "${secretConfigMarker}" is not allowed; expected "" unless authenticator is "github"`));
            assert.ok(!new ConfigError([]).message.includes(fakeSecret));
        });

        it("takes the client secret from config only where Pulumi writes what the hub reads; a store or sealing holds it otherwise", () => {
            for (const provider of ["vault", "sealed-secrets"]) {
                const settings = provider === "vault" ? exampleStoreSettings("vault") : {};
                const withSecret = problems({ ...githubHub(), secrets: { ...settings, provider } });
                assert.ok(
                    withSecret.includes(`services.jupyterhub.github.clientSecret: "${secretConfigMarker}" is not allowed; expected "" with secrets.provider "${provider}": the operator puts the client secret in the store (or seals it) under the name docs/secrets.md gives, and Pulumi never reads it`),
                    withSecret.join("\n"),
                );
                assert.deepEqual(problems({ ...githubHub({ clientSecret: "" }), secrets: { ...settings, provider } }), [], provider);
            }
            assert.deepEqual(problems({ ...githubHub(), secrets: { provider: "aws-secrets-manager" } }), []);
            assert.ok(problems({ ...githubHub({ clientSecret: "" }), secrets: { provider: "aws-secrets-manager" } }).some((m) => m.startsWith("services.jupyterhub.github.clientSecret:")));
        });

        it("reports every missing piece of a GitHub app at once", () => {
            const found = problems({ services: { jupyterhub: { authenticator: "github", adminUsers: [] } } });
            for (const key of ["adminUsers", "github.clientId", "github.callbackUrl", "github.clientSecret"]) {
                assert.ok(found.some((m) => m.startsWith(`services.jupyterhub.${key}:`)), `missing ${key} in\n  ${found.join("\n  ")}`);
            }
            assert.ok(found.some((m) => m.includes("who manages users and their servers")));
        });
    });

    it("reports every problem at once, type errors and cross-field rules together", () => {
        const found = problems({
            nodeGroups: { gpu: { maxSize: -1 }, driver: { minSize: 5, maxSize: 3, desiredSize: 3 } },
            network: { natGateways: "single", bogus: 1 },
            platform: { deletionProtection: false },
            netwrok: {},
        });
        for (const key of ["nodeGroups.gpu.maxSize", "nodeGroups.driver.minSize", "network.natGateways", "network.bogus", "platform.deletionProtection", "netwrok"]) {
            assert.ok(found.some((m) => m.startsWith(`${key}:`)), `missing ${key} in\n  ${found.join("\n  ")}`);
        }
    });

    it("throws one ConfigError whose message lists each problem on its own line", () => {
        assert.throws(
            () => resolveConfig({ nodeGroups: { gpu: { maxSize: -1 } }, netwrok: {} }, ctx),
            (err: unknown) => {
                assert.ok(err instanceof ConfigError);
                assert.match(err.message, /^invalid configuration \(2 problems\):\n {2}- /);
                assert.match(err.message, /\n {2}- nodeGroups\.gpu\.maxSize: -1 is not allowed/);
                assert.match(err.message, /\n {2}- netwrok: unknown key/);
                return true;
            },
        );
    });

    it("accepts an existing VPC given by ids", () => {
        const c = resolveConfig(
            { network: { mode: "existing", existing: { vpcId: "vpc-0abc12345def67890", privateSubnetIds: ["subnet-0aaa1111", "subnet-0bbb2222", "subnet-0ccc3333"] } } },
            ctx,
        );
        assert.equal(c.network.mode, "existing");
        assert.equal(c.network.existing.privateSubnetIds.length, 3);
    });
});
