// The delivery program: Pulumi Deployments settings, drift schedules and ESC environments of the
// platform stacks (docs/deployments.md). `pulumi up` here, once, with an organization admin's token.
import { loadDeliveryConfig } from "./config";
import { createDelivery } from "./delivery";

const delivery = createDelivery(loadDeliveryConfig());

export const environments = delivery.environments;
export const deploymentStacks = delivery.deploymentStacks;
export const driftSchedules = delivery.driftSchedules;
export const oidcTrustConditions = delivery.oidcTrustConditions;
