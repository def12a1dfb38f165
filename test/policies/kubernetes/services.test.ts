import { noPublicServices } from "../../../policies/kubernetes/services";
import { FakeResource } from "../../support/policyArgs";
import { expectNone, expectOne } from "../../support/policies/kubernetes";

describe("policies/kubernetes", () => {
    describe("config", () => {
        it("allowPublicServices (default [])", async () => {
            const service = (type: string, name?: string): FakeResource => ({
                type: "kubernetes:core/v1:Service",
                name: "ingress",
                props: { metadata: { ...(name ? { name } : {}), namespace: "ingress" }, spec: { type, ports: [{ port: 443 }] } },
            });
            await expectNone(noPublicServices, service("ClusterIP", "ingress-nginx"));
            await expectNone(noPublicServices, { type: "kubernetes:core/v1:Service", name: "svc", props: {} });
            await expectOne(noPublicServices, service("LoadBalancer", "ingress-nginx"), /^Service ingress \(namespace ingress\): spec\.type is LoadBalancer, which exposes "ingress-nginx"/);
            await expectOne(noPublicServices, service("NodePort", "ingress-nginx"), /spec\.type is NodePort/);
            await expectNone(noPublicServices, service("LoadBalancer", "ingress-nginx"), { allowPublicServices: ["ingress-nginx"] });
            await expectOne(noPublicServices, service("LoadBalancer", "other"), /"other"/, { allowPublicServices: ["ingress-nginx"] });
            // auto-named: the Pulumi resource name is matched
            await expectNone(noPublicServices, service("LoadBalancer"), { allowPublicServices: ["ingress"] });
        });
    });
});
