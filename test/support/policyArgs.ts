/**
 * Complete fake arguments for rule validations; the builders live in tools/policyArgs.ts, where
 * the offline policy check uses them too. Beside them, the preview's unknown values as the
 * analyzer hands them to a rule.
 */
import * as policy from "@pulumi/policy";

export { FakeResource, NotApplicable, resourceArgs, stackArgs, violations } from "../../tools/policyArgs";

/** The sentinel @pulumi/policy puts where a string is unknown during preview. */
export const unknownString = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/**
 * Props as the analyzer hands them over: reading an unknown value throws UnknownValueError. The
 * analyzer's wrapper, which @pulumi/policy 1.21 exports without typings.
 */
export const unknownCheckingProxy = (policy as unknown as { unknownCheckingProxy: <T extends object>(props: T) => T }).unknownCheckingProxy;
