import { strict as assert } from "assert";
import { parse } from "yaml";
import { serviceIdentities } from "../../components/config/names";
import { postgresClientImage } from "../../components/services/backups";
import { validateK8sObject } from "../support/k8sSchema";
import { restoreCommand } from "../../tools/restore";

type Job = { kind: string; metadata: { name: string; namespace: string }; spec: { template: { spec: { serviceAccountName: string; nodeSelector?: Record<string, string>; initContainers: { env: { name: string; value?: string }[] }[]; containers: { image: string; env: { name: string }[] }[] } } } };

describe("tools/restore", () => {
    const dump = "postgres/metastore/20261205T020000Z.dump";

    it("prints a valid restore Job for a stack's dump, on its system nodes, as the restore identity", () => {
        const r = restoreCommand(["--stack", "prod", "--database", "metastore", "--dump", dump]);
        assert.equal(r.code, 0, r.stderr);
        const job = parse(r.stdout) as Job;
        assert.deepEqual(validateK8sObject(job), []);
        assert.equal(job.kind, "Job");
        assert.equal(job.metadata.name, "database-restore-metastore-20261205t020000z");
        const pod = job.spec.template.spec;
        assert.equal(pod.serviceAccountName, serviceIdentities.databaseRestore.serviceAccount);
        assert.deepEqual(Object.values(pod.nodeSelector ?? {}), ["system"]);
        assert.equal(pod.containers[0].image, postgresClientImage);
        assert.equal(pod.initContainers[0].env.find((e) => e.name === "RESTORE_DUMP_KEY")?.value, dump);
        assert.ok(!pod.initContainers[0].env.some((e) => e.name === "AWS_ACCESS_KEY_ID"), "Pod Identity on AWS");
    });

    it("gives the download the MinIO credentials on local, and no node selector", () => {
        const r = restoreCommand(["--stack", "local", "--database", "metastore", "--dump", dump]);
        assert.equal(r.code, 0, r.stderr);
        const pod = (parse(r.stdout) as Job).spec.template.spec;
        assert.ok(pod.initContainers[0].env.some((e) => e.name === "AWS_ACCESS_KEY_ID"));
        assert.equal(pod.nodeSelector, undefined);
    });

    it("refuses a dump of another database, a database the stack lacks, and missing flags", () => {
        const other = restoreCommand(["--stack", "prod", "--database", "airflow", "--dump", dump]);
        assert.equal(other.code, 1);
        assert.match(other.stderr, /not a dump of database airflow/);
        assert.match(restoreCommand(["--stack", "local", "--database", "airflow", "--dump", "postgres/airflow/20261205T020000Z.dump"]).stderr, /does not run Airflow/);
        assert.match(restoreCommand(["--stack", "prod", "--database", "users", "--dump", dump]).stderr, /unknown database/);
        assert.equal(restoreCommand(["--stack", "prod", "--database", "metastore"]).code, 2);
        assert.equal(restoreCommand(["--stack", "nope", "--database", "metastore", "--dump", dump]).code, 1);
    });
});
