import { strict as assert } from "assert";
import { serviceEndpoints } from "../../../components/config/names";
import { postgresImage, postgresPasswordSyncScript } from "../../../components/services/postgres";
import { RecordedResource } from "../../../tools/harness";
import { byName, envOf, inputs, localProgram, record, T, Workload } from "../../support/dataServices";

describe("postgres password sync", () => {
    it("reads the password from the environment, over the local socket, after a bounded wait", () => {
        const script = postgresPasswordSyncScript({ attempts: 30 });
        assert.match(script, /^\\getenv password POSTGRES_PASSWORD$/m);
        assert.match(script, /^ALTER ROLE CURRENT_USER WITH PASSWORD :'password';$/m);
        assert.match(script, /-ge 30 \]; then .*exit 0; fi/);
        assert.match(script, /exit 0$/, "a failing postStart hook would kill the container, even during initdb");
        assert.match(script, /--host \/var\/run\/postgresql/);
    });
});

describe("data services under mocks", () => {
    let local: RecordedResource[];
    before(async () => {
        local = await record(localProgram());
    });

    it("in-cluster PostgreSQL: pinned 16.x as UID 999, data on a volume claim, superuser from the admin Secret, pg_isready probes", () => {
        const sts = inputs<Workload>(byName(local, T.statefulSet, "postgres"));
        assert.equal(sts.metadata.name, serviceEndpoints.postgres.name);
        const c = sts.spec.template.spec.containers[0];
        assert.match(c.image, /^postgres:16\.\d+/);
        assert.equal(c.image, postgresImage);
        assert.equal(sts.spec.template.spec.securityContext?.runAsUser, 999);
        assert.equal(sts.spec.volumeClaimTemplates?.[0].spec.resources.requests.storage, "5Gi");
        assert.equal(sts.spec.volumeClaimTemplates?.[0].spec.storageClassName, undefined, "cluster default StorageClass");
        const env = envOf(c);
        assert.equal(env.PGDATA.value, "/var/lib/postgresql/data/pgdata");
        assert.deepEqual([env.POSTGRES_USER.valueFrom?.secretKeyRef, env.POSTGRES_PASSWORD.valueFrom?.secretKeyRef], [{ name: "postgres-admin", key: "username" }, { name: "postgres-admin", key: "password" }]);
        assert.ok(c.volumeMounts?.some((m) => m.mountPath === "/var/run/postgresql"), "socket directory writable");
        assert.match(JSON.stringify(c.readinessProbe), /pg_isready/);
        assert.match(JSON.stringify(c.livenessProbe), /pg_isready/);
    });
});
