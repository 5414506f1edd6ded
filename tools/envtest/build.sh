#!/usr/bin/env bash
# Builds kube-apiserver and etcd from the Go module proxy into a cache outside the repo, once per version.
#
#   tools/envtest/build.sh            build what is missing, print the assets directory on the last line
#   KUBEBUILDER_ASSETS=/dir build.sh  use existing binaries from /dir instead (the envtest convention)
#   KVGW_ENVTEST_CACHE=/dir build.sh  cache root (default: ${XDG_CACHE_HOME:-~/.cache}/kube-vip-gw/envtest)
#
# Contract (relied on by @kube-vip-gw/controller-runtime/envtest): progress goes to stderr, the last stdout line is
# the directory holding both executables, the exit status is non-zero with a one-line reason on stderr otherwise.
#
# k8s.io/kubernetes cannot be `go install`ed (its go.mod replaces every staging module with a local path), so each
# binary is built from a tiny wrapper module that requires it and replaces each staging module with its published
# v0.<minor>.<patch> version. The wrapper go.mod/go.sum are generated on first use and committed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "$here/versions.env"
build_tag=envtest
# shellcheck source=../lib/go-build.sh
. "$here/../lib/go-build.sh"

if [[ -n "${KUBEBUILDER_ASSETS:-}" ]]; then
  for b in kube-apiserver etcd; do
    [[ -x "$KUBEBUILDER_ASSETS/$b" ]] || die "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS has no executable $b"
  done
  echo "$KUBEBUILDER_ASSETS"
  exit 0
fi

require_go "kube-apiserver and etcd are built from the Go module proxy (Go >= 1.26 needed), or set KUBEBUILDER_ASSETS to a directory holding both binaries"
cache_root="${KVGW_ENVTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kube-vip-gw/envtest}"
assets="$cache_root/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-$os_arch"
have_binaries() { [[ -x "$assets/etcd" && -x "$assets/kube-apiserver" ]]; }

if have_binaries; then
  log "binaries ready in $assets"
  echo "$assets"
  exit 0
fi

mkdir -p "$assets" || die "cannot create the cache directory $assets"
# Parallel test runs (or two engineers) would otherwise both spend minutes compiling and race on the output files.
build_lock "$cache_root" "the control plane"

build_etcd() {
  local mod="$here/etcd"
  if [[ ! -f "$mod/go.mod" ]]; then
    log "generating $mod/go.mod for etcd $ETCD_VERSION"
    (cd "$mod" && go mod init kube-vip-gw.invalid/envtest/etcd >/dev/null 2>&1 \
      && go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION" \
      && go mod edit -go="$(upstream_go_directive "go.etcd.io/etcd/server/v3@$ETCD_VERSION")" \
      && go mod tidy) || die "could not resolve go.etcd.io/etcd/server/v3@$ETCD_VERSION from the Go module proxy ($(go env GOPROXY))"
  fi
  log "building etcd $ETCD_VERSION with $go_version (first time: about 1 minute)"
  local t0=$SECONDS
  (cd "$mod" && go build -trimpath -ldflags="-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=$ETCD_VERSION" \
    -o "$assets/etcd.tmp" go.etcd.io/etcd/server/v3) || die "go build of etcd $ETCD_VERSION failed (output above)"
  mv "$assets/etcd.tmp" "$assets/etcd"
  log "etcd built in $((SECONDS - t0)) s"
}

build_apiserver() {
  local mod="$here/kube-apiserver"
  k8s_wrapper_module "$mod" kube-vip-gw.invalid/envtest/kube-apiserver kube-apiserver
  log "building kube-apiserver $K8S_VERSION with $go_version (first time on 2 cores: about 4 minutes; later runs reuse the cache)"
  local t0=$SECONDS vf
  vf="$(k8s_version_ldflags)"
  # Progress for the long first build: go prints nothing until it finishes, so report every minute.
  start_ticker kube-apiserver "$t0"
  (cd "$mod" && go build -trimpath -tags="$K8S_BUILD_TAGS" -ldflags="-s -w $vf" \
    -o "$assets/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver) \
    || die "go build of kube-apiserver $K8S_VERSION failed (output above; it needs about 3 GB of memory and 3 GB in $(go env GOCACHE))"
  stop_ticker
  mv "$assets/kube-apiserver.tmp" "$assets/kube-apiserver"
  log "kube-apiserver built in $((SECONDS - t0)) s"
}

mkdir -p "$here/etcd" "$here/kube-apiserver"
[[ -x "$assets/etcd" ]] || build_etcd
[[ -x "$assets/kube-apiserver" ]] || build_apiserver
"$assets/kube-apiserver" --version >/dev/null 2>&1 || die "$assets/kube-apiserver does not run; delete it to rebuild"
"$assets/etcd" --version >/dev/null 2>&1 || die "$assets/etcd does not run; delete it to rebuild"
log "binaries ready in $assets"
echo "$assets"
