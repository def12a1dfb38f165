/**
 * Validates Kubernetes objects against the Kubernetes OpenAPI schema, through the generated models
 * of kubernetes-models (Kubernetes 1.33 API). It checks types (a string where an integer belongs),
 * required fields, enums and formats (int32, quantities) at every depth. It cannot catch unknown
 * or misspelt fields: the OpenAPI schema does not forbid additional properties. Rules enforced only
 * by the API server's Go validation (name formats, unique container names, Pod Security) are out
 * of its reach too.
 */
import * as admissionregistrationV1 from "kubernetes-models/admissionregistration.k8s.io/v1";
import * as apiextensionsV1 from "kubernetes-models/apiextensions.k8s.io/v1";
import * as appsV1 from "kubernetes-models/apps/v1";
import * as autoscalingV1 from "kubernetes-models/autoscaling/v1";
import * as autoscalingV2 from "kubernetes-models/autoscaling/v2";
import * as batchV1 from "kubernetes-models/batch/v1";
import * as certificatesV1 from "kubernetes-models/certificates.k8s.io/v1";
import * as coordinationV1 from "kubernetes-models/coordination.k8s.io/v1";
import * as discoveryV1 from "kubernetes-models/discovery.k8s.io/v1";
import * as networkingV1 from "kubernetes-models/networking.k8s.io/v1";
import * as nodeV1 from "kubernetes-models/node.k8s.io/v1";
import * as policyV1 from "kubernetes-models/policy/v1";
import * as rbacV1 from "kubernetes-models/rbac.authorization.k8s.io/v1";
import * as schedulingV1 from "kubernetes-models/scheduling.k8s.io/v1";
import * as storageV1 from "kubernetes-models/storage.k8s.io/v1";
import * as coreV1 from "kubernetes-models/v1";

/**
 * The stable API group versions served by the Kubernetes versions the platform supports. Beta
 * and removed versions that kubernetes-models still ships (batch/v1beta1 CronJob, policy/v1beta1
 * PodSecurityPolicy...) are left out on purpose, so an object using one is reported.
 */
const groupVersions: Record<string, Record<string, unknown>> = {
    v1: coreV1,
    "apps/v1": appsV1,
    "batch/v1": batchV1,
    "autoscaling/v1": autoscalingV1,
    "autoscaling/v2": autoscalingV2,
    "policy/v1": policyV1,
    "rbac.authorization.k8s.io/v1": rbacV1,
    "networking.k8s.io/v1": networkingV1,
    "scheduling.k8s.io/v1": schedulingV1,
    "storage.k8s.io/v1": storageV1,
    "admissionregistration.k8s.io/v1": admissionregistrationV1,
    "apiextensions.k8s.io/v1": apiextensionsV1,
    "certificates.k8s.io/v1": certificatesV1,
    "coordination.k8s.io/v1": coordinationV1,
    "discovery.k8s.io/v1": discoveryV1,
    "node.k8s.io/v1": nodeV1,
};

interface ModelClass {
    new (data: unknown): { validate(): void };
    readonly apiVersion: string;
    readonly kind: string;
}

function modelFor(apiVersion: string, kind: string): ModelClass | undefined {
    const candidate = groupVersions[apiVersion]?.[kind];
    if (typeof candidate !== "function") return undefined;
    const model = candidate as Partial<ModelClass>;
    return model.apiVersion === apiVersion && model.kind === kind ? (candidate as ModelClass) : undefined;
}

/**
 * Errors of a complete Kubernetes object (apiVersion, kind, metadata, spec) against the OpenAPI
 * schema, as `"<json pointer> <message>"`; empty when it validates. An apiVersion/kind without a
 * schema here (a CRD such as SparkApplication, or a beta API) gives a "no schema" error rather
 * than passing.
 */
export function validateK8sObject(obj: unknown): string[] {
    if (typeof obj !== "object" || obj === null || Array.isArray(obj)) return ["object: not a Kubernetes object"];
    const { apiVersion, kind } = obj as { apiVersion?: unknown; kind?: unknown };
    if (typeof apiVersion !== "string" || typeof kind !== "string") return ["object: apiVersion and kind must both be strings"];
    const Model = modelFor(apiVersion, kind);
    if (!Model) return [`${apiVersion} ${kind}: no schema (a custom resource or an API version not served by Kubernetes 1.31+)`];
    try {
        new Model(obj).validate();
        return [];
    } catch (e) {
        const errors = (e as { errors?: unknown }).errors;
        if (!Array.isArray(errors)) throw e;
        return (errors as { instancePath?: string; message?: string }[]).map((err) => `${err.instancePath || "/"} ${err.message ?? "is invalid"}`);
    }
}

/**
 * API groups of custom resources the program writes whose schemas are not here; the integration
 * suite validates them against the CRDs of the pinned operator (integration/observability/crds.test.ts,
 * integration/externalSecrets/crds.test.ts).
 */
export const crdGroupsValidatedInIntegration: readonly string[] = ["monitoring.coreos.com", "external-secrets.io"];

/** A recorded resource type (kubernetes:<group>/<version>:<Kind>) this module validates: Kubernetes objects, not Helm charts or those CRDs. */
export function validatedHere(type: string): boolean {
    return type.startsWith("kubernetes:") && !type.startsWith("kubernetes:helm.sh") && !crdGroupsValidatedInIntegration.some((g) => type.startsWith(`kubernetes:${g}/`));
}
