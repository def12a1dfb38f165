/** The delivery program (deployment/) as the tests use it: its folder and a complete, valid config. */
import * as path from "path";
import { DeliveryConfig } from "../../deployment/config";
import { repoRoot } from "../../tools/harness";

/** The delivery program's folder: its Pulumi.yaml and its stack file. */
export const deliveryDir = path.join(repoRoot, "deployment");

/** Its one stack. */
export const deliveryStack = "org";

/** A complete, valid config, as Pulumi.yaml's defaults and a stack file give it. */
export const validDeliveryConfig: DeliveryConfig = {
    organization: "example-org",
    repository: "example-org/spark-k8s-constructor",
    branch: "main",
    region: "eu-west-1",
    oidcRoleArns: {
        dev: "arn:aws:iam::111122223333:role/esc-dev",
        staging: "arn:aws:iam::111122223333:role/esc-staging",
        prod: "arn:aws:iam::444455556666:role/esc-prod",
    },
    oidcSessionName: "spark-k8s-deployments",
    oidcSessionDuration: "1h",
    driftSchedule: "0 6 * * *",
};
