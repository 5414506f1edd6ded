#!/usr/bin/env bash
# Builds kube-apiserver and etcd from the Go module proxy into a cache outside the repo, once per version.
#
#   tools/envtest/build.sh            build what is missing, print the assets directory on the last line
#   KUBEBUILDER_ASSETS=/dir build.sh  use existing binaries from /dir instead (the envtest convention)
#
# k8s.io/kubernetes cannot be `go install`ed (its go.mod replaces every staging module with a local path), so each
# binary is built from a tiny wrapper module that requires it and replaces each staging module with its published
# v0.<minor>.<patch> version. The wrapper go.mod/go.sum are generated on first use and committed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "$here/versions.env"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0

log() { printf '[envtest] %s\n' "$*" >&2; }

if [[ -n "${KUBEBUILDER_ASSETS:-}" ]]; then
  for b in kube-apiserver etcd; do
    [[ -x "$KUBEBUILDER_ASSETS/$b" ]] || { log "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS has no executable $b"; exit 1; }
  done
  echo "$KUBEBUILDER_ASSETS"
  exit 0
fi

command -v go >/dev/null || { log "go is not installed: the control plane is built from the Go module proxy (Go >= 1.26 needed)"; exit 1; }
os_arch="$(go env GOOS)-$(go env GOARCH)"
cache_root="${KVGW_ENVTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kube-vip-gw/envtest}"
assets="$cache_root/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-$os_arch"
mkdir -p "$assets"

build_etcd() {
  local mod="$here/etcd"
  if [[ ! -f "$mod/go.mod" ]]; then
    log "generating $mod/go.mod for etcd $ETCD_VERSION"
    (cd "$mod" && go mod init kube-vip-gw.invalid/envtest/etcd >/dev/null 2>&1 \
      && go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION" && go mod tidy)
  fi
  log "building etcd $ETCD_VERSION (first time: about 2-4 minutes)"
  local t0=$SECONDS
  (cd "$mod" && go build -trimpath -ldflags="-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=$ETCD_VERSION" \
    -o "$assets/etcd.tmp" go.etcd.io/etcd/server/v3)
  mv "$assets/etcd.tmp" "$assets/etcd"
  log "etcd built in $((SECONDS - t0)) s"
}

build_apiserver() {
  local mod="$here/kube-apiserver"
  local staging="v0.${K8S_VERSION#v1.}"
  if [[ ! -f "$mod/go.mod" ]]; then
    log "generating $mod/go.mod for kubernetes $K8S_VERSION (staging modules at $staging)"
    (
      cd "$mod"
      go mod init kube-vip-gw.invalid/envtest/kube-apiserver >/dev/null 2>&1
      local kkmod
      kkmod="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
      # Every staging module listed in k/k's own go.mod, pinned to its published version.
      for m in $(sed -n 's#^[[:space:]]*\(k8s\.io/[^ ]*\) => \./staging/.*#\1#p' "$kkmod"); do
        go mod edit -replace="$m=$m@$staging"
      done
      # Mirror upstream's GODEBUG defaults, which a wrapper module does not inherit.
      local gd
      gd="$(sed -n 's/^godebug \(.*\)$/\1/p' "$kkmod" | head -1)"
      [[ -n "$gd" ]] && go mod edit -godebug="$gd"
      go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION"
      go mod tidy
    )
  fi
  log "building kube-apiserver $K8S_VERSION (first time on 2 cores: 10-25 minutes; later runs reuse the cache)"
  local minor t0=$SECONDS vf=""
  minor="$(echo "$K8S_VERSION" | cut -d. -f2)"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    vf="$vf -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  # Progress for the long first build: go prints nothing until it finishes, so report every minute.
  ( while sleep 60; do log "... still building kube-apiserver ($((SECONDS - t0)) s)"; done ) &
  local ticker=$!
  trap 'kill $ticker 2>/dev/null || true' RETURN
  (cd "$mod" && go build -trimpath -tags=selinux,notest,grpcnotrace -ldflags="-s -w $vf" \
    -o "$assets/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver)
  mv "$assets/kube-apiserver.tmp" "$assets/kube-apiserver"
  log "kube-apiserver built in $((SECONDS - t0)) s"
}

mkdir -p "$here/etcd" "$here/kube-apiserver"
[[ -x "$assets/etcd" ]] || build_etcd
[[ -x "$assets/kube-apiserver" ]] || build_apiserver
log "binaries ready in $assets"
echo "$assets"
