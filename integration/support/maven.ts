/** Pinned Maven Central artefacts for the integration suite, resolved with Maven into the cache. */
import * as fs from "fs";
import * as path from "path";
import { cachedDirectory, cacheRoot, digestOf, run } from "./cache";

/** The local Maven repository the suite resolves into (not ~/.m2, so CI state stays separate). */
export const mavenRepository = path.join(cacheRoot, "m2");

/** One artefact, groupId:artifactId:version[:classifier]. */
export type MavenCoordinate = string;

export interface JarSetSpec {
    /** Purpose, part of the directory name (e.g. "spark-3.5-image-jars"). */
    readonly name: string;
    readonly artifacts: readonly MavenCoordinate[];
    /** Resolve dependencies too (the default), or copy only the listed jars, as images/common/maven-fetch.sh does. */
    readonly transitive?: boolean;
    /** groupId:artifactId patterns to leave out of a transitive resolution. */
    readonly exclude?: readonly string[];
}

const coordinate = /^([\w.-]+):([\w.-]+):([\w.-]+)(?::([\w.-]+))?$/;

function pom(spec: JarSetSpec): string {
    const deps = spec.artifacts.map((a) => {
        const m = coordinate.exec(a);
        if (!m) throw new Error(`not a Maven coordinate (group:artifact:version[:classifier]): ${a}`);
        const exclusions = (spec.exclude ?? []).map((e) => {
            const [g, art] = e.split(":");
            return `<exclusion><groupId>${g}</groupId><artifactId>${art ?? "*"}</artifactId></exclusion>`;
        });
        return `<dependency><groupId>${m[1]}</groupId><artifactId>${m[2]}</artifactId><version>${m[3]}</version>${m[4] ? `<classifier>${m[4]}</classifier>` : ""}${exclusions.length ? `<exclusions>${exclusions.join("")}</exclusions>` : ""}</dependency>`;
    });
    return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>spark-k8s.integration</groupId><artifactId>${spec.name}</artifactId><version>0</version><packaging>pom</packaging>
  <dependencies>${deps.join("")}</dependencies>
  <build><plugins><plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version></plugin></plugins></build>
</project>
`;
}

/** Resolves (once) the artefacts into a directory of jars and returns their paths. */
export function ensureJars(spec: JarSetSpec): string[] {
    const dir = path.join(cacheRoot, "jars", `${spec.name}-${digestOf([...spec.artifacts, String(spec.transitive ?? true), ...(spec.exclude ?? [])])}`);
    cachedDirectory(dir, (target) => {
        fs.writeFileSync(path.join(target, "pom.xml"), pom(spec));
        run("mvn", [
            "-B", "-q", "-f", path.join(target, "pom.xml"), `-Dmaven.repo.local=${mavenRepository}`,
            "dependency:copy-dependencies", `-DoutputDirectory=${path.join(target, "jars")}`, "-DincludeScope=runtime",
            ...(spec.transitive === false ? ["-DexcludeTransitive=true"] : []),
        ], { what: `resolving Maven artefacts for ${spec.name}`, timeout: 30 * 60 * 1000 });
    });
    const jars = path.join(dir, "jars");
    return fs.readdirSync(jars).filter((f) => f.endsWith(".jar")).sort().map((f) => path.join(jars, f));
}
