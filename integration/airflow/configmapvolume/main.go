// Command configmapvolume writes a ConfigMap volume the way the kubelet does, with the kubelet's
// own code (k8s.io/kubernetes/pkg/volume/configmap and pkg/volume/util.AtomicWriter): the items'
// files in a hidden timestamped directory, a ..data symlink to it, and a symlink per top-level
// path. Input on stdin, JSON: {"target": dir, "configMap": ConfigMap, "source": ConfigMapVolumeSource}.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	v1 "k8s.io/api/core/v1"
	"k8s.io/kubernetes/pkg/volume/configmap"
	volumeutil "k8s.io/kubernetes/pkg/volume/util"
)

type input struct {
	Target    string                   `json:"target"`
	ConfigMap v1.ConfigMap             `json:"configMap"`
	Source    v1.ConfigMapVolumeSource `json:"source"`
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fail(err)
	}
	// The API server defaults defaultMode to 0644 (ConfigMapVolumeSourceDefaultMode).
	mode := v1.ConfigMapVolumeSourceDefaultMode
	if in.Source.DefaultMode != nil {
		mode = *in.Source.DefaultMode
	}
	payload, err := configmap.MakePayload(in.Source.Items, &in.ConfigMap, &mode, in.Source.Optional != nil && *in.Source.Optional)
	if err != nil {
		fail(err)
	}
	writer, err := volumeutil.NewAtomicWriter(in.Target, "configmap "+in.ConfigMap.Name)
	if err != nil {
		fail(err)
	}
	if err := writer.Write(payload, nil); err != nil {
		fail(err)
	}
}
