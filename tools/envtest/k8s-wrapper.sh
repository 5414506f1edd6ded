# shellcheck shell=bash
# Shared by tools/envtest/build.sh and tools/dataplane/build.sh: the wrapper module and the version ldflags for a
# command of k8s.io/kubernetes. Both builds must use the same tags and ldflags, so the Go build cache the envtest
# kube-apiserver filled is reused by kube-proxy (13 s instead of 6.5 min on 2 cores).
#
# Needs K8S_VERSION set and the caller's log/die. k8s.io/kubernetes cannot be `go install`ed (its go.mod replaces
# every staging module with a local path): the wrapper requires it and replaces each staging module (the list is read
# from that release's own go.mod on the proxy) with its published v0.<minor>.<patch> version.

K8S_BUILD_TAGS=selinux,notest,grpcnotrace

# The `go` directive of a module's own go.mod on the proxy (the wrapper copies it instead of the local patch release
# that `go mod init` would write, which would make older Go 1.26.x toolchains refuse the wrapper).
upstream_go_directive() {
  local gomod
  gomod="$(go mod download -json "$1" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  [[ -n "$gomod" ]] && sed -n 's/^go \(.*\)$/\1/p' "$gomod" | head -1
}

# k8s_wrapper_module DIR MODULE_NAME CMD   e.g. k8s_wrapper_module tools/envtest/kube-apiserver x/kube-apiserver kube-apiserver
# Generates DIR/go.mod + go.sum when missing (they are committed; this runs only after a version change).
k8s_wrapper_module() {
  local mod="$1" name="$2" cmd="$3" staging="v0.${K8S_VERSION#v1.}"
  [[ -f "$mod/go.mod" ]] && return 0
  log "generating $mod/go.mod for kubernetes $K8S_VERSION $cmd (staging modules at $staging)"
  (
    set -e
    cd "$mod"
    go mod init "$name" >/dev/null 2>&1
    local kkmod
    kkmod="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
    [[ -n "$kkmod" ]]
    for m in $(sed -n 's#^[[:space:]]*\(k8s\.io/[^ ]*\) => \./staging/.*#\1#p' "$kkmod"); do
      go mod edit -replace="$m=$m@$staging"
    done
    # Mirror upstream's go and GODEBUG defaults, which a wrapper module does not inherit.
    go mod edit -go="$(upstream_go_directive "k8s.io/kubernetes@$K8S_VERSION")"
    local gd
    gd="$(sed -n 's/^godebug \(.*\)$/\1/p' "$kkmod" | head -1)"
    [[ -n "$gd" ]] && go mod edit -godebug="$gd"
    go get -tool "k8s.io/kubernetes/cmd/$cmd@$K8S_VERSION"
    go mod tidy
  ) || die "could not resolve k8s.io/kubernetes@$K8S_VERSION and its staging modules at $staging from the Go module proxy ($(go env GOPROXY))"
}

# The -X flags upstream's build sets, so `--version` and the User-Agent say the real version.
k8s_version_ldflags() {
  local minor vf="" p
  minor="$(echo "$K8S_VERSION" | cut -d. -f2)"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    vf="$vf -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  printf '%s' "$vf"
}
