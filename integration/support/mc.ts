/**
 * The real MinIO client (mc) of the release the program's bucket Job runs (minioClientImage),
 * built from its source with the Go toolchain, cached.
 *
 * MinIO's binary downloads and images are not reachable here, and the Go module proxy refuses the
 * release tag (RELEASE.* is not a semantic version) and bare commit hashes. It serves the release
 * commit under its pseudo-version, so mc is built from that. The checksum database has no record
 * of the pseudo-version (404 through the proxy), so this module's hash is checked against the h1
 * hash pinned below instead (recorded by `go version -m` of other builds of the same commit); every
 * dependency is still verified by sum.golang.org. The link flags are the ones the release build
 * sets (minio/mc buildscripts/gen-ldflags.go), so `mc --version` names the release and commit.
 */
import * as fs from "fs";
import * as path from "path";
import { minioClientImage } from "../../components/services/minio";
import { cachedDirectory, cacheRoot, digestOf, goEnv, run } from "./cache";

/** Where one mc release's source is: its commit, as a Go module version, and the module's h1 hash. */
export interface McSource {
    readonly commit: string;
    /** v0.0.0-<commit time UTC>-<12 hex>: the pseudo-version the proxy serves the commit under. */
    readonly moduleVersion: string;
    /** The go.sum h1 hash of the module zip at moduleVersion. */
    readonly moduleHash: string;
}

/**
 * Release tag → source. The tag of RELEASE.2025-08-13T08-35-41Z points at commit 7394ce0 (`mc
 * --version` of the release binary prints it as commit-id); add a row when minioClientImage moves.
 */
export const mcSources: Readonly<Record<string, McSource>> = {
    "RELEASE.2025-08-13T08-35-41Z": {
        commit: "7394ce0dd2a80935aded936b09fa12cbb3cb8096",
        moduleVersion: "v0.0.0-20250813083541-7394ce0dd2a8",
        moduleHash: "h1:9tuRE4iEaDkuxatxe7pddYYh1SX5mT0/D0haofZFeTY=",
    },
};

/** The release tag of the program's client image (quay.io/minio/mc:RELEASE...). */
export function mcRelease(image = minioClientImage): string {
    const tag = /:(RELEASE\.[0-9TZ-]+)(@sha256:[0-9a-f]{64})?$/.exec(image)?.[1];
    if (!tag) throw new Error(`minioClientImage "${image}" carries no RELEASE.* tag`);
    return tag;
}


/** `mc --version` of the release: its first line. */
export const mcVersionLine = (release: string, source: McSource): string => `mc version ${release} (commit-id=${source.commit})`;

/**
 * Builds (once) and returns the path of mc at the release of the program's client image. Needs Go
 * and the module proxy; about 3 to 4 minutes on 2 cores when nothing is cached.
 */
export function ensureMc(image = minioClientImage): string {
    const release = mcRelease(image);
    const source = mcSources[release];
    if (!source) throw new Error(`no source pinned for mc ${release}: add its commit, pseudo-version and h1 hash to mcSources in integration/support/mc.ts`);
    const module = `github.com/minio/mc@${source.moduleVersion}`;
    const dir = path.join(cacheRoot, "tools", `mc-${digestOf([release, source.commit, source.moduleVersion, source.moduleHash])}`);
    cachedDirectory(dir, (target) => {
        const env = goEnv({ GOBIN: path.join(target, "bin"), GONOSUMDB: "github.com/minio/mc" });
        const downloaded = JSON.parse(run("go", ["mod", "download", "-json", module], { env, cwd: target, what: `go mod download ${module}`, timeout: 15 * 60 * 1000 })) as { Sum?: string; Error?: string };
        if (downloaded.Sum !== source.moduleHash) throw new Error(`${module}: module hash ${downloaded.Sum ?? downloaded.Error} is not the pinned ${source.moduleHash}`);
        const ldflags = [
            "-s -w",
            `-X github.com/minio/mc/cmd.Version=${release.replace(/^RELEASE\./, "").replace(/T(\d\d)-(\d\d)-(\d\d)Z$/, "T$1:$2:$3Z")}`,
            `-X github.com/minio/mc/cmd.CopyrightYear=${release.slice(8, 12)}`,
            `-X github.com/minio/mc/cmd.ReleaseTag=${release}`,
            `-X github.com/minio/mc/cmd.CommitID=${source.commit}`,
            `-X github.com/minio/mc/cmd.ShortCommitID=${source.commit.slice(0, 12)}`,
        ].join(" ");
        run("nice", ["-n", "10", "go", "install", "-trimpath", "-p", "2", "-ldflags", ldflags, module], { env, cwd: target, what: `go install ${module}`, timeout: 30 * 60 * 1000 });
        const version = run(path.join(target, "bin", "mc"), ["--version"]).split("\n")[0];
        if (version !== mcVersionLine(release, source)) throw new Error(`built mc reports "${version}", expected "${mcVersionLine(release, source)}"`);
    });
    const binary = path.join(dir, "bin", "mc");
    if (!fs.existsSync(binary)) throw new Error(`${binary} is missing from a finished cache directory; remove ${dir}`);
    return binary;
}
