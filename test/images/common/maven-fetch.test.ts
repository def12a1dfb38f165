import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { imagesDir } from "../../support/images";

describe("images/common/maven-fetch.sh", () => {
    it("the jar helper verifies Maven Central's sha1 and refuses unpinned coordinates", function () {
        const script = path.join(imagesDir, "common", "maven-fetch.sh");
        const text = fs.readFileSync(script, "utf8");
        assert.match(text, /^set -eu$/m);
        assert.match(text, /sha1sum -c/);
        if (spawnSync("curl", ["--version"]).status !== 0) this.skip();

        const work = fs.mkdtempSync(path.join(os.tmpdir(), "maven-fetch-"));
        try {
            const dir = path.join(work, "repo", "org", "example", "demo", "1.2.3");
            fs.mkdirSync(dir, { recursive: true });
            const jar = path.join(dir, "demo-1.2.3.jar");
            fs.writeFileSync(jar, "demo jar\n");
            // sha1 of "demo jar\n", as Maven Central publishes it: the bare digest.
            const sha1 = spawnSync("sha1sum", [jar], { encoding: "utf8" }).stdout.split(" ")[0];
            fs.writeFileSync(`${jar}.sha1`, sha1);
            const env = { ...process.env, MAVEN_REPOSITORY: `file://${path.join(work, "repo")}` };
            const run = (dest: string, coordinate: string) => spawnSync("sh", [script, path.join(work, dest), coordinate], { env, encoding: "utf8", timeout: 30_000 });

            const good = run("ok", "org.example:demo:1.2.3");
            assert.equal(good.status, 0, good.stderr);
            assert.ok(fs.existsSync(path.join(work, "ok", "demo-1.2.3.jar")));

            fs.writeFileSync(jar, "tampered\n");
            assert.notEqual(run("bad", "org.example:demo:1.2.3").status, 0, "a jar that does not match its sha1 must fail");
            assert.notEqual(run("latest", "org.example:demo:LATEST").status, 0);
            assert.notEqual(run("snapshot", "org.example:demo:1.2.4-SNAPSHOT").status, 0);
        } finally {
            fs.rmSync(work, { recursive: true, force: true });
        }
    });
});
