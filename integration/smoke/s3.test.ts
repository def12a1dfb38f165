import { strict as assert } from "assert";
import { LocalS3, startLocalS3 } from "../support/s3";

describe("integration support: the local S3 server", function () {
    let s3: LocalS3;
    before(async function () {
        s3 = await startLocalS3();
    });
    after(async () => s3?.stop());

    it("starts empty and keeps what is put in it", function () {
        assert.deepEqual(s3.listBuckets(), []);
        s3.createBucket("it-bucket");
        s3.putObject("it-bucket", "a/b.txt", "x");
        assert.deepEqual(s3.listKeys("it-bucket"), ["a/b.txt"]);
    });
});
