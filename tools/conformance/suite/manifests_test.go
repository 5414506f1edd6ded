package suite

import (
	"bytes"
	"io/fs"
	"testing"

	"sigs.k8s.io/gateway-api/conformance"
	"sigs.k8s.io/yaml"
)

// The L4 base manifests differ from upstream's only by the readiness annotation on Gateways. Runs without a cluster:
// go test -run TestL4BaseManifests ./suite
func TestL4BaseManifests(t *testing.T) {
	upstream, err := fs.ReadFile(&conformance.Manifests, "base/manifests.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out, marked, err := l4BaseManifests(upstream)
	if err != nil {
		t.Fatal(err)
	}
	if marked < 4 {
		t.Fatalf("marked %d Gateways, want upstream's 4 (same-namespace, same-namespace-with-https-listener, all-namespaces, backend-namespaces)", marked)
	}
	if _, err := fs.ReadFile(&conformance.Manifests, BaseManifestsPath); err == nil {
		t.Fatalf("%s also exists in upstream's file system: the suite would concatenate both", BaseManifestsPath)
	}
	docs := func(b []byte) []map[string]any {
		var objs []map[string]any
		for _, d := range bytes.Split(b, []byte("\n---")) {
			var o map[string]any
			if err := yaml.Unmarshal(d, &o); err != nil {
				t.Fatal(err)
			}
			if o != nil {
				objs = append(objs, o)
			}
		}
		return objs
	}
	before, after := docs(upstream), docs(out)
	if len(before) != len(after) {
		t.Fatalf("%d objects upstream, %d after", len(before), len(after))
	}
	for i := range before {
		a, _ := yaml.Marshal(before[i])
		if after[i]["kind"] == "Gateway" {
			meta := after[i]["metadata"].(map[string]any)
			ann := meta["annotations"].(map[string]any)
			if ann[SkipReadinessAnnotation] != "true" {
				t.Errorf("Gateway %v lacks %s", meta["name"], SkipReadinessAnnotation)
			}
			delete(ann, SkipReadinessAnnotation)
			if len(ann) == 0 {
				delete(meta, "annotations")
			}
		}
		b, _ := yaml.Marshal(after[i])
		if !bytes.Equal(a, b) {
			t.Errorf("object %d differs beyond the annotation:\n%s\n---\n%s", i, a, b)
		}
	}
}
