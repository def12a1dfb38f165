/**
 * Complete fake arguments for rule validations; the builders live in tools/policyArgs.ts, where
 * the offline policy check uses them too.
 */
export { FakeResource, NotApplicable, resourceArgs, stackArgs, violations } from "../../tools/policyArgs";
