# shellcheck shell=bash
# Sourced by tools/envtest/build.sh, tools/dataplane/build.sh and tools/conformance/build.sh: what every build of a Go
# binary from the module proxy into ~/.cache/kube-vip-gw/ shares. Set build_tag first (the [tag] of log lines).
#
#   log MSG / die MSG        progress and the one-line failure ("[tag] FAILED: MSG") on stderr
#   start_ticker NAME T0     "... still building NAME (N s)" every minute (go prints nothing until it finishes)
#   stop_ticker              ends the ticker and its sleep (also on EXIT, so no process outlives the build)
#   require_go HINT          dies unless Go >= 1.26 is installed (HINT: what to do instead); sets go_version, os_arch
#   build_lock DIR WHAT      one builder at a time per cache: the others wait on DIR/.build.lock, then reuse the result
#
# Also sources tools/envtest/k8s-wrapper.sh (wrapper modules for k8s.io/kubernetes commands).
: "${build_tag:?set build_tag before sourcing go-build.sh}"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0

log() { printf '[%s] %s\n' "$build_tag" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

ticker=""
start_ticker() {
  local name="$1" t0="$2"
  ( while sleep 60; do log "... still building $name ($((SECONDS - t0)) s)"; done ) &
  ticker=$!
}
stop_ticker() {
  [[ -n "$ticker" ]] || return 0
  pkill -P "$ticker" 2>/dev/null || true
  kill "$ticker" 2>/dev/null || true
  ticker=""
}
trap stop_ticker EXIT

require_go() {
  command -v go >/dev/null || die "go is not installed: $1"
  go_version="$(go env GOVERSION)"
  if [[ ! "$go_version" =~ ^go1\.([0-9]+) ]] || (( BASH_REMATCH[1] < 26 )); then
    die "$go_version is too old: kubernetes $K8S_VERSION needs Go >= 1.26 (GOTOOLCHAIN=local: no toolchain download)"
  fi
  os_arch="$(go env GOOS)-$(go env GOARCH)"
}

build_lock() {
  local dir="$1" what="$2"
  mkdir -p "$dir" || die "cannot create the cache directory $dir"
  if command -v flock >/dev/null; then
    exec 9>"$dir/.build.lock"
    if ! flock -n 9; then
      log "another build of $what is running (lock $dir/.build.lock); waiting for it"
      flock 9
    fi
  else
    log "flock not found: not guarding against concurrent builds"
  fi
}

# shellcheck source=../envtest/k8s-wrapper.sh
. "$(dirname "${BASH_SOURCE[0]}")/../envtest/k8s-wrapper.sh"
