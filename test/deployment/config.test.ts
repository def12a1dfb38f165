import { strict as assert } from "assert";
import { ConfigError } from "../../components/config";
import { durationSeconds, isCronExpression, platformStacks, resolveDeliveryConfig } from "../../deployment/config";
import { validDeliveryConfig } from "../support/delivery";

/** The problems the delivery config's validation reports, or [] when it is valid. */
function problems(raw: Record<string, unknown>): string[] {
    try {
        resolveDeliveryConfig(raw);
        return [];
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
        return err.problems.map((p) => p.message);
    }
}

describe("delivery config", () => {
    it("platform stacks are the AWS tiers, in promotion order", () => {
        assert.deepEqual(platformStacks, ["dev", "staging", "prod"]);
    });

    it("accepts a complete config and returns it typed", () => {
        assert.deepEqual(resolveDeliveryConfig({ ...validDeliveryConfig }), validDeliveryConfig);
    });

    it("names the key, the value and what is allowed, every problem at once", () => {
        const found = problems({
            ...validDeliveryConfig,
            organization: "Example-Org",
            repository: "spark-k8s-constructor",
            branch: "feature..x",
            region: "europe",
            oidcSessionDuration: "5m",
            driftSchedule: "daily",
        });
        assert.deepEqual(found, [
            `organization: "Example-Org" is not allowed; expected a Pulumi organization name as in app.pulumi.com/<organization> (lower-case letters, digits, '.', '_' or '-')`,
            'repository: "spark-k8s-constructor" is not allowed; expected a GitHub repository as owner/name, such as example-org/spark-k8s-constructor',
            'branch: "feature..x" is not allowed; expected a git branch name such as main',
            'region: "europe" is not allowed; expected an AWS region such as eu-west-1',
            'oidcSessionDuration: "5m" is not allowed; expected a duration from 15m to 12h, such as 1h or 45m',
            'driftSchedule: "daily" is not allowed; expected a five-field cron expression (minute hour day-of-month month day-of-week, UTC) such as "0 6 * * *"',
        ]);
    });

    it("requires a role per platform stack, refuses unknown stacks and suggests near misses for unknown keys", () => {
        const found = problems({ ...validDeliveryConfig, oidcRoleArns: { dev: validDeliveryConfig.oidcRoleArns.dev, stagin: "x", prod: "arn:aws:iam::1:role/short-account" }, organisation: "x" });
        assert.ok(found.includes("oidcRoleArns.staging: (unset) is not allowed; expected an IAM role ARN such as arn:aws:iam::123456789012:role/platform-admin"), found.join("\n"));
        assert.ok(found.includes('oidcRoleArns.prod: "arn:aws:iam::1:role/short-account" is not allowed; expected an IAM role ARN such as arn:aws:iam::123456789012:role/platform-admin'), found.join("\n"));
        assert.ok(found.some((p) => /^oidcRoleArns\.stagin: unknown key \(did you mean staging\?\); expected one of: dev, staging, prod$/.test(p)), found.join("\n"));
        assert.ok(found.some((p) => /^organisation: unknown key \(did you mean organization\?\)/.test(p)), found.join("\n"));
    });

    it("refuses a prod role shared with dev or staging, naming which", () => {
        const shared = validDeliveryConfig.oidcRoleArns.staging;
        assert.deepEqual(problems({ ...validDeliveryConfig, oidcRoleArns: { ...validDeliveryConfig.oidcRoleArns, prod: shared } }), [
            `oidcRoleArns.prod: "${shared}" is not allowed; expected a role of prod's own; staging assumes the same role`,
        ]);
        // dev and staging may share one.
        assert.deepEqual(problems({ ...validDeliveryConfig, oidcRoleArns: { ...validDeliveryConfig.oidcRoleArns, staging: validDeliveryConfig.oidcRoleArns.dev } }), []);
    });

    it("reports a missing organization and a mistyped role list", () => {
        const found = problems({ ...validDeliveryConfig, organization: undefined, oidcRoleArns: "arn:aws:iam::111122223333:role/esc" });
        assert.ok(found.some((p) => p.startsWith("organization: (unset) is not allowed; expected a Pulumi organization name")), found.join("\n"));
        assert.ok(found.some((p) => p.startsWith('oidcRoleArns: "arn:aws:iam::111122223333:role/esc" is not allowed; expected an object with keys dev, staging, prod')), found.join("\n"));
    });

    it("durations and cron expressions as Pulumi Cloud takes them", () => {
        assert.equal(durationSeconds("1h"), 3600);
        assert.equal(durationSeconds("1h30m"), 5400);
        assert.equal(durationSeconds("900s"), 900);
        for (const bad of ["", "1d", "h", "1.5h", "30"]) assert.equal(durationSeconds(bad), undefined, bad);
        for (const good of ["0 6 * * *", "*/30 * * * *", "0 2 * * 1-5", "15 3,15 1 */2 0", "0 0 * * 7"]) assert.ok(isCronExpression(good), good);
        for (const bad of ["0 6 * *", "60 6 * * *", "0 24 * * *", "0 6 0 * *", "0 6 * 13 *", "0 6 * * 8", "5-1 * * * *", "*/0 * * * *", "@daily", "0 6 * * MON"]) {
            assert.ok(!isCronExpression(bad), bad);
        }
    });
});
