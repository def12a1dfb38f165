/** The Iceberg REST catalog the suite runs (upstream's RESTCatalogServer at ICEBERG_VERSION) on the local S3 server. */
import { strict as assert } from "assert";
import { IcebergRestCatalog, startIcebergRestCatalog } from "../support/icebergRest";
import { versionsEnv } from "../support/metastore";
import { LocalS3, startLocalS3 } from "../support/s3";

describe("Iceberg REST catalog, for real", function () {
    this.timeout(20 * 60 * 1000);
    let s3: LocalS3;
    let catalog: IcebergRestCatalog;
    const json = async (path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
        const res = await fetch(`${catalog.uri}${path}`, body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    before(async function () {
        s3 = await startLocalS3();
        catalog = await startIcebergRestCatalog({ s3, warehouse: "s3://it-lake/warehouse" });
    });
    after(async () => {
        await catalog?.stop();
        await s3?.stop();
    });

    it("runs ICEBERG_VERSION from images/versions.env and answers GET /v1/config", async function () {
        assert.equal(catalog.version, versionsEnv().get("ICEBERG_VERSION"));
        const config = await json("/v1/config");
        assert.equal(config.status, 200);
        assert.ok(Array.isArray(config.body.endpoints) && (config.body.endpoints as string[]).includes("POST /v1/{prefix}/namespaces/{namespace}/tables"), JSON.stringify(config.body));
    });

    it("creates a namespace and a table, writing the table's metadata into the warehouse on S3", async function () {
        const ns = await json("/v1/namespaces", { namespace: ["it"], properties: {} });
        assert.equal(ns.status, 200, JSON.stringify(ns.body));
        const table = await json("/v1/namespaces/it/tables", { name: "t1", schema: { type: "struct", "schema-id": 0, fields: [{ id: 1, name: "id", required: false, type: "long" }] } });
        assert.equal(table.status, 200, JSON.stringify(table.body));
        const location = String(table.body["metadata-location"]);
        assert.match(location, /^s3:\/\/it-lake\/warehouse\/it\/t1\/metadata\/.*\.metadata\.json$/);
        assert.ok(s3.listKeys("it-lake").includes(location.replace("s3://it-lake/", "")), `${location} is not in the local S3 server`);
    });

    it("answers concurrent requests from the same catalog (one SQLite connection: a second one would open an empty database)", async function () {
        const results = await Promise.all(Array.from({ length: 16 }, () => json("/v1/namespaces/it/tables/t1")));
        const failed = results.filter((r) => r.status !== 200);
        assert.deepEqual(failed.map((r) => r.status), [], JSON.stringify(failed.map((r) => r.body)));
    });
});
