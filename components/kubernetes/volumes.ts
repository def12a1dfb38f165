import * as k8s from "@pulumi/kubernetes";

/** A ReadWriteOnce claim template for a StatefulSet; the cluster's default StorageClass unless one is named. */
export function volumeClaimTemplate(a: {
    name: string;
    storageGiB: number;
    storageClassName?: string;
    labels?: Record<string, string>;
}): k8s.types.input.core.v1.PersistentVolumeClaim {
    return {
        metadata: { name: a.name, ...(a.labels ? { labels: a.labels } : {}) },
        spec: {
            accessModes: ["ReadWriteOnce"],
            ...(a.storageClassName ? { storageClassName: a.storageClassName } : {}),
            resources: { requests: { storage: `${a.storageGiB}Gi` } },
        },
    };
}
