/**
 * Where the platform images come from: which registry a reference points at, which references the
 * stack looks a digest up for, and the build command that makes a missing image. Pure; the
 * ImageRegistry component (components/aws/imageRegistry.ts) creates the repositories and runs the
 * lookups these functions plan.
 */
import { tierDefaults } from "./defaults";
import { parsePinnedImage } from "./imageRef";
import { jupyterImageKey, lineSuffix, SparkConfig, sparkImageKey, SparkVersion, sparkVersions } from "./schema";

/** A key of spark.images. */
export type ImageKey = keyof SparkConfig["images"];

/** Every key of spark.images, in the order images/build.sh prints them. */
export const imageKeys: readonly ImageKey[] = [
    ...sparkVersions.map(sparkImageKey),
    "sparkRapids",
    "hiveMetastore",
    ...sparkVersions.map(jupyterImageKey),
    "airflow",
];

const lineOfSuffix = (suffix: string): SparkVersion | undefined => sparkVersions.find((v) => lineSuffix(v) === suffix);

/** The images/build.sh target that builds the image of a spark.images key. */
export function buildTarget(key: ImageKey): string {
    const spark = /^spark(\d+)$/.exec(key);
    if (spark) return `spark-runtime-${lineOfSuffix(spark[1])}`;
    const jupyter = /^jupyter(\d+)$/.exec(key);
    if (jupyter) return `jupyter-spark-${lineOfSuffix(jupyter[1])}`;
    return { sparkRapids: "spark-rapids", hiveMetastore: "hive-metastore", airflow: "airflow" }[key as "sparkRapids" | "hiveMetastore" | "airflow"];
}

/**
 * The registry host of a reference ("123.dkr.ecr.eu-west-1.amazonaws.com", "localhost:5000"), or
 * undefined when it names none. As Docker reads a reference, the first path component is a host
 * when it contains "." or ":" or is localhost; "spark-k8s/spark-runtime:3.5.9-p3" has none.
 */
export function registryHost(ref: string): string | undefined {
    const slash = ref.indexOf("/");
    if (slash < 0) return undefined;
    const first = ref.slice(0, slash);
    return first.includes(".") || first.includes(":") || first === "localhost" ? first : undefined;
}

/** An Amazon ECR registry: the account that owns it and its region. */
export interface EcrRegistry {
    readonly accountId: string;
    readonly region: string;
}

const ecrHost = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?$/;

/** The ECR registry a host names (`<account>.dkr.ecr.<region>.amazonaws.com`), or undefined. */
export function ecrRegistry(host: string): EcrRegistry | undefined {
    const m = ecrHost.exec(host);
    return m ? { accountId: m[1], region: m[2] } : undefined;
}

/** The ECR registry URL of a stack's own repositories: `<account>.dkr.ecr.<region>.amazonaws.com/<platform id>`. */
export function stackRegistryUrl(accountId: string, region: string, platformId: string): string {
    return `${accountId}.dkr.ecr.${region}.amazonaws.com/${platformId}`;
}

/** A digest lookup in ECR: the image `repositoryName:tag` of the registry of `registryId`. */
export interface DigestLookup {
    readonly registryId: string;
    readonly region: string;
    readonly repositoryName: string;
    readonly tag: string;
}

/** How one platform image reaches the pods. */
export interface ImageSource {
    readonly key: ImageKey;
    /** The reference as configured in spark.images. */
    readonly configured: string;
    /** The configured reference made absolute: a reference without a registry host is placed under the registry URL. */
    readonly reference: string;
    /** Set when the reference is a tag in ECR: the stack deploys the digest this lookup finds. */
    readonly lookup?: DigestLookup;
}

/**
 * The source of every platform image: references without a registry host resolve against
 * `registryUrl` (the stack's own repositories, another stack's or a shared registry); a tag in an
 * ECR registry is looked up and deployed by digest; a digest or a tag elsewhere is used as it is.
 * With `registryUrl` "" (the local tier) references stay as configured. `keys`: the images the
 * stack runs (default all).
 */
export function imageSources(images: SparkConfig["images"], registryUrl: string, keys: readonly ImageKey[] = imageKeys): ImageSource[] {
    return keys.map((key) => {
        const configured = images[key];
        const reference = registryUrl !== "" && registryHost(configured) === undefined ? `${registryUrl.replace(/\/+$/, "")}/${configured}` : configured;
        const pinned = parsePinnedImage(reference);
        const host = registryHost(reference);
        const ecr = host === undefined ? undefined : ecrRegistry(host);
        if (!pinned?.tag || !ecr || host === undefined) return { key, configured, reference };
        return { key, configured, reference, lookup: { registryId: ecr.accountId, region: ecr.region, repositoryName: pinned.repository.slice(host.length + 1), tag: pinned.tag } };
    });
}

/**
 * The repositories a stack creates under its own registry URL: one per distinct repository of the
 * references that resolve there ("spark-dev/spark-k8s/spark-runtime"), sorted.
 */
export function stackRepositories(sources: readonly ImageSource[], stackRegistry: string): string[] {
    const host = stackRegistry.split("/")[0];
    const under = `${stackRegistry.replace(/\/+$/, "")}/`;
    const names = sources
        .filter((s) => s.reference.startsWith(under))
        .map((s) => parsePinnedImage(s.reference)?.repository.slice(host.length + 1))
        .filter((n): n is string => n !== undefined);
    return [...new Set(names)].sort();
}

/** The reference a lookup found: `<registry host>/<repository>:<tag>@<digest>`; the tag stays to name the version, the digest decides. */
export function digestReference(lookup: DigestLookup, digest: string): string {
    return `${lookup.registryId}.dkr.ecr.${lookup.region}.amazonaws.com/${lookup.repositoryName}:${lookup.tag}@${digest}`;
}

/** The message of a lookup that found no image: what is missing and the command that builds and pushes it. */
export function missingImageMessage(source: ImageSource, lookup: DigestLookup, cause: string): string {
    const registry = `${lookup.registryId}.dkr.ecr.${lookup.region}.amazonaws.com`;
    const path = lookup.repositoryName.split("/");
    // build.sh tags <REGISTRY>/spark-k8s/<name>: REGISTRY is everything before those two segments.
    const base = [registry, ...path.slice(0, -2)].join("/");
    return (
        `spark.images.${source.key}: "${source.configured}" resolves to ${source.reference}, which is not in the registry (${cause}). ` +
        `Build and push it: REGISTRY=${base} PUSH=1 images/build.sh ${buildTarget(source.key)}`
    );
}

/** The repositories of the images built from images/, as the defaults name them without a registry ("spark-k8s/spark-runtime"). */
const platformRepositories: readonly string[] = [...new Set(Object.values(tierDefaults("prod").spark.images).map((ref) => parsePinnedImage(ref)?.repository ?? ref))];

/** True for an image built from images/, in any registry: its repository ends with one of the platform's ("…/spark-k8s/airflow"). */
export function isPlatformImage(ref: string): boolean {
    const repository = parsePinnedImage(ref)?.repository;
    return repository !== undefined && platformRepositories.some((r) => repository === r || repository.endsWith(`/${r}`));
}
