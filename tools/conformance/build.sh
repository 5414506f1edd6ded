#!/usr/bin/env bash
# Builds what the conformance run needs beside the envtest control plane, once per version, into a cache outside the
# repo: kube-controller-manager and kube-scheduler (k8s.io/kubernetes, wrapper module k8s/), kwok (wrapper module
# kwok/), the suite's own echo-basic backend (from this module's conformance dependency) and dns-responder/ (the
# stand-in for the UDPRoute test's coredns backend).
#
#   tools/conformance/build.sh            build what is missing, print the binaries directory on the last line
#   KVGW_CONFORMANCE_CACHE=/dir build.sh  cache root (default: ${XDG_CACHE_HOME:-~/.cache}/kube-vip-gw/conformance)
#
# Progress goes to stderr; the last stdout line is the directory; non-zero exit with a one-line reason otherwise.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
envtest="$here/../envtest"
# shellcheck source=../envtest/versions.env
. "$envtest/versions.env"
# shellcheck source=versions.env
. "$here/versions.env"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0

log() { printf '[conformance] %s\n' "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }
# shellcheck source=../envtest/k8s-wrapper.sh
. "$envtest/k8s-wrapper.sh"

command -v go >/dev/null || die "go is not installed (Go >= 1.26 needed)"
os_arch="$(go env GOOS)-$(go env GOARCH)"
cache_root="${KVGW_CONFORMANCE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kube-vip-gw/conformance}"
out="$cache_root/k8s-$K8S_VERSION-kwok-$KWOK_VERSION-gwapi-$GATEWAY_API_VERSION-$os_arch"
binaries=(kube-controller-manager kube-scheduler kwok echo-basic dns-responder)
have_all() { for b in "${binaries[@]}"; do [[ -x "$out/$b" ]] || return 1; done; }

if have_all; then
  log "binaries ready in $out"
  echo "$out"
  exit 0
fi
mkdir -p "$out" || die "cannot create the cache directory $out"
# One builder at a time (parallel runs or engineers share the cache); the others wait and reuse the result.
exec 9>"$cache_root/.build.lock"
if ! flock -n 9; then
  log "another build is running (lock $cache_root/.build.lock); waiting for it"
  flock 9
fi

if [[ ! -f "$here/k8s/go.mod" ]]; then
  # One wrapper module for both commands: they share every dependency.
  mkdir -p "$here/k8s"
  k8s_wrapper_module "$here/k8s" kube-vip-gw.invalid/conformance/k8s kube-controller-manager
  (cd "$here/k8s" && go get -tool "k8s.io/kubernetes/cmd/kube-scheduler@$K8S_VERSION" && go mod tidy) \
    || die "could not add kube-scheduler $K8S_VERSION to $here/k8s/go.mod"
fi
for cmd in kube-controller-manager kube-scheduler; do
  [[ -x "$out/$cmd" ]] && continue
  # Same tags and ldflags as the envtest kube-apiserver, so its Go build cache is reused.
  log "building $cmd $K8S_VERSION (warm Go build cache from kube-apiserver: under a minute; cold: several)"
  t0=$SECONDS
  (cd "$here/k8s" && go build -trimpath -tags="$K8S_BUILD_TAGS" -ldflags="-s -w $(k8s_version_ldflags)" \
    -o "$out/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd") || die "go build of $cmd $K8S_VERSION failed (output above)"
  mv "$out/$cmd.tmp" "$out/$cmd"
  log "$cmd built in $((SECONDS - t0)) s"
done

if [[ ! -x "$out/kwok" ]]; then
  mod="$here/kwok"
  if [[ ! -f "$mod/go.mod" ]]; then
    log "generating $mod/go.mod for kwok $KWOK_VERSION"
    (mkdir -p "$mod" && cd "$mod" && go mod init kube-vip-gw.invalid/conformance/kwok >/dev/null 2>&1 \
      && go get -tool "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" \
      && go mod edit -go="$(upstream_go_directive "sigs.k8s.io/kwok@$KWOK_VERSION")" \
      && go mod tidy) || die "could not resolve sigs.k8s.io/kwok@$KWOK_VERSION from the Go module proxy ($(go env GOPROXY))"
  fi
  log "building kwok $KWOK_VERSION"
  t0=$SECONDS
  (cd "$mod" && go build -trimpath -ldflags="-s -w" -o "$out/kwok.tmp" sigs.k8s.io/kwok/cmd/kwok) \
    || die "go build of kwok $KWOK_VERSION failed (output above)"
  mv "$out/kwok.tmp" "$out/kwok"
  log "kwok built in $((SECONDS - t0)) s"
fi

if [[ ! -x "$out/echo-basic" ]]; then
  log "building echo-basic from sigs.k8s.io/gateway-api/conformance@$GATEWAY_API_VERSION"
  (cd "$here" && go build -trimpath -ldflags="-s -w" -o "$out/echo-basic.tmp" sigs.k8s.io/gateway-api/conformance/echo-basic) \
    || die "go build of echo-basic failed (output above)"
  mv "$out/echo-basic.tmp" "$out/echo-basic"
fi

if [[ ! -x "$out/dns-responder" ]]; then
  log "building dns-responder"
  (cd "$here" && go build -trimpath -ldflags="-s -w" -o "$out/dns-responder.tmp" ./dns-responder) \
    || die "go build of dns-responder failed (output above)"
  mv "$out/dns-responder.tmp" "$out/dns-responder"
fi

# kwok's stage definitions (what makes a Node and a Pod Ready), from the module that was built.
kwok_dir="$(cd "$here/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
[[ -d "$kwok_dir/kustomize/stage" ]] || die "no kustomize/stage in $kwok_dir"
rm -rf "$out/stages" && cp -r "$kwok_dir/kustomize/stage" "$out/stages" && chmod -R u+w "$out/stages"

have_all || die "a binary is missing from $out after the build"
log "binaries ready in $out"
echo "$out"
