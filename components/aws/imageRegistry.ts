import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DigestLookup, digestReference, ImageKey, ImageSource, missingImageMessage } from "../config/registry";

/** Inputs of ImageRegistry: the repositories to create and how they are kept. */
export interface ImageRegistryArgs {
    /** Repository names under the stack's registry ("spark-dev/spark-k8s/spark-runtime"). */
    readonly repositories: readonly string[];
    /** Images each repository keeps, newest first; older ones expire. */
    readonly keepImages: number;
    /** Platform key that encrypts the images. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Protect the repositories from deletion, and keep their images when the stack is destroyed. */
    readonly protect: boolean;
}

/** The ECR lifecycle policy that keeps the newest `keep` images of a repository, tagged or not. */
export function keepNewestImagesPolicy(keep: number): string {
    return JSON.stringify({
        rules: [
            {
                rulePriority: 1,
                description: `Keep the newest ${keep} images`,
                selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep },
                action: { type: "expire" },
            },
        ],
    });
}

/**
 * The stack's own ECR repositories, one per platform image: tags are immutable (a tag names one
 * digest forever), every push is scanned, images are encrypted with the platform key and the newest
 * `keepImages` are kept.
 */
export class ImageRegistry extends pulumi.ComponentResource {
    /** Repository URLs by repository name. */
    readonly repositoryUrls: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: ImageRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:aws:ImageRegistry", name, {}, opts);
        this.repositoryUrls = {};
        for (const repositoryName of args.repositories) {
            const repository = new aws.ecr.Repository(
                repositoryName.replace(/\//g, "-"),
                {
                    name: repositoryName,
                    imageTagMutability: "IMMUTABLE",
                    imageScanningConfiguration: { scanOnPush: true },
                    encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: args.kmsKeyArn }],
                    forceDelete: !args.protect,
                },
                { parent: this, protect: args.protect },
            );
            new aws.ecr.LifecyclePolicy(repositoryName.replace(/\//g, "-"), { repository: repository.name, policy: keepNewestImagesPolicy(args.keepImages) }, { parent: this });
            this.repositoryUrls[repositoryName] = repository.repositoryUrl;
        }
        this.registerOutputs({ repositoryUrls: this.repositoryUrls });
    }
}

/** What a digest lookup found: the digest, or why there is none. */
export type LookupResult = { readonly digest: string } | { readonly missing: string; readonly repositoryMissing: boolean };

/** Looks up the digest of one image tag in ECR. */
export type DigestFinder = (lookup: DigestLookup) => Promise<LookupResult>;

/** The digest finder of the AWS provider: ecr:DescribeImages through aws.ecr.getImage. */
export function ecrDigestFinder(opts: pulumi.InvokeOptions): DigestFinder {
    return async (lookup) => {
        try {
            const image = await aws.ecr.getImage({ registryId: lookup.registryId, repositoryName: lookup.repositoryName, imageTag: lookup.tag }, opts);
            return { digest: image.imageDigest };
        } catch (err) {
            const text = err instanceof Error ? err.message : String(err);
            if (/RepositoryNotFound/i.test(text)) return { missing: "its repository does not exist", repositoryMissing: true };
            return { missing: /ImageNotFound/i.test(text) ? "no image has that tag" : text, repositoryMissing: false };
        }
    };
}

/** The images a stack deploys, and the ones it deploys by tag because their repository is new. */
export interface ResolvedImages {
    readonly images: Record<ImageKey, string>;
    /** One line per image deployed by tag while its new repository waits for its first push. */
    readonly awaitingPush: readonly string[];
}

/**
 * The reference every platform image deploys with: a tag in ECR becomes the digest the registry
 * holds for it, so what runs is exactly what was pushed and scanned. Every missing image is
 * reported at once, each with the command that builds and pushes it. An image whose repository is
 * one of `newRepositories` (created by this deployment, so nothing can have run from it) deploys by
 * tag until it is pushed; the next deployment pins its digest.
 */
export async function resolveImages(sources: readonly ImageSource[], find: DigestFinder, newRepositories: ReadonlySet<string> = new Set()): Promise<ResolvedImages> {
    const resolved = await Promise.all(
        sources.map(async (source) => {
            const lookup = source.lookup;
            if (!lookup) return { key: source.key, reference: source.reference };
            const found = await find(lookup);
            if ("digest" in found) return { key: source.key, reference: digestReference(lookup, found.digest) };
            const message = missingImageMessage(source, lookup, found.missing);
            if (found.repositoryMissing && newRepositories.has(lookup.repositoryName)) return { key: source.key, reference: source.reference, awaitingPush: message };
            return { key: source.key, reference: source.reference, problem: message };
        }),
    );
    const problems = resolved.flatMap((r) => ("problem" in r ? [r.problem] : []));
    if (problems.length > 0) throw new Error(`platform images not found:\n  - ${problems.join("\n  - ")}`);
    return {
        images: Object.fromEntries(resolved.map((r) => [r.key, r.reference])) as Record<ImageKey, string>,
        awaitingPush: resolved.flatMap((r) => ("awaitingPush" in r && r.awaitingPush ? [r.awaitingPush] : [])),
    };
}
