import { strict as assert } from "assert";
import { airflowHealthVerdict, smokePodName } from "../../../tools/smoke/run";

describe("tools/smoke/run", () => {
    it("Airflow's /api/v2/monitor/health: healthy only when the metadatabase, the scheduler and every reported component are", () => {
        const body = (scheduler: string | null, triggerer: string | null = "healthy") =>
            JSON.stringify({ metadatabase: { status: "healthy" }, scheduler: { status: scheduler, latest_scheduler_heartbeat: "2026-12-05T06:00:00+00:00" }, triggerer: { status: triggerer, latest_triggerer_heartbeat: null }, dag_processor: { status: null, latest_dag_processor_heartbeat: null } });
        assert.deepEqual(airflowHealthVerdict(body("healthy")), { ok: true, detail: "metadatabase healthy, scheduler healthy, triggerer healthy, dag_processor unknown" });
        assert.deepEqual(airflowHealthVerdict(body("unhealthy")), { ok: false, detail: "scheduler unhealthy" });
        assert.deepEqual(airflowHealthVerdict(body(null)), { ok: false, detail: "scheduler unknown" });
        assert.deepEqual(airflowHealthVerdict(body("healthy", "unhealthy")), { ok: false, detail: "triggerer unhealthy" });
        assert.equal(airflowHealthVerdict(JSON.stringify({ scheduler: { status: "healthy" } })).detail, "metadatabase not reported");
        assert.equal(airflowHealthVerdict("<html>").ok, false);
    });

    it("pod names are DNS-1123 labels under 63 characters, distinct per run", () => {
        const name = smokePodName("Connect 4.1 standalone / with a very long description of what it checks", () => 0.123);
        assert.match(name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        assert.ok(name.length <= 63, name);
        assert.notEqual(smokePodName("connect-41", () => 0.1), smokePodName("connect-41", () => 0.2));
    });
});
