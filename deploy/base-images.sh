#!/usr/bin/env bash
# Builds local stand-ins for the two official .NET base images when they cannot be pulled (no registry reachable),
# and tags them with the official names so deploy/Dockerfile stays exactly the file users build with:
#   mcr.microsoft.com/dotnet/sdk:10.0     = Debian root file system + this machine's .NET SDK
#   mcr.microsoft.com/dotnet/aspnet:10.0  = the same root file system + only the runtime parts
#                                           (host, shared/Microsoft.NETCore.App, shared/Microsoft.AspNetCore.App)
# An image that is already present (pulled, or built by an earlier run) is left alone; --force rebuilds both.
# Like the official images they define the non-root user `app` (uid/gid 1654, ENV APP_UID) and the same .NET variables.
#
# Needs: a running Docker engine, root (debootstrap), debootstrap, and a .NET 10 SDK with the ASP.NET Core runtime.
# Environment: DEBIAN_MIRROR (default: the first Debian mirror in /etc/apt/sources.list*), DEBIAN_SUITE (bookworm),
#              DOTNET_ROOT (default: where `dotnet` lives), BASE_IMAGES_WORK (cache; default /var/tmp/clustermnist-base-images),
#              EXTRA_CA_DIR (default /usr/local/share/ca-certificates): certificate authorities this machine added to its trust
#              store, copied into both stand-ins so that NuGet restores and downloads inside them trust what the host trusts
#              (a TLS-inspecting proxy's CA, say). The official images trust only the public CAs.
set -euo pipefail

readonly SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
readonly ASPNET_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0
readonly ROOTFS_IMAGE=clustermnist-standin/debian-rootfs:latest
readonly APP_UID=1654
# What the official images install on top of the distribution (their Dockerfiles' apt-get lines, minus tools we do not need).
readonly PACKAGES=ca-certificates,libc6,libgcc-s1,libicu72,libssl3,libstdc++6,tzdata,zlib1g,passwd

force=false
[[ "${1:-}" == "--force" ]] && force=true

fail() { echo "base-images: $*" >&2; exit 1; }
log() { echo "base-images: $*"; }

docker info >/dev/null 2>&1 || fail "no Docker engine answers ('docker info' failed); start dockerd first."

if ! $force && docker image inspect "$SDK_IMAGE" >/dev/null 2>&1 && docker image inspect "$ASPNET_IMAGE" >/dev/null 2>&1; then
  log "$SDK_IMAGE and $ASPNET_IMAGE are present; nothing to do."
  exit 0
fi

[[ $(id -u) -eq 0 ]] || fail "debootstrap needs root; run as root or pull the official images instead."
command -v debootstrap >/dev/null || fail "debootstrap is not installed (apt-get install -y debootstrap)."
command -v dotnet >/dev/null || [[ -n "${DOTNET_ROOT:-}" ]] || fail "no .NET SDK found (dotnet not on PATH, DOTNET_ROOT unset)."

dotnet_root=${DOTNET_ROOT:-$(dirname "$(readlink -f "$(command -v dotnet)")")}
sdk_version=$(ls "$dotnet_root/sdk" | grep -E '^10\.0\.' | sort -V | tail -1 || true)
runtime_version=$(ls "$dotnet_root/shared/Microsoft.NETCore.App" 2>/dev/null | grep -E '^10\.0\.' | sort -V | tail -1 || true)
aspnet_version=$(ls "$dotnet_root/shared/Microsoft.AspNetCore.App" 2>/dev/null | grep -E '^10\.0\.' | sort -V | tail -1 || true)
[[ -n "$sdk_version" && -n "$runtime_version" && -n "$aspnet_version" ]] ||
  fail "$dotnet_root lacks a 10.0 SDK, Microsoft.NETCore.App 10.0 or Microsoft.AspNetCore.App 10.0."
fxr_version=$(ls "$dotnet_root/host/fxr" | sort -V | tail -1)
log "using .NET SDK $sdk_version, runtime $runtime_version, ASP.NET Core $aspnet_version from $dotnet_root"

# The mirror apt already uses on this machine: a deb822 'URIs:' line or a one-line 'deb URL suite' entry, whichever names Debian first.
debian_mirror() {
  local uri
  uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    sed -nE 's/^URIs:[[:space:]]+([^[:space:]]+).*/\1/p; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+)[[:space:]].*/\2/p' |
    grep -E '/debian/?$' | head -1)
  echo "${uri:-http://deb.debian.org/debian}"
}
mirror=${DEBIAN_MIRROR:-$(debian_mirror)}
suite=${DEBIAN_SUITE:-bookworm}
work=${BASE_IMAGES_WORK:-/var/tmp/clustermnist-base-images}
mkdir -p "$work"

# 1. The root file system, cached as a tarball so a second run does not debootstrap again.
rootfs_tar="$work/rootfs-$suite.tar"
if [[ ! -s "$rootfs_tar" ]]; then
  rootfs=$(mktemp -d "$work/rootfs.XXXXXX")
  trap 'rm -rf "$rootfs"' EXIT
  log "debootstrap $suite from $mirror (a few minutes)..."
  debootstrap --variant=minbase --include="$PACKAGES" "$suite" "$rootfs" "$mirror" > "$work/debootstrap.log" 2>&1 ||
    fail "debootstrap failed; see $work/debootstrap.log (last lines: $(tail -3 "$work/debootstrap.log" | tr '\n' ' '))"
  chroot "$rootfs" groupadd --gid=$APP_UID app
  chroot "$rootfs" useradd --no-log-init --uid=$APP_UID --gid=$APP_UID --create-home app
  chroot "$rootfs" apt-get clean
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/log/*.log
  tar -C "$rootfs" --numeric-owner -cf "$rootfs_tar.partial" .
  mv "$rootfs_tar.partial" "$rootfs_tar"
  rm -rf "$rootfs"
  trap - EXIT
fi
log "importing the root file system as $ROOTFS_IMAGE"
docker import --change 'CMD ["bash"]' "$rootfs_tar" "$ROOTFS_IMAGE" >/dev/null

# 2. The two images, each from a small build context holding only the .NET parts it needs.
context=$(mktemp -d "$work/context.XXXXXX")
trap 'rm -rf "$context"' EXIT
extra_ca_dir=${EXTRA_CA_DIR:-/usr/local/share/ca-certificates}
extra_cas=$(find "$extra_ca_dir" -maxdepth 1 -name '*.crt' 2>/dev/null | wc -l)
[[ $extra_cas -gt 0 ]] && log "adding $extra_cas certificate authorit$( ((extra_cas == 1)) && echo y || echo ies) from $extra_ca_dir to the stand-ins"
common_env="APP_UID=$APP_UID ASPNETCORE_HTTP_PORTS=8080 DOTNET_RUNNING_IN_CONTAINER=true DOTNET_VERSION=$runtime_version ASPNET_VERSION=$aspnet_version"

build_image() { # name, dotnet parts (relative to $dotnet_root)..., then extra ENV after '--'
  local name=$1; shift
  local parts=() extra_env=""
  while [[ $# -gt 0 && "$1" != "--" ]]; do parts+=("$1"); shift; done
  [[ "${1:-}" == "--" ]] && { shift; extra_env="$*"; }
  rm -rf "${context:?}"/*
  mkdir -p "$context/dotnet" "$context/extra-ca"
  (cd "$dotnet_root" && cp -a --parents "${parts[@]}" "$context/dotnet/")
  find "$extra_ca_dir" -maxdepth 1 -name '*.crt' -exec cp {} "$context/extra-ca/" \; 2>/dev/null || true
  cat > "$context/Dockerfile" <<DOCKERFILE
FROM $ROOTFS_IMAGE
ENV $common_env $extra_env
COPY extra-ca/ /usr/local/share/ca-certificates/
RUN update-ca-certificates > /dev/null
COPY dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet && dotnet --info > /dev/null
LABEL org.opencontainers.image.description="Local stand-in for $name, built by deploy/base-images.sh" \\
      io.clustermnist.standin="true"
DOCKERFILE
  log "building stand-in $name"
  docker build -t "$name" "$context" > "$work/build.log" 2>&1 ||
    { tail -20 "$work/build.log" >&2; fail "docker build of the $name stand-in failed (log above)."; }
}

build_image "$SDK_IMAGE" dotnet LICENSE.txt ThirdPartyNotices.txt host packs sdk sdk-manifests shared templates \
  -- DOTNET_SDK_VERSION=$sdk_version DOTNET_GENERATE_ASPNET_CERTIFICATE=false DOTNET_NOLOGO=true \
     DOTNET_USE_POLLING_FILE_WATCHER=true NUGET_XMLDOC_MODE=skip
build_image "$ASPNET_IMAGE" dotnet LICENSE.txt ThirdPartyNotices.txt "host/fxr/$fxr_version" \
  "shared/Microsoft.NETCore.App/$runtime_version" "shared/Microsoft.AspNetCore.App/$aspnet_version"

docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E 'mcr.microsoft.com/dotnet/(sdk|aspnet):10.0'
log "done: stand-ins tagged $SDK_IMAGE and $ASPNET_IMAGE (remove them with 'docker rmi' before pulling the real ones)."
