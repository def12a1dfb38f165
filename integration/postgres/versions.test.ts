/** Which PostgreSQL the suite runs, against the versions the program deploys. */
import { strict as assert } from "assert";
import * as path from "path";
import { run as runCommand } from "../support/cache";
import { stackArtefacts } from "../support/artefacts";
import { ensurePostgresInstalled, planDatabaseServer, programPostgresVersion, startPostgres } from "../support/postgres";

describe("PostgreSQL versions: the suite's servers and the program's", function () {
    this.timeout(10 * 60 * 1000);

    it("has Debian's psql 15 or newer, which the init SQL's \\getenv needs", function () {
        const out = runCommand(path.join(ensurePostgresInstalled(), "psql"), ["--version"]);
        const major = Number(/\(PostgreSQL\) (\d+)/.exec(out)?.[1]);
        assert.ok(major >= 15, out);
    });

    it("runs the program's own release (the in-cluster image's) and Debian's, and the RDS engine has the image's major version", async function () {
        const image = planDatabaseServer(await stackArtefacts("local"));
        const rds = planDatabaseServer(await stackArtefacts("dev"));
        assert.equal(image.kind, "in-cluster");
        assert.equal(rds.kind, "rds");
        const release = programPostgresVersion();
        const [debian, own] = [await startPostgres(), await startPostgres({ version: release })];
        try {
            assert.equal(own.version, release);
            const engineMajor = rds.kind === "rds" ? rds.engineVersion.split(".")[0] : "";
            assert.equal(String(own.majorVersion), engineMajor, `the program's image runs ${release}, its RDS engine ${engineMajor}`);
            console.log(`        Debian server ${debian.version}; program: image ${image.kind === "in-cluster" ? image.image : ""}, RDS engine ${engineMajor}; suite release ${own.version}`);
        } finally {
            await Promise.all([debian.stop(), own.stop()]);
        }
    });
});
