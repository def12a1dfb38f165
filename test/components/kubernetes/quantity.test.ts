import { strict as assert } from "assert";
import { parseQuantity, parseSparkMemory } from "../../../components/kubernetes/quantity";

describe("parseQuantity", () => {
    const cases: [unknown, number | undefined][] = [
        ["500m", 0.5],
        ["2", 2],
        ["1.5", 1.5],
        [".5", 0.5],
        ["1Ki", 1024],
        ["1Mi", 1024 ** 2],
        ["128Gi", 128 * 1024 ** 3],
        ["1.5Gi", 1.5 * 1024 ** 3],
        ["2Ti", 2 * 1024 ** 4],
        ["1k", 1000],
        ["1M", 1e6],
        ["4G", 4e9],
        ["1e3", 1000],
        ["100u", 1e-4],
        [16, 16],
        ["", undefined],
        ["4g", undefined],
        ["1GB", undefined],
        ["abc", undefined],
        [undefined, undefined],
        [{}, undefined],
    ];
    for (const [input, expected] of cases) {
        it(`${JSON.stringify(input)} → ${String(expected)}`, () => {
            const value = parseQuantity(input);
            if (expected === undefined) assert.equal(value, undefined);
            else assert.ok(value !== undefined && Math.abs(value - expected) < 1e-9 * Math.max(1, expected), `${String(value)}`);
        });
    }
    it("reads Spark memory strings for SparkApplication memory", () => {
        assert.equal(parseSparkMemory("4g"), 4 * 2 ** 30);
        assert.equal(parseSparkMemory("512m"), 512 * 2 ** 20);
        assert.equal(parseSparkMemory("512"), 512 * 2 ** 20);
        assert.equal(parseSparkMemory("2GB"), 2 * 2 ** 30);
        assert.equal(parseSparkMemory("1t"), 2 ** 40);
        assert.equal(parseSparkMemory("4Gi"), undefined);
        assert.equal(parseSparkMemory(undefined), undefined);
    });
    it("reads Spark memory strings exactly as Spark does: whole numbers, b/k/m/g/t/p with an optional b, any case", () => {
        assert.equal(parseSparkMemory(" 8G "), 8 * 2 ** 30);
        assert.equal(parseSparkMemory("100b"), 100);
        assert.equal(parseSparkMemory("4kb"), 4 * 2 ** 10);
        assert.equal(parseSparkMemory("1pb"), 2 ** 50);
        assert.equal(parseSparkMemory(2048), 2048 * 2 ** 20);
        for (const refused of ["1.5g", "4gi", "4bb", "-1g", "4 g", "g", "", "1e3", "4mib", 1.5, -1]) assert.equal(parseSparkMemory(refused), undefined, JSON.stringify(refused));
    });
    it("orders binary and decimal suffixes correctly", () => {
        assert.ok(parseQuantity("1Gi")! > parseQuantity("1G")!);
        assert.ok(parseQuantity("129Gi")! > parseQuantity("128Gi")!);
        assert.ok(parseQuantity("16001m")! > parseQuantity("16")!);
    });
});
