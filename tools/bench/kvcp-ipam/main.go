// Command kvcp-ipam runs the IPAM workloads of docs/benchmarks.md through kube-vip-cloud-provider's own Go
// package (github.com/kube-vip/kube-vip-cloud-provider/pkg/ipam), so its figures sit beside @kube-vip-gw/ipam's,
// and answers compatibility cases (which address would kube-vip-cloud-provider hand out?) read from stdin.
//
//	kvcp-ipam bench [-runs 5] [-quick]   one JSON object per workload on stdout
//	kvcp-ipam diff < cases.json          JSON array of answers, one per case
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/kube-vip/kube-vip-cloud-provider/pkg/config"
	"github.com/kube-vip/kube-vip-cloud-provider/pkg/ipam"
	"go4.org/netipx"
)

// mulberry32: the same small PRNG as tools/bench's TypeScript side, so both draw the same "random used" sets.
type mulberry32 struct{ a uint32 }

func (m *mulberry32) next() uint32 {
	m.a += 0x6d2b79f5
	t := m.a
	t = (t ^ (t >> 15)) * (t | 1)
	t ^= t + (t^(t>>7))*(t|61)
	return t ^ (t >> 14)
}

// randomUsed draws n distinct allocatable addresses (last octet 1..254) of 10.0.0.0/16.
func randomUsed(n int, seed uint32) []string {
	rng := &mulberry32{a: seed}
	seen := map[uint32]bool{}
	out := make([]string, 0, n)
	for len(out) < n {
		off := rng.next() % 65536
		if off&255 == 0 || off&255 == 255 || seen[off] {
			continue
		}
		seen[off] = true
		out = append(out, fmt.Sprintf("10.0.%d.%d", off>>8, off&255))
	}
	return out
}

// inUseFromStrings is what kube-vip-cloud-provider does on every allocation after listing the Services
// (provider.mapImplementedServices, unexported there): parse each annotation address and build an IPSet.
func inUseFromStrings(addrs []string) *netipx.IPSet {
	var b netipx.IPSetBuilder
	for _, s := range addrs {
		a, err := netip.ParseAddr(s)
		if err != nil {
			panic(err)
		}
		b.Add(a)
	}
	set, err := b.IPSet()
	if err != nil {
		panic(err)
	}
	return set
}

type result struct {
	Name    string  `json:"name"`
	Variant string  `json:"variant"`
	Ops     int     `json:"ops"`
	Runs    int     `json:"runs"`
	NsPerOp float64 `json:"nsPerOp"`
	Last    string  `json:"last"`
}

func median(xs []float64) float64 {
	sort.Float64s(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// sequential allocates `ops` addresses one after another from an empty pool and times the lookups alone; the
// in-use set is kept in an IPSetBuilder and re-frozen after each allocation, outside the timed part.
func sequential(name, cidr string, ops, runs int) result {
	cfg := &config.KubevipLBConfig{}
	per := make([]float64, 0, runs)
	last := ""
	for r := 0; r < runs; r++ {
		var b netipx.IPSetBuilder
		used, _ := b.IPSet()
		var spent time.Duration
		for i := 0; i < ops; i++ {
			start := time.Now()
			ip, err := ipam.FindAvailableHostFromCidr("bench-"+name, cidr, used, cfg)
			spent += time.Since(start)
			if err != nil {
				panic(err)
			}
			b.Add(netip.MustParseAddr(ip))
			used, _ = b.IPSet()
			last = ip
		}
		per = append(per, float64(spent.Nanoseconds())/float64(ops))
	}
	return result{Name: name, Variant: "search", Ops: ops, Runs: runs, NsPerOp: median(per), Last: last}
}

// withUsed allocates `ops` addresses in 10.0.0.0/16 that already holds `used` random addresses. Variant
// "search" keeps the in-use set between allocations; variant "per-allocation" rebuilds it from the address
// strings before each allocation, as kube-vip-cloud-provider does after its List of Services.
func withUsed(n, ops, runs int, rebuildEach bool) result {
	cfg := &config.KubevipLBConfig{}
	base := randomUsed(n, 42)
	per := make([]float64, 0, runs)
	last := ""
	for r := 0; r < runs; r++ {
		addrs := append([]string(nil), base...)
		var b netipx.IPSetBuilder
		for _, s := range addrs {
			b.Add(netip.MustParseAddr(s))
		}
		used, _ := b.IPSet()
		var spent time.Duration
		for i := 0; i < ops; i++ {
			start := time.Now()
			if rebuildEach {
				used = inUseFromStrings(addrs)
			}
			ip, err := ipam.FindAvailableHostFromCidr("bench-used", "10.0.0.0/16", used, cfg)
			spent += time.Since(start)
			if err != nil {
				panic(err)
			}
			addrs = append(addrs, ip)
			if !rebuildEach {
				// Keeping the set up to date is not timed: "search" is the lookup alone.
				b.Add(netip.MustParseAddr(ip))
				used, _ = b.IPSet()
			}
			last = ip
		}
		per = append(per, float64(spent.Nanoseconds())/float64(ops))
	}
	variant := "search"
	if rebuildEach {
		variant = "per-allocation"
	}
	return result{Name: fmt.Sprintf("used-%d", n), Variant: variant, Ops: ops, Runs: runs, NsPerOp: median(per), Last: last}
}

func bench(runs int, quick bool) {
	enc := json.NewEncoder(os.Stdout)
	seqOps := 1000
	if quick {
		seqOps = 200
	}
	for _, w := range []struct{ name, cidr string }{
		{"seq-/24", "10.0.0.0/24"}, {"seq-/16", "10.0.0.0/16"}, {"seq-/8", "10.0.0.0/8"}, {"seq-/120", "fd00::/120"}, {"seq-/64", "fd00::/64"},
	} {
		ops := seqOps
		if (w.name == "seq-/24" || w.name == "seq-/120") && ops > 254 {
			ops = 254
		}
		// A run is about a millisecond, so one GC pause would dominate it: many runs, and the median.
		_ = enc.Encode(sequential(w.name, w.cidr, ops, runs*3))
	}
	// 10k sequential in a /8: each allocation steps over every address handed out before (quadratic).
	if !quick {
		_ = enc.Encode(sequential("seq10k-/8", "10.0.0.0/8", 10000, 1))
	}
	for _, n := range []int{1000, 10000, 50000} {
		ops, slowOps, slowRuns := 1000, 20, 3
		if quick {
			ops, slowOps, slowRuns = 100, 5, 1
		}
		_ = enc.Encode(withUsed(n, ops, runs, false))
		// Rebuilding the in-use set costs milliseconds per allocation at 50k: fewer operations and runs.
		_ = enc.Encode(withUsed(n, slowOps, min(runs, slowRuns), true))
	}
}

type diffCase struct {
	Pool    string   `json:"pool"`
	Family  string   `json:"family"`
	Used    []string `json:"used"`
	SkipEnd bool     `json:"skipEnd"`
	Desc    bool     `json:"desc"`
}

type diffAnswer struct {
	Address string `json:"address,omitempty"`
	Error   string `json:"error,omitempty"`
}

// diff answers which address kube-vip-cloud-provider picks for each case: split the pool by family as its
// discoverVIPs does, then FindAvailableHostFromCidr / FindAvailableHostFromRange on that family's pool.
func diff() {
	var cases []diffCase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		fmt.Fprintln(os.Stderr, "reading cases:", err)
		os.Exit(2)
	}
	out := make([]diffAnswer, len(cases))
	for i, c := range cases {
		cfg := &config.KubevipLBConfig{SkipEndIPsInCIDR: c.SkipEnd, ReturnIPInDescOrder: c.Desc}
		isCidr := strings.Contains(c.Pool, "/")
		var v4, v6 string
		var err error
		if isCidr {
			v4, v6, err = ipam.SplitCIDRsByIPFamily(c.Pool)
		} else {
			v4, v6, err = ipam.SplitRangesByIPFamily(c.Pool)
		}
		if err != nil {
			out[i] = diffAnswer{Error: err.Error()}
			continue
		}
		pool := v4
		if c.Family == "IPv6" {
			pool = v6
		}
		if pool == "" {
			out[i] = diffAnswer{Error: "no pool of that family"}
			continue
		}
		used := inUseFromStrings(c.Used)
		// The package caches each pool by namespace and (a quirk) does not notice a skip-end change, so every
		// (kind, skip-end) pair gets its own namespace.
		ns := fmt.Sprintf("diff-%v-%v", isCidr, c.SkipEnd)
		var ip string
		if isCidr {
			ip, err = ipam.FindAvailableHostFromCidr(ns, pool, used, cfg)
		} else {
			ip, err = ipam.FindAvailableHostFromRange(ns, pool, used, cfg)
		}
		if err != nil {
			out[i] = diffAnswer{Error: err.Error()}
		} else {
			out[i] = diffAnswer{Address: ip}
		}
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kvcp-ipam bench [-runs N] [-quick] | kvcp-ipam diff < cases.json")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "bench":
		fs := flag.NewFlagSet("bench", flag.ExitOnError)
		runs := fs.Int("runs", 5, "runs per workload (the median is reported)")
		quick := fs.Bool("quick", false, "smaller workloads")
		_ = fs.Parse(os.Args[2:])
		fmt.Fprintf(os.Stderr, "go %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
		bench(*runs, *quick)
	case "diff":
		diff()
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", os.Args[1])
		os.Exit(2)
	}
}
