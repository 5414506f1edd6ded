// The upstream Gateway API conformance suite (sigs.k8s.io/gateway-api/conformance, the version in go.mod), run
// unmodified against the kube-vip Gateway API controller. Only the suite's options differ from upstream's own
// TestConformance: the base manifests are upstream's with the readiness opt-out on the HTTP/HTTPS Gateways (see
// l4BaseManifests). Flags are upstream's (-gateway-class, -supported-features, -report-output, ...); the cluster comes
// from KUBECONFIG. tools/conformance/run.ts starts the cluster, the controller and this test.
package suite

import (
	"bytes"
	"fmt"
	"io/fs"
	"testing"
	"testing/fstest"

	"sigs.k8s.io/gateway-api/conformance"
	"sigs.k8s.io/yaml"
)

// BaseManifestsPath is where the L4 base manifests live in their own file system. It must differ from upstream's
// base/manifests.yaml: the suite concatenates a path found in several of its file systems.
const BaseManifestsPath = "kube-vip/l4-base-manifests.yaml"

// SkipReadinessAnnotation is the suite's opt-out of NamespacesMustBeReady for one Gateway
// (utils/kubernetes/helpers.go in the suite).
const SkipReadinessAnnotation = "gateway-api/skip-this-for-readiness"

// l4BaseManifests returns upstream's base manifests with every Gateway marked skip-this-for-readiness. Upstream's
// base Gateways have only HTTP and HTTPS listeners, which an L4-only implementation reports as UnsupportedProtocol
// (Accepted=False), so Setup's readiness check could never pass; the Gateways, Services, Deployments and everything
// else stay as upstream wrote them.
func l4BaseManifests(upstream []byte) ([]byte, int, error) {
	var out bytes.Buffer
	marked := 0
	for i, doc := range bytes.Split(upstream, []byte("\n---")) {
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var obj map[string]any
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			return nil, 0, fmt.Errorf("base manifests document %d: %w", i, err)
		}
		if obj == nil {
			continue // only comments (the licence header)
		}
		if obj["kind"] == "Gateway" {
			meta, _ := obj["metadata"].(map[string]any)
			annotations, _ := meta["annotations"].(map[string]any)
			if annotations == nil {
				annotations = map[string]any{}
			}
			annotations[SkipReadinessAnnotation] = "true"
			meta["annotations"] = annotations
			marked++
		}
		rendered, err := yaml.Marshal(obj)
		if err != nil {
			return nil, 0, fmt.Errorf("base manifests document %d: %w", i, err)
		}
		out.WriteString("---\n")
		out.Write(rendered)
	}
	return out.Bytes(), marked, nil
}

func TestConformance(t *testing.T) {
	opts := conformance.DefaultOptions(t)
	upstream, err := fs.ReadFile(&conformance.Manifests, "base/manifests.yaml")
	if err != nil {
		t.Fatalf("reading upstream's base/manifests.yaml: %v", err)
	}
	base, marked, err := l4BaseManifests(upstream)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("base manifests: upstream's base/manifests.yaml with %d Gateways marked %s", marked, SkipReadinessAnnotation)
	opts.ManifestFS = append(opts.ManifestFS, fstest.MapFS{BaseManifestsPath: {Data: base}})
	opts.BaseManifests = BaseManifestsPath
	conformance.RunConformanceWithOptions(t, opts)
}
