/**
 * dynamic-allocation-needs-shuffle: dynamic allocation on Kubernetes removes idle executors; without
 * shuffle tracking (or an external shuffle service) it removes executors whose shuffle files later
 * stages still need, and those stages fail or recompute. Spark on Kubernetes has no external shuffle
 * service out of the box, so shuffle tracking is the usual answer.
 *
 * Applies to spark-defaults.conf in ConfigMaps whose spark.master is k8s://…, and to every
 * SparkApplication (the operator always runs on Kubernetes), where dynamic allocation is on through
 * spec.dynamicAllocation.enabled or sparkConf. The operator's dynamicAllocation.shuffleTrackingEnabled
 * counts when set to true; the rule asks for it to be explicit.
 */
import { enforcement, PlatformResourceRule } from "../lib/rule";
import { sparkApplicationSpec, sparkConfOf, sparkDefaultsOf, types } from "./common";
import { asRecord, booleanOf, describeResource, known } from "../lib/props";

const keys = {
    enabled: "spark.dynamicAllocation.enabled",
    shuffleTracking: "spark.dynamicAllocation.shuffleTracking.enabled",
    shuffleService: "spark.shuffle.service.enabled",
} as const;

export const dynamicAllocationNeedsShuffle: PlatformResourceRule = {
    kind: "resource",
    family: "spark",
    name: "dynamic-allocation-needs-shuffle",
    description: "Dynamic allocation on Kubernetes comes with shuffle tracking or an external shuffle service.",
    severity: "medium",
    remediation:
        `Set ${keys.shuffleTracking}=true (SparkApplication: spec.dynamicAllocation.shuffleTrackingEnabled: true or the sparkConf key) ` +
        `wherever ${keys.enabled}=true, or run an external shuffle service and set ${keys.shuffleService}=true.`,
    defaultEnforcement: enforcement.core,
    validateResource: (args, report) => {
        const props = args.props;
        known(() => {
            const resource = describeResource(args.type, args.name, props);
            const app = sparkApplicationSpec(args.type, props);
            if (app) {
                const conf = sparkConfOf(app.spec);
                const da = asRecord(app.spec.dynamicAllocation) ?? {};
                const enabledField = booleanOf(da.enabled);
                const enabled = enabledField ?? booleanOf(conf[keys.enabled]);
                if (!enabled) return;
                const tracking = booleanOf(da.shuffleTrackingEnabled) ?? booleanOf(conf[keys.shuffleTracking]);
                if (tracking || booleanOf(conf[keys.shuffleService])) return;
                const via = enabledField ? `${app.path}.dynamicAllocation.enabled` : `${app.path}.sparkConf["${keys.enabled}"]`;
                report(
                    `${resource}: ${via} is true but neither ${app.path}.dynamicAllocation.shuffleTrackingEnabled / sparkConf["${keys.shuffleTracking}"] ` +
                        `nor sparkConf["${keys.shuffleService}"] is true; executors holding shuffle data would be removed.`,
                );
                return;
            }
            if (args.type !== types.configMap) return;
            const conf = sparkDefaultsOf(props)?.conf;
            if (!conf || !booleanOf(conf[keys.enabled])) return;
            const master = conf["spark.master"];
            if (typeof master !== "string" || !master.trim().startsWith("k8s://")) return;
            if (booleanOf(conf[keys.shuffleTracking]) || booleanOf(conf[keys.shuffleService])) return;
            report(
                `${resource} data.spark-defaults.conf: ${keys.enabled} is true with spark.master ${master} but neither ${keys.shuffleTracking} ` +
                    `nor ${keys.shuffleService} is true; executors holding shuffle data would be removed.`,
            );
        });
    },
};
