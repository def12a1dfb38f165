import { namespacesPodSecurityLabels } from "../../../policies/kubernetes/namespaces";
import { FakeResource } from "../../support/policyArgs";
import { expectNone, expectOne, Obj } from "../../support/policies/kubernetes";

describe("policies/kubernetes", () => {
    describe("cluster object rules", () => {
        it("namespaces-pod-security-labels", async () => {
            const ns = (name: string, labels?: Obj, annotations?: Obj): FakeResource => ({ type: "kubernetes:core/v1:Namespace", name, props: { metadata: { name, labels, annotations } } });
            const enforce = "pod-security.kubernetes.io/enforce";
            await expectNone(namespacesPodSecurityLabels, ns("spark-jobs", { [enforce]: "restricted" }));
            await expectNone(namespacesPodSecurityLabels, ns("airflow", { [enforce]: "baseline" }));
            await expectNone(namespacesPodSecurityLabels, ns("gpu-operator", { [enforce]: "privileged" }, { "spark-k8s/pod-security-exemption": "device plugin needs the kubelet socket" }));
            await expectOne(namespacesPodSecurityLabels, ns("gpu-operator", { [enforce]: "privileged" }), /^Namespace gpu-operator: .*privileged without the spark-k8s\/pod-security-exemption annotation/);
            await expectOne(namespacesPodSecurityLabels, ns("spark-jobs"), /pod-security\.kubernetes\.io\/enforce"\] is missing/);
            await expectOne(namespacesPodSecurityLabels, ns("spark-jobs", { [enforce]: "strict" }), /"strict"; use restricted or baseline/);
            for (const system of ["kube-system", "kube-public", "kube-node-lease", "default"]) await expectNone(namespacesPodSecurityLabels, ns(system));
            await expectNone(namespacesPodSecurityLabels, { type: "kubernetes:core/v1:ConfigMap", props: { metadata: { name: "x" } } });
        });
    });
});
