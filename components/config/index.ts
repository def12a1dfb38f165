export * from "./schema";
export * from "./validate";
export * from "./load";
export * from "./names";
export { tierDefaults } from "./defaults";
export { instanceShape, InstanceShape } from "./instanceTypes";
export { planSubnets, parseCidr } from "./cidr";
