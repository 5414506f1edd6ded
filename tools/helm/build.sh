#!/usr/bin/env bash
# Builds the helm binary from the Go module proxy (helm.sh/helm/v4) into a cache outside the repo, once per version.
#
#   tools/helm/build.sh              build it when missing, print the path of the executable on the last line
#   KVGW_HELM=/path/helm build.sh    use that helm instead (checked to run, no build)
#   KVGW_HELM_CACHE=/dir build.sh    cache root (default: ${XDG_CACHE_HOME:-~/.cache}/kube-vip-gw)
#
# Same contract as tools/envtest/build.sh: progress goes to stderr, the last stdout line is the executable, the exit
# status is non-zero with one line "[helm] FAILED: <reason>" on stderr otherwise.
#
# helm is built from a wrapper module (go.mod + go.sum committed, no Go code) that requires helm.sh/helm/v4 as a tool;
# helm's go.mod has no replace directives, so its published dependency versions are the ones built.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "$here/versions.env"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0

log() { printf '[helm] %s\n' "$*" >&2; }
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

if [[ -n "${KVGW_HELM:-}" ]]; then
  [[ -x "$KVGW_HELM" ]] || die "KVGW_HELM=$KVGW_HELM is not an executable"
  "$KVGW_HELM" version --short >/dev/null 2>&1 || die "KVGW_HELM=$KVGW_HELM does not run (\`$KVGW_HELM version\` failed)"
  echo "$KVGW_HELM"
  exit 0
fi

command -v go >/dev/null \
  || die "go is not installed: helm is built from the Go module proxy (Go >= 1.25 needed), or set KVGW_HELM to a helm $HELM_VERSION executable"
go_version="$(go env GOVERSION)"
if [[ ! "$go_version" =~ ^go1\.([0-9]+) ]] || (( BASH_REMATCH[1] < 25 )); then
  die "$go_version is too old: helm $HELM_VERSION needs Go >= 1.25 (GOTOOLCHAIN=local: no toolchain download)"
fi
os_arch="$(go env GOOS)-$(go env GOARCH)"
cache_root="${KVGW_HELM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kube-vip-gw}"
out_dir="$cache_root/helm-$HELM_VERSION-$os_arch"
out="$out_dir/helm"

if [[ -x "$out" ]]; then
  echo "$out"
  exit 0
fi

mkdir -p "$out_dir" || die "cannot create the cache directory $out_dir"
# One builder at a time: parallel test runs (or two engineers) would otherwise both spend minutes compiling and race
# on the output file. The others wait and then reuse the result.
if command -v flock >/dev/null; then
  exec 9>"$cache_root/.helm-build.lock"
  if ! flock -n 9; then
    log "another build of helm is running (lock $cache_root/.helm-build.lock); waiting for it"
    flock 9
  fi
else
  log "flock not found: not guarding against concurrent builds"
fi

if [[ ! -x "$out" ]]; then
  mod="$here/helm"
  mkdir -p "$mod"
  if [[ ! -f "$mod/go.mod" ]]; then
    log "generating $mod/go.mod for helm.sh/helm/v4 $HELM_VERSION"
    gomod_of() { go mod download -json "$1" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p'; }
    (cd "$mod" && go mod init kube-vip-gw.invalid/helm >/dev/null 2>&1 \
      && go get -tool "helm.sh/helm/v4/cmd/helm@$HELM_VERSION" \
      && go mod edit -go="$(sed -n 's/^go \(.*\)$/\1/p' "$(gomod_of "helm.sh/helm/v4@$HELM_VERSION")" | head -1)" \
      && go mod tidy) || die "could not resolve helm.sh/helm/v4@$HELM_VERSION from the Go module proxy ($(go env GOPROXY))"
  fi
  log "building helm $HELM_VERSION with $go_version (first time: minutes; measured 1,446 s on 2 cores at load 25; later runs reuse the cache)"
  t0=$SECONDS
  # go prints nothing until it finishes, so report every minute.
  ( while sleep 60; do log "... still building helm ($((SECONDS - t0)) s)"; done ) &
  ticker=$!
  # The -X flag upstream's Makefile sets, so `helm version` says the real version (and the chart's kubeVersion
  # checks see it).
  (cd "$mod" && go build -trimpath -ldflags="-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION" \
    -o "$out.tmp" helm.sh/helm/v4/cmd/helm) \
    || die "go build of helm $HELM_VERSION failed (output above)"
  stop_ticker
  mv "$out.tmp" "$out"
  log "helm built in $((SECONDS - t0)) s"
fi
"$out" version --short >/dev/null 2>&1 || die "$out does not run; delete it to rebuild"
echo "$out"
