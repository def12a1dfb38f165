import { strict as assert } from "assert";
import { dockerfileProblems } from "./images";

describe("image rules (checked on hand-written Dockerfiles)", () => {
    const ok = "FROM alpine:3.24.1\nUSER 1000\n";
    it("accept a pinned, non-root image", () => assert.deepEqual(dockerfileProblems(ok), []));

    it("refuse latest, floating and missing tags, and unresolved variables", () => {
        for (const from of ["ubuntu:latest", "ubuntu", "apache/spark:3.5", "apache/spark:python3", "${BASE}", "x@sha256:abc"]) {
            assert.equal(dockerfileProblems(`FROM ${from}\nUSER 1000\n`).length, 1, from);
        }
        assert.deepEqual(dockerfileProblems("ARG BASE=alpine:3.24.1\nFROM ${BASE}\nUSER 1\n"), []);
        assert.deepEqual(dockerfileProblems(`FROM alpine@sha256:${"a".repeat(64)}\nUSER 1\n`), []);
        assert.equal(dockerfileProblems("ARG BASE=alpine:3.24.1\nFROM ${BASE}\nUSER 1\n", { BASE: "alpine:latest" }).length, 1);
    });

    it("resolve stage references instead of treating them as images", () => {
        const text = "ARG LINE=a\nFROM alpine:3.24.1 AS build-a\nFROM build-${LINE}\nUSER 7\n";
        assert.deepEqual(dockerfileProblems(text), []);
        assert.equal(dockerfileProblems(text, { LINE: "b" }).length, 1);
    });

    it("refuse a root, named or missing final USER", () => {
        assert.match(dockerfileProblems("FROM alpine:3.24.1\nUSER 0\n").join(), /root/);
        assert.match(dockerfileProblems("FROM alpine:3.24.1\nUSER spark\n").join(), /numeric/);
        assert.match(dockerfileProblems("FROM alpine:3.24.1\nUSER 185\nFROM alpine:3.24.1\n").join(), /no USER/);
        assert.deepEqual(dockerfileProblems("FROM alpine:3.24.1\nUSER root\nRUN true\nUSER 185:185\n"), []);
    });

    it("refuse jars without a pinned version or a checksum check", () => {
        const fetch = (coord: string, arg = "") => `FROM alpine:3.24.1\n${arg}COPY common/maven-fetch.sh /usr/local/bin/maven-fetch\nRUN maven-fetch /jars ${coord}\nUSER 1\n`;
        assert.deepEqual(dockerfileProblems(fetch("org.a:b:1.2.3")), []);
        assert.deepEqual(dockerfileProblems(fetch("org.a:b:${V}", "ARG V=1.2.3\n")), []);
        // A global ARG is not visible inside a stage until the stage declares it again.
        assert.equal(dockerfileProblems(`ARG V=1.2.3\n${fetch("org.a:b:${V}")}`).length, 1);
        assert.deepEqual(dockerfileProblems(`ARG V=1.2.3\n${fetch("org.a:b:${V}", "ARG V\n")}`), []);
        for (const bad of ["org.a:b:LATEST", "org.a:b:1.0-SNAPSHOT", "org.a:b:[1.0,2.0)", "org.a:b:${NOPE}", "org.a:b:"]) {
            assert.ok(dockerfileProblems(fetch(bad)).length > 0, bad);
        }
        assert.equal(dockerfileProblems("FROM alpine:3.24.1\nRUN maven-fetch /jars org.a:b:1.0\nUSER 1\n").length, 1);
        const url = "https://repo1.maven.org/maven2/org/a/b/1.0/b-1.0.jar";
        assert.equal(dockerfileProblems(`FROM alpine:3.24.1\nRUN curl -fo b.jar ${url}\nUSER 1\n`).length, 1);
        assert.deepEqual(dockerfileProblems(`FROM alpine:3.24.1\nRUN curl -fo b.jar ${url} \\\n && echo "x  b.jar" | sha1sum -c -\nUSER 1\n`), []);
        assert.equal(dockerfileProblems(`FROM alpine:3.24.1\nADD ${url} /jars/\nUSER 1\n`).length, 1);
    });
});
