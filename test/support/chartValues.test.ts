import { strict as assert } from "assert";
import { sparkOperatorValues } from "../../components/services/sparkOperator";
import { at, hardeningProblems, Obj } from "./chartValues";

function clone<T>(value: T): T {
    return JSON.parse(JSON.stringify(value)) as T;
}

describe("hardeningProblems", () => {
    it("the hardening checker catches each kind of gap", () => {
        const good = sparkOperatorValues({ namespace: "spark-operator", jobNamespaces: ["spark-jobs"], nodeGroups: true });
        assert.deepEqual(hardeningProblems(good), []);
        const breakages: [string, (v: Obj) => void][] = [
            ["no memory limit", (v) => delete (at(v, "webhook.resources") as Obj).limits],
            ["no CPU request", (v) => delete (at(v, "controller.resources.requests") as Obj).cpu],
            ["escalation", (v) => ((at(v, "controller.securityContext") as Obj).allowPrivilegeEscalation = true)],
            ["root", (v) => ((at(v, "webhook.podSecurityContext") as Obj).runAsNonRoot = false)],
            ["capabilities", (v) => ((at(v, "webhook.securityContext") as Obj).capabilities = { drop: [] })],
            ["seccomp", (v) => delete (at(v, "controller.securityContext") as Obj).seccompProfile],
            ["uid 0", (v) => ((at(v, "controller.podSecurityContext") as Obj).runAsUser = 0)],
        ];
        for (const [what, breakIt] of breakages) {
            const values = clone(good);
            breakIt(values);
            assert.notDeepEqual(hardeningProblems(values), [], what);
        }
    });
});
