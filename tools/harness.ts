/**
 * The stack harness: loads Pulumi.yaml and Pulumi.<stack>.yaml as the CLI would, runs the program
 * in-process under Pulumi mocks (no CLI, cloud or cluster) and records every registered resource.
 * Tests and the offline plan both use it.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { deserializeProperties, deserializeProperty, specialArchiveSig, specialAssetSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { parse as parseYaml } from "yaml";
import { decodeConfigValues, loadConfig, PlatformConfig, projectConfigValues, resolveConfig } from "../components/config";
import { createPlatform, PlatformOutputs } from "../components/platform";

export const repoRoot = path.resolve(__dirname, "..");

/** Runtime functions the harness needs that the SDK exports without typings (checked with 3.248). */
/* eslint-disable @typescript-eslint/no-require-imports */
const internals = {
    getStore: (require("@pulumi/pulumi/runtime/state") as { getStore: () => Record<string, unknown> }).getStore,
    waitForRPCs: (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> }).waitForRPCs,
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** The marker Pulumi puts on secret values when it serialises them. */
export const secretSig = "4dabf18193072939515e22adb298388d";
const secretSigValue = "1b47061264138c4ac30d75fd1eb44270";
/** What a secret value becomes in the plan. */
export const secretMask = "[secret]";

export function isSecretValue(v: unknown): v is { value: unknown } {
    return v !== null && typeof v === "object" && (v as Record<string, unknown>)[secretSig] === secretSigValue;
}

/** One resource of the plan JSON (docs/operations.md, "Offline plan"). The format is a public interface: keep it stable. */
export interface PlanResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent: string | null;
    readonly custom: boolean;
    readonly provider: string | null;
    readonly inputs: Record<string, unknown>;
}

/** A registered resource: its plan fields (inputs keep Pulumi's secret wrappers) and its dependencies. */
export interface RecordedResource extends PlanResource {
    /** URNs of the resources it waits for (explicit dependsOn and inputs from other resources). */
    readonly dependencies: string[];
}

export interface StackConfigFile {
    readonly project: string;
    /** Fully qualified key ("<namespace>:<key>") to the string the CLI would hand the program. */
    readonly values: Record<string, string>;
    /** Keys that hold an encrypted value at any depth, as the CLI marks them secret. */
    readonly secretKeys: string[];
    /**
     * ESC environments the stack file imports (its top-level `environment:`, a list or an inline
     * definition's `imports`), which the CLI opens and merges under the stack's config. Offline
     * they are not opened: their values need Pulumi Cloud. Not to be confused with the config key
     * `<project>:environment`.
     */
    readonly environments: string[];
}

/** The environments a stack file's top-level `environment:` imports (the forms of Pulumi's ProjectStack.Environment). */
export function stackFileEnvironments(environment: unknown, file: string): string[] {
    if (environment === undefined || environment === null) return [];
    const imports = Array.isArray(environment) ? environment : typeof environment === "object" ? ((environment as { imports?: unknown }).imports ?? []) : undefined;
    if (!Array.isArray(imports)) throw new Error(`${file}: environment must be a list of ESC environments or an environment definition with imports`);
    return imports.map((i: unknown) => {
        // An import is "project/name" or { "project/name": { merge: false } }.
        const name = typeof i === "string" ? i : i !== null && typeof i === "object" && Object.keys(i).length === 1 ? Object.keys(i)[0] : undefined;
        if (name === undefined) throw new Error(`${file}: environment imports ${JSON.stringify(i)}, which is not an environment name`);
        return name;
    });
}

/**
 * What an encrypted stack-file value (`secure: ...`, from `pulumi config set --secret`, with or
 * without `--path`) becomes offline. The harness cannot decrypt it, so the program sees this
 * stand-in as a set secret; the plan shows it as "[secret]" like every secret.
 */
export const secureValueStandIn = "offline-stand-in-for-an-encrypted-value";

const isSecure = (v: unknown): boolean =>
    v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { secure?: unknown }).secure === "string";

/** Replaces every `{ secure: ... }` leaf with the stand-in; reports whether it found one. */
function standInForSecure(v: unknown): { value: unknown; secure: boolean } {
    if (isSecure(v)) return { value: secureValueStandIn, secure: true };
    if (Array.isArray(v)) {
        const items = v.map(standInForSecure);
        return { value: items.map((i) => i.value), secure: items.some((i) => i.secure) };
    }
    if (v !== null && typeof v === "object") {
        const entries = Object.entries(v).map(([k, x]) => [k, standInForSecure(x)] as const);
        return { value: Object.fromEntries(entries.map(([k, x]) => [k, x.value])), secure: entries.some(([, x]) => x.secure) };
    }
    return { value: v, secure: false };
}

function encode(v: unknown): string {
    return typeof v === "string" ? v : JSON.stringify(v);
}

interface Declaration {
    type?: string;
    default?: unknown;
    value?: unknown;
}

const typeChecks: Record<string, (v: unknown) => boolean> = {
    string: (v) => typeof v === "string",
    integer: (v) => Number.isInteger(v),
    boolean: (v) => typeof v === "boolean",
    array: (v) => Array.isArray(v),
};

/**
 * Why the stack file of a stack is missing, naming the stacks the directory has; undefined when
 * Pulumi.<stack>.yaml exists.
 */
export function missingStackFile(stack: string, dir = repoRoot): string | undefined {
    if (fs.existsSync(path.join(dir, `Pulumi.${stack}.yaml`))) return undefined;
    const known = fs.existsSync(dir)
        ? fs.readdirSync(dir).map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1]).filter((s): s is string => s !== undefined).sort()
        : [];
    return `no stack "${stack}": Pulumi.${stack}.yaml does not exist in ${dir} (stacks: ${known.join(", ") || "none"})`;
}

/**
 * Config exactly as the CLI resolves it: Pulumi.yaml defaults for the project's keys, overridden
 * key by key by Pulumi.<stack>.yaml. Objects are JSON-encoded. Like the CLI, it refuses a stack
 * that leaves a declared key without default unset, or sets a typed key to a value of another
 * type. Encrypted values cannot be decrypted offline: each becomes secureValueStandIn and its key
 * is marked secret, as the CLI marks it. The ESC environments the stack file imports are listed,
 * not opened: their values come from Pulumi Cloud, so only the stack file's own config counts here.
 */
export function loadStackConfig(stack: string, dir = repoRoot): StackConfigFile {
    const project = parseYaml(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")) as { name: string; config?: Record<string, unknown> };
    const qualify = (key: string) => (key.includes(":") ? key : `${project.name}:${key}`);
    const stackFile = path.join(dir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) throw new Error(`no stack file ${path.basename(stackFile)} in ${dir}`);
    const stackDoc = (parseYaml(fs.readFileSync(stackFile, "utf8")) ?? {}) as { config?: Record<string, unknown>; environment?: unknown };
    const stackValues = new Map(Object.entries(stackDoc.config ?? {}).map(([k, v]) => [qualify(k), v]));

    const values: Record<string, string> = {};
    for (const [key, raw] of Object.entries(project.config ?? {})) {
        const fullKey = qualify(key);
        const decl: Declaration = raw !== null && typeof raw === "object" && !Array.isArray(raw) ? (raw) : { value: raw };
        const given = stackValues.get(fullKey);
        if (given === undefined && decl.default === undefined && decl.value === undefined) {
            throw new Error(`Stack '${stack}' is missing configuration value '${key}'`);
        }
        if (given !== undefined && decl.type && typeChecks[decl.type] && !typeChecks[decl.type](given)) {
            throw new Error(`Stack '${stack}': configuration value '${key}' must be of type '${decl.type}'`);
        }
        const value = decl.value ?? decl.default;
        if (value !== undefined) values[fullKey] = encode(value);
    }
    const secretKeys: string[] = [];
    for (const [key, raw] of stackValues) {
        const { value, secure } = standInForSecure(raw);
        if (secure) secretKeys.push(key);
        values[key] = encode(value);
    }
    return { project: project.name, values, secretKeys, environments: stackFileEnvironments(stackDoc.environment, path.basename(stackFile)) };
}

/** Deterministic account and values the mocks hand back, so tests can look for them. */
export const mockAccountId = "123456789012";

/** Values the mocks generate for random resources; no plan or output may show them in plain text. */
export function mockGeneratedValue(type: string, name: string): string | undefined {
    if (type === "random:index/randomPassword:RandomPassword") return `mockpw${name.replace(/[^A-Za-z0-9]/g, "")}`;
    if (type === "random:index/randomBytes:RandomBytes") return Buffer.from(`mockbytes-${name}`.padEnd(32, "x").slice(0, 32)).toString("base64");
    return undefined;
}

function mockState(type: string, name: string, inputs: Record<string, unknown>, region: string): Record<string, unknown> {
    const account = mockAccountId;
    const generated = mockGeneratedValue(type, name);
    switch (type) {
        case "random:index/randomPassword:RandomPassword":
            return { ...inputs, result: generated };
        case "random:index/randomBytes:RandomBytes":
            return { ...inputs, base64: generated, hex: Buffer.from(generated ?? "", "base64").toString("hex") };
        case "aws:s3/bucket:Bucket": {
            const bucket = (inputs.bucket as string) ?? `${(inputs.bucketPrefix as string) ?? name}mock`;
            return { ...inputs, bucket, arn: `arn:aws:s3:::${bucket}` };
        }
        case "aws:kms/key:Key":
            return { ...inputs, keyId: `key-${name}`, arn: `arn:aws:kms:${region}:${account}:key/key-${name}` };
        case "aws:iam/role:Role":
            return { ...inputs, name: `${(inputs.namePrefix as string) ?? ""}${name}`, arn: `arn:aws:iam::${account}:role/${name}` };
        case "aws:secretsmanager/secret:Secret":
            return { ...inputs, arn: `arn:aws:secretsmanager:${region}:${account}:secret:${inputs.name as string}-AbCdEf` };
        case "aws:secretsmanager/secretVersion:SecretVersion":
            // Secrets Manager makes a new version id for each new value.
            return { ...inputs, versionId: `mockversion-${createHash("sha256").update(JSON.stringify(inputs.secretString ?? "")).digest("hex").slice(0, 12)}` };
        case "aws:eks/cluster:Cluster":
            return {
                ...inputs,
                arn: `arn:aws:eks:${region}:${account}:cluster/${inputs.name as string}`,
                endpoint: `https://${inputs.name as string}.mock.eks.${region}.amazonaws.com`,
                certificateAuthority: { data: "bW9jay1jYQ==" },
                vpcConfig: { ...(inputs.vpcConfig as object), clusterSecurityGroupId: "sg-0mockcluster" },
            };
        case "aws:eks/nodeGroup:NodeGroup":
            return { ...inputs, nodeGroupName: `${(inputs.nodeGroupNamePrefix as string) ?? ""}mock`, resources: [{ autoscalingGroups: [{ name: `eks-${name}-asg` }] }] };
        case "aws:sqs/queue:Queue": {
            const queue = (inputs.name as string) ?? `${name}mock`;
            return { ...inputs, name: queue, arn: `arn:aws:sqs:${region}:${account}:${queue}`, url: `https://sqs.${region}.amazonaws.com/${account}/${queue}` };
        }
        case "aws:cloudwatch/eventRule:EventRule": {
            const rule = (inputs.name as string) ?? `${name}-mock`;
            return { ...inputs, name: rule, arn: `arn:aws:events:${region}:${account}:rule/${rule}` };
        }
        case "aws:ec2/launchTemplate:LaunchTemplate":
            return { ...inputs, latestVersion: 1 };
        case "aws:rds/instance:Instance": {
            const address = `${name}.mock.${region}.rds.amazonaws.com`;
            return { ...inputs, address, port: 5432, endpoint: `${address}:5432`, arn: `arn:aws:rds:${region}:${account}:db:${name}` };
        }
        default:
            return { ...inputs, arn: (inputs.arn) ?? `arn:aws:mock:${region}:${account}:${name}` };
    }
}

/** The parts of the engine's RegisterResourceRequest the recorder reads. */
interface RegisterResourceRequest {
    getParent(): string;
    getType(): string;
    getName(): string;
    getCustom(): boolean;
    getProvider(): string;
    getObject(): Parameters<typeof deserializeProperties>[0];
    getDependenciesList(): string[];
}

/** Keys the SDK serialises with an asset or archive besides what the program gave it: the signature and its class markers. */
const assetMarkers = new Set([specialSigKey, "__pulumiAsset", "__pulumiArchive"]);

/**
 * An asset or archive as the plan shows it: what the program gave it ({ text }, { path }, { uri },
 * { assets }), without the SDK's markers. Deserialized, the SDK's objects hold these as promises.
 */
function plainAssets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(plainAssets);
    if (value === null || typeof value !== "object") return value;
    const entries = Object.entries(value as Record<string, unknown>);
    const sig = (value as Record<string, unknown>)[specialSigKey];
    const isAsset = sig === specialAssetSig || sig === specialArchiveSig;
    return Object.fromEntries(entries.filter(([k]) => !(isAsset && assetMarkers.has(k))).map(([k, v]) => [k, plainAssets(v)]));
}

/** Registered inputs as deserializeProperties gives them (unknowns kept, secrets wrapped), with assets as plain data. */
function recordedInputs(struct: Parameters<typeof deserializeProperties>[0]): Record<string, unknown> {
    const raw = plainAssets(struct.toJavaScript()) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined).map(([k, v]) => [k, deserializeProperty(v, true) as unknown]));
}

/** A URN as the engine makes it: the parent's whole type chain qualifies the child's type (the stack's own type excepted). */
function engineUrn(parent: string, type: string, name: string): string {
    const parentType = parent ? parent.split("::")[2] : "";
    const qualified = parentType && parentType !== "pulumi:pulumi:Stack" ? `${parentType}$${type}` : type;
    return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
}

/**
 * MockMonitor that also records parent, provider and inputs of every registration, and makes URNs
 * as the engine does: a child's type is qualified by its parent's whole type chain
 * (`spark-k8s:platform:SparkPlatform$spark-k8s:spark:SparkConnect$kubernetes:apps/v1:Deployment`),
 * where the SDK's mock keeps only the parent's last type.
 */
class RecordingMonitor extends MockMonitor {
    readonly recorded: RecordedResource[] = [];

    constructor(mocks: pulumi.runtime.Mocks) {
        super(mocks);
        // MockMonitor declares newUrn private; the registrations it answers must carry the engine's URNs.
        Object.assign(this, { newUrn: engineUrn });
    }

    override registerResource(req: RegisterResourceRequest, callback: (err: unknown, response: unknown) => void): Promise<void> {
        const parent = req.getParent() || "";
        this.recorded.push({
            urn: engineUrn(parent, req.getType(), req.getName()),
            type: req.getType(),
            name: req.getName(),
            parent: parent || null,
            custom: req.getCustom(),
            provider: (req.getProvider() || "").split("::").slice(0, -1).join("::") || null,
            inputs: recordedInputs(req.getObject()),
            dependencies: req.getDependenciesList(),
        });
        return super.registerResource(req, callback);
    }
}

export interface StackRun {
    readonly stack: string;
    readonly project: string;
    readonly resources: RecordedResource[];
    /** Stack outputs resolved; secret outputs wrapped like secret inputs. */
    readonly outputs: Record<string, unknown>;
}

/** An ECR image the mocks do not find: a whole repository (no tag) or one tag of it. */
export interface MissingImage {
    readonly repositoryName: string;
    readonly tag?: string;
}

/** The digest the mocks give an ECR image: the sha256 of "repository:tag", so every run agrees. */
export function mockDigest(image: string): string {
    return `sha256:${createHash("sha256").update(image).digest("hex")}`;
}

export interface RunOptions {
    /** Directory with Pulumi.yaml and the stack files. */
    readonly dir?: string;
    /** Replace whole config keys (unqualified keys are the project's), as `pulumi config set` would. */
    readonly config?: Record<string, unknown>;
    /** ECR images the digest lookups do not find (all are found by default). */
    readonly missingImages?: readonly MissingImage[];
}

async function resolveOutputs(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        const output = value as pulumi.Output<unknown> & { promise(): Promise<unknown> };
        const [resolved, secret] = await Promise.all([output.promise(), pulumi.isSecret(output)]);
        const inner = await resolveOutputs(resolved);
        return secret ? { [secretSig]: secretSigValue, value: inner } : inner;
    }
    if (Array.isArray(value)) return Promise.all(value.map(resolveOutputs));
    // Plain data only: resources and other class instances are references, returned as they are.
    if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
        const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveOutputs(v)] as const));
        return Object.fromEntries(entries);
    }
    return value;
}

/**
 * Runs any program under the recording mocks with the given config values, and returns what it
 * registered and its resolved result. Component tests use it to build one component alone.
 */
export async function runProgram<T>(
    program: () => T,
    options: { project?: string; stack?: string; values?: Record<string, string>; secretKeys?: string[]; missingImages?: readonly MissingImage[] } = {},
): Promise<{ resources: RecordedResource[]; result: unknown }> {
    const project = options.project ?? "spark-k8s";
    const stack = options.stack ?? "test";
    const values = options.values ?? {};
    const region = values["aws:region"] ?? "us-east-1";
    const monitor = new RecordingMonitor({
        newResource: (args) => ({ id: `${args.name}-id`, state: mockState(args.type, args.name, args.inputs as Record<string, unknown>, region) }),
        call: (args) => {
            switch (args.token) {
                case "aws:index/getCallerIdentity:getCallerIdentity":
                    return { accountId: mockAccountId, arn: `arn:aws:iam::${mockAccountId}:user/mock`, userId: "MOCK", id: mockAccountId };
                case "aws:index/getPartition:getPartition":
                    return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
                case "aws:index/getAvailabilityZones:getAvailabilityZones":
                    return { names: ["a", "b", "c", "d"].map((s) => `${region}${s}`), zoneIds: [], id: region };
                case "aws:ecr/getImage:getImage": {
                    const { repositoryName, imageTag } = args.inputs as { repositoryName: string; imageTag: string };
                    const missing = options.missingImages?.find((m) => m.repositoryName === repositoryName && (m.tag === undefined || m.tag === imageTag));
                    if (missing) {
                        // A failed invoke reaches the SDK as a gRPC error whose details carry the provider's message.
                        const details = missing.tag === undefined
                            ? `invocation of aws:ecr/getImage:getImage returned an error: RepositoryNotFoundException: The repository with name '${repositoryName}' does not exist`
                            : `invocation of aws:ecr/getImage:getImage returned an error: ImageNotFoundException: The image with imageId {imageTag:'${imageTag}'} does not exist`;
                        throw Object.assign(new Error(details), { details });
                    }
                    return { imageDigest: mockDigest(`${repositoryName}:${imageTag}`), imageTags: [imageTag], id: repositoryName };
                }
                default:
                    return {};
            }
        },
    });
    // setMocks enables the features mocks support (secrets among them) for its own monitor; swap in
    // the recording monitor and restore those flags, which setMockOptions resets.
    await pulumi.runtime.setMocks(monitor.mocks, project, stack, false);
    const store = internals.getStore();
    const features = Object.fromEntries(Object.entries(store).filter(([k]) => k.startsWith("supports")));
    settings.setMockOptions(monitor, project, stack, false);
    Object.assign(store, features);
    pulumi.runtime.setAllConfig(values, options.secretKeys);

    // An error inside an apply or a registration surfaces only as an unhandled rejection, and the
    // outputs waiting on it never settle: fail the run with that error instead of hanging.
    let onFailure: (err: unknown) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => (onFailure = reject));
    process.on("unhandledRejection", onFailure);
    // The SDK captures a stack for every resource and promise (source positions for the engine, which
    // is not here); mapping each through ts-node's source maps was a third of a plan's time. V8 formats
    // a stack when it is first read, so errors the run surfaces are still mapped once this is restored.
    const mapStack = Reflect.get(Error, "prepareStackTrace") as typeof Error.prepareStackTrace | undefined;
    Reflect.deleteProperty(Error, "prepareStackTrace");
    try {
        const result = await Promise.race([Promise.resolve(program()).then(resolveOutputs), failed]);
        await Promise.race([internals.waitForRPCs(), failed]);
        return { resources: monitor.recorded, result };
    } finally {
        if (mapStack) Error.prepareStackTrace = mapStack;
        process.off("unhandledRejection", onFailure);
    }
}

/** The validated config of a stack as the program sees it, computed without running it. Throws ConfigError on bad config. */
export function stackConfig(stack: string, dir = repoRoot): PlatformConfig {
    const file = loadStackConfig(stack, dir);
    const own = projectConfigValues(file.values, file.project);
    return resolveConfig(decodeConfigValues(own), { stack, project: file.project, region: file.values["aws:region"] });
}

/**
 * The programs of the repository, by the project name of their Pulumi.yaml: the platform (the root)
 * and the delivery program (deployment/). Each loads only when a stack of its project runs.
 */
export const programs: Readonly<Record<string, () => Promise<() => unknown>>> = {
    "spark-k8s": () => Promise.resolve((): Promise<PlatformOutputs> => createPlatform(loadConfig())),
    "spark-k8s-delivery": async () => {
        const [{ loadDeliveryConfig }, { createDelivery }] = await Promise.all([import("../deployment/config"), import("../deployment/delivery")]);
        return () => createDelivery(loadDeliveryConfig());
    },
};

/** Runs the program for a stack under mocks and returns what it registered. Throws ConfigError on bad config. */
export async function runStack(stack: string, options: RunOptions = {}): Promise<StackRun> {
    const file = loadStackConfig(stack, options.dir);
    const load = programs[file.project];
    if (!load) throw new Error(`no program for project "${file.project}" (Pulumi.yaml in ${options.dir ?? repoRoot}); known projects: ${Object.keys(programs).join(", ")}`);
    const values = { ...file.values };
    for (const [key, value] of Object.entries(options.config ?? {})) {
        const fullKey = key.includes(":") ? key : `${file.project}:${key}`;
        if (value === undefined) delete values[fullKey];
        else values[fullKey] = encode(value);
    }
    const program = await load();
    const run = await runProgram(program, { project: file.project, stack, values, secretKeys: file.secretKeys, missingImages: options.missingImages });
    return { stack, project: file.project, resources: run.resources, outputs: run.result as Record<string, unknown> };
}

/** Replaces every secret wrapper with the value inside it, for checks that need the plain shape. */
export function unwrapSecrets(value: unknown): unknown {
    if (isSecretValue(value)) return unwrapSecrets(value.value);
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

/** Replaces every secret value with "[secret]". */
export function maskSecrets(value: unknown): unknown {
    if (isSecretValue(value)) return secretMask;
    if (Array.isArray(value)) return value.map(maskSecrets);
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v)]));
    }
    return value;
}
