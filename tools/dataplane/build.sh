#!/usr/bin/env bash
# Builds the real data plane (kube-vip, kube-proxy, kube-vip-cloud-provider) from the Go module proxy into a cache
# beside the envtest binaries, once per version.
#
#   tools/dataplane/build.sh [NAME...]       build what is missing (default: all three), print the assets directory
#   KVGW_DATAPLANE_ASSETS=/dir build.sh      use existing binaries from /dir instead (like KUBEBUILDER_ASSETS)
#   KVGW_DATAPLANE_CACHE=/dir build.sh       cache root (default: ${XDG_CACHE_HOME:-~/.cache}/kube-vip-gw/dataplane)
#   KVGW_DATAPLANE_CHECK_ONLY=1 build.sh     exit 0 when every NAME is cached, 3 when not (builds nothing)
#
# NAME is kube-vip, kube-proxy or kube-vip-cloud-provider. Same contract as tools/envtest/build.sh (relied on by
# @kube-vip-gw/dataplane): progress goes to stderr, the last stdout line is a directory holding every requested
# executable, the exit status is non-zero with one line "[dataplane] FAILED: <reason>" on stderr otherwise.
#
# Each binary is built from a wrapper module (go.mod + go.sum committed, no Go code) and cached in a directory of
# its own named by its version; the printed directory holds symlinks to the requested ones.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../envtest/versions.env
. "$here/../envtest/versions.env"
# shellcheck source=versions.env
. "$here/versions.env"
build_tag=dataplane
# shellcheck source=../lib/go-build.sh
. "$here/../lib/go-build.sh"

all=(kube-vip kube-proxy kube-vip-cloud-provider)
wanted=("$@")
(( ${#wanted[@]} )) || wanted=("${all[@]}")
for n in "${wanted[@]}"; do
  [[ " ${all[*]} " == *" $n "* ]] || die "unknown binary '$n' (known: ${all[*]})"
done

if [[ -n "${KVGW_DATAPLANE_ASSETS:-}" ]]; then
  for b in "${wanted[@]}"; do
    [[ -x "$KVGW_DATAPLANE_ASSETS/$b" ]] || die "KVGW_DATAPLANE_ASSETS=$KVGW_DATAPLANE_ASSETS has no executable $b"
  done
  echo "$KVGW_DATAPLANE_ASSETS"
  exit 0
fi

require_go "the data plane is built from the Go module proxy (Go >= 1.26 needed), or set KVGW_DATAPLANE_ASSETS to a directory holding ${wanted[*]}"
cache_root="${KVGW_DATAPLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kube-vip-gw/dataplane}"

version_of() {
  case "$1" in
    kube-vip) echo "$KUBE_VIP_VERSION" ;;
    kube-proxy) echo "$K8S_VERSION" ;;
    kube-vip-cloud-provider) echo "$KUBE_VIP_CLOUD_PROVIDER_VERSION" ;;
  esac
}
binary_path() { echo "$cache_root/$1-$(version_of "$1")-$os_arch/$1"; }
missing=()
for n in "${wanted[@]}"; do [[ -x "$(binary_path "$n")" ]] || missing+=("$n"); done
# KVGW_DATAPLANE_CHECK_ONLY=1: only say whether they are cached (exit 0) or not (exit 3, nothing built); the data-plane
# global setup uses it to build kube-vip-cloud-provider in the background only when it is missing.
if [[ -n "${KVGW_DATAPLANE_CHECK_ONLY:-}" ]]; then
  (( ${#missing[@]} )) && { log "not built yet: ${missing[*]}"; exit 3; }
  exit 0
fi

# A wrapper module for a module whose main package is its root and which has no replace directives (kube-vip,
# kube-vip-cloud-provider): require it as a tool, copy its go directive, tidy.
plain_wrapper_module() {
  local mod="$1" module="$2" version="$3"
  [[ -f "$mod/go.mod" ]] && return 0
  log "generating $mod/go.mod for $module $version"
  # kube-vip's releases have no entry in the checksum database here: the first resolution skips it for that module
  # only, and the committed go.sum pins the hashes from then on (no flag needed after that).
  (cd "$mod" && go mod init "kube-vip-gw.invalid/dataplane/$(basename "$mod")" >/dev/null 2>&1 \
    && GONOSUMDB="$module" go get -tool "$module@$version" \
    && go mod edit -go="$(GONOSUMDB="$module" upstream_go_directive "$module@$version")" \
    && GONOSUMDB="$module" go mod tidy) \
    || die "could not resolve $module@$version from the Go module proxy ($(go env GOPROXY))"
}

# go_build NAME MODULE_DIR PACKAGE TAGS LDFLAGS
go_build() {
  local name="$1" mod="$2" pkg="$3" tags="$4" ldflags="$5" out t0=$SECONDS
  out="$(binary_path "$name")"
  mkdir -p "$(dirname "$out")" || die "cannot create the cache directory $(dirname "$out")"
  log "building $name $(version_of "$name") with $go_version (first time on 2 cores: 3-7 minutes; later runs reuse the cache)"
  # go prints nothing until it finishes, so report every minute.
  start_ticker "$name" "$t0"
  (cd "$mod" && go build -trimpath -tags="$tags" -ldflags="-s -w $ldflags" -o "$out.tmp" "$pkg") \
    || die "go build of $name $(version_of "$name") failed (output above; it needs about 3 GB of memory and 3 GB in $(go env GOCACHE))"
  stop_ticker
  mv "$out.tmp" "$out"
  log "$name built in $((SECONDS - t0)) s"
}

build_one() {
  case "$1" in
    kube-vip)
      plain_wrapper_module "$here/kube-vip" github.com/kube-vip/kube-vip "$KUBE_VIP_VERSION"
      go_build kube-vip "$here/kube-vip" github.com/kube-vip/kube-vip "" \
        "-X main.Version=$KUBE_VIP_VERSION -X main.Build=module-proxy" ;;
    kube-proxy)
      # Same tags and ldflags as the envtest kube-apiserver: most packages come out of the Go build cache.
      k8s_wrapper_module "$here/kube-proxy" kube-vip-gw.invalid/dataplane/kube-proxy kube-proxy
      go_build kube-proxy "$here/kube-proxy" k8s.io/kubernetes/cmd/kube-proxy "$K8S_BUILD_TAGS" "$(k8s_version_ldflags)" ;;
    kube-vip-cloud-provider)
      plain_wrapper_module "$here/kube-vip-cloud-provider" github.com/kube-vip/kube-vip-cloud-provider \
        "$KUBE_VIP_CLOUD_PROVIDER_VERSION"
      go_build kube-vip-cloud-provider "$here/kube-vip-cloud-provider" github.com/kube-vip/kube-vip-cloud-provider "" "" ;;
  esac
}

if (( ${#missing[@]} )); then
  # Parallel test runs (or two engineers) would otherwise both spend minutes compiling and race on the output files.
  build_lock "$cache_root" "the data plane"
  for n in "${missing[@]}"; do
    mkdir -p "$here/$n"
    [[ -x "$(binary_path "$n")" ]] || build_one "$n"
  done
fi

# The printed directory: symlinks to the requested binaries, named by the set of versions so that two checkouts
# with different pins never share one.
set_dir="$cache_root/set"
for n in "${wanted[@]}"; do set_dir="$set_dir-$n-$(version_of "$n")"; done
set_dir="$set_dir-$os_arch"
mkdir -p "$set_dir" || die "cannot create $set_dir"
for n in "${wanted[@]}"; do
  ln -sfn "$(binary_path "$n")" "$set_dir/$n"
done
"$set_dir/kube-vip" --help >/dev/null 2>&1 || [[ " ${wanted[*]} " != *" kube-vip "* ]] \
  || die "$(binary_path kube-vip) does not run; delete it to rebuild"
if [[ " ${wanted[*]} " == *" kube-proxy "* ]]; then
  "$set_dir/kube-proxy" --version >/dev/null 2>&1 || die "$(binary_path kube-proxy) does not run; delete it to rebuild"
fi
log "binaries ready in $set_dir"
echo "$set_dir"
