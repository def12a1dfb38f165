import { strict as assert } from "assert";
import * as fs from "fs";
import { networkFlows } from "../../components/kubernetes/networkFlows";
import { documentedStacks, flowTableBlock, securityDoc, withFlowTable } from "../../tools/flowTable";

describe("tools/flowTable: the flow table of docs/security.md", () => {
    it("is committed as the table generates it (node -r ./tools/register.cjs tools/flowTable.ts --write)", () => {
        const doc = fs.readFileSync(securityDoc, "utf8");
        assert.equal(withFlowTable(doc), doc);
    });

    it("lists every flow of the documented stacks with its reason", () => {
        const block = flowTableBlock();
        for (const { inputs } of documentedStacks()) {
            const flows = networkFlows(inputs);
            assert.ok(flows.length > 30);
            for (const f of flows) {
                assert.ok(block.includes(`| \`${f.id}\` |`), f.id);
                assert.ok(block.includes(f.why.replace(/\|/g, "\\|")), `${f.id}: why`);
            }
        }
    });

    it("refuses a document without the markers", () => {
        assert.throws(() => withFlowTable("# Security\n"), /markers are missing/);
    });
});
