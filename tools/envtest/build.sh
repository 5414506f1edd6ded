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
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0

log() { printf '[envtest] %s\n' "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }
ticker=""
# Stops the progress ticker and its sleep, so no process outlives the build (or a failed one).
stop_ticker() {
  [[ -n "$ticker" ]] || return 0
  pkill -P "$ticker" 2>/dev/null || true
  kill "$ticker" 2>/dev/null || true
  ticker=""
}
trap stop_ticker EXIT
# The `go` directive of a module's own go.mod on the proxy (the wrapper copies it instead of the local patch release
# that `go mod init` would write, which would make older Go 1.26.x toolchains refuse the wrapper).
upstream_go_directive() {
  local gomod
  gomod="$(go mod download -json "$1" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  [[ -n "$gomod" ]] && sed -n 's/^go \(.*\)$/\1/p' "$gomod" | head -1
}

if [[ -n "${KUBEBUILDER_ASSETS:-}" ]]; then
  for b in kube-apiserver etcd; do
    [[ -x "$KUBEBUILDER_ASSETS/$b" ]] || die "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS has no executable $b"
  done
  echo "$KUBEBUILDER_ASSETS"
  exit 0
fi

command -v go >/dev/null \
  || die "go is not installed: kube-apiserver and etcd are built from the Go module proxy (Go >= 1.26 needed), or set KUBEBUILDER_ASSETS to a directory holding both binaries"
go_version="$(go env GOVERSION)"
if [[ ! "$go_version" =~ ^go1\.([0-9]+) ]] || (( BASH_REMATCH[1] < 26 )); then
  die "$go_version is too old: kubernetes $K8S_VERSION needs Go >= 1.26 (GOTOOLCHAIN=local: no toolchain download)"
fi
os_arch="$(go env GOOS)-$(go env GOARCH)"
cache_root="${KVGW_ENVTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kube-vip-gw/envtest}"
assets="$cache_root/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-$os_arch"
have_binaries() { [[ -x "$assets/etcd" && -x "$assets/kube-apiserver" ]]; }

if have_binaries; then
  log "binaries ready in $assets"
  echo "$assets"
  exit 0
fi

mkdir -p "$assets" || die "cannot create the cache directory $assets"
# One builder at a time: parallel test runs (or two engineers) calling this together would otherwise both spend
# minutes compiling and race on the output files. The others wait and then reuse the result.
if command -v flock >/dev/null; then
  exec 9>"$cache_root/.build.lock"
  if ! flock -n 9; then
    log "another build of the control plane is running (lock $cache_root/.build.lock); waiting for it"
    flock 9
  fi
else
  log "flock not found: not guarding against concurrent builds"
fi

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
  local staging="v0.${K8S_VERSION#v1.}"
  if [[ ! -f "$mod/go.mod" ]]; then
    log "generating $mod/go.mod for kubernetes $K8S_VERSION (staging modules at $staging)"
    (
      set -e
      cd "$mod"
      go mod init kube-vip-gw.invalid/envtest/kube-apiserver >/dev/null 2>&1
      local kkmod
      kkmod="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
      [[ -n "$kkmod" ]]
      # Every staging module listed in k/k's own go.mod, pinned to its published version.
      for m in $(sed -n 's#^[[:space:]]*\(k8s\.io/[^ ]*\) => \./staging/.*#\1#p' "$kkmod"); do
        go mod edit -replace="$m=$m@$staging"
      done
      # Mirror upstream's go and GODEBUG defaults, which a wrapper module does not inherit.
      go mod edit -go="$(upstream_go_directive "k8s.io/kubernetes@$K8S_VERSION")"
      local gd
      gd="$(sed -n 's/^godebug \(.*\)$/\1/p' "$kkmod" | head -1)"
      [[ -n "$gd" ]] && go mod edit -godebug="$gd"
      go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION"
      go mod tidy
    ) || die "could not resolve k8s.io/kubernetes@$K8S_VERSION and its staging modules at $staging from the Go module proxy ($(go env GOPROXY))"
  fi
  log "building kube-apiserver $K8S_VERSION with $go_version (first time on 2 cores: about 4 minutes; later runs reuse the cache)"
  local minor t0=$SECONDS vf=""
  minor="$(echo "$K8S_VERSION" | cut -d. -f2)"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    vf="$vf -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  # Progress for the long first build: go prints nothing until it finishes, so report every minute.
  ( while sleep 60; do log "... still building kube-apiserver ($((SECONDS - t0)) s)"; done ) &
  ticker=$!
  (cd "$mod" && go build -trimpath -tags=selinux,notest,grpcnotrace -ldflags="-s -w $vf" \
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
