import { strict as assert } from "assert";
import { postNodeAddons, preNodeAddons } from "../../../components/aws/eksCluster";
import { defaultKubernetesVersion, karpenterKubernetesVersions, kubernetesReleases, kubernetesReleasesReviewedOn, kubernetesVersions } from "../../../components/config/kubernetesReleases";
import { tierDefaults } from "../../../components/config";
import { problems } from "../../support/config";

describe("Kubernetes releases on EKS", () => {
    it("defaults every AWS tier to the newest version, which is in standard support on the day the table was reviewed", () => {
        const newest = [...kubernetesVersions].sort((a, b) => Number(a.split(".")[1]) - Number(b.split(".")[1])).pop();
        assert.equal(defaultKubernetesVersion, newest);
        assert.ok(kubernetesReleases[defaultKubernetesVersion].standardSupportEnds > kubernetesReleasesReviewedOn, "the default left standard support");
        for (const tier of ["dev", "staging", "prod"] as const) assert.equal(tierDefaults(tier).cluster.kubernetesVersion, defaultKubernetesVersion, tier);
    });

    it("names only accepted versions as Karpenter's, the default among them, and refuses Karpenter on any other", () => {
        for (const version of karpenterKubernetesVersions) assert.ok((kubernetesVersions as readonly string[]).includes(version), version);
        assert.ok(karpenterKubernetesVersions.includes(defaultKubernetesVersion), "Karpenter stacks run on the default version");
        for (const version of kubernetesVersions) {
            const found = problems({ cluster: { kubernetesVersion: version, nodeProvisioner: "karpenter" } });
            const refused = found.some((p) => p.startsWith('cluster.nodeProvisioner: "karpenter" is not allowed; expected "cluster-autoscaler" on Kubernetes'));
            assert.equal(refused, !karpenterKubernetesVersions.includes(version), `${version}: ${found.join("; ")}`);
        }
    });

    it("has, for every accepted version, each add-on the cluster installs, kube-proxy and the autoscaler of the same minor", () => {
        const installed = [...Object.keys(preNodeAddons), ...Object.keys(postNodeAddons)].sort();
        for (const version of kubernetesVersions) {
            const release = kubernetesReleases[version];
            assert.deepEqual(Object.keys(release.addons).sort(), installed, version);
            for (const [name, v] of Object.entries(release.addons)) assert.match(v, /^v\d+\.\d+\.\d+-eksbuild\.\d+$/, `${version} ${name}`);
            assert.ok(release.addons.kubeProxy.startsWith(`v${version}.`), `${version}: kube-proxy ${release.addons.kubeProxy}`);
            assert.match(release.clusterAutoscalerImageTag, new RegExp(`^v${version.replace(".", "\\.")}\\.\\d+$`), version);
            assert.match(release.standardSupportEnds, /^\d{4}-\d{2}-\d{2}$/);
        }
    });
});
