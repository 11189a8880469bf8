# Shared by scripts/container-check and scripts/release: podman/buildah on a machine without a
# Docker daemon or registry access, building the repository's unchanged Dockerfile.
#
#   container_tools_ready          installs podman, buildah, debootstrap (Debian) and checks that
#                                  podman can use its storage; returns 1 when it cannot.
#   ensure_static_binary           builds `softlabel` (release, static Swift stdlib) unless
#                                  SOFTLABEL_BIN names one; sets SOFTLABEL_BIN.
#   ensure_debian_base             makes debian:bookworm-slim exist locally (debootstrap, cached).
#   build_image TAG [podman build args...]
#                                  podman build of ./Dockerfile with the host binary standing in for
#                                  the Swift builder stage (--build-context build=DIR).
#
# podman runs with the vfs storage driver and chroot isolation (no overlayfs and no user namespaces
# inside this kind of sandbox); override with CONTAINER_STORAGE_DRIVER / BUILDAH_ISOLATION.
# SOFTLABEL_SCRATCH_PATH is the swift build scratch path (default .build).

CONTAINER_STORAGE_DRIVER=${CONTAINER_STORAGE_DRIVER:-vfs}
export BUILDAH_ISOLATION=${BUILDAH_ISOLATION:-chroot}
DEBIAN_BASE_IMAGE=docker.io/library/debian:bookworm-slim
CONTAINER_CACHE=${SOFTLABEL_CONTAINER_CACHE:-.build-container}

podman_() { podman --storage-driver="$CONTAINER_STORAGE_DRIVER" "$@"; }
buildah_() { buildah --storage-driver="$CONTAINER_STORAGE_DRIVER" "$@"; }

container_tools_ready() {
  source scripts/lib/apt.sh
  ensure_debian_packages podman:podman buildah:buildah debootstrap:debootstrap jq:jq curl:curl || return 1
  command -v podman >/dev/null && command -v buildah >/dev/null || return 1
  podman_ info >/dev/null 2>&1 || { podman_ info >&2 || true; return 1; }
}

ensure_static_binary() {
  if [ -n "${SOFTLABEL_BIN:-}" ]; then
    [ -x "$SOFTLABEL_BIN" ] || { echo "SOFTLABEL_BIN=$SOFTLABEL_BIN is not an executable" >&2; return 1; }
    return 0
  fi
  local scratch=${SOFTLABEL_SCRATCH_PATH:-.build}
  # Incremental: a no-op (a few seconds) when the sources have not changed since the last build.
  swift build -c release --product softlabel --static-swift-stdlib --scratch-path "$scratch" >&2 || return 1
  SOFTLABEL_BIN="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/softlabel"
}

# The Debian mirror this machine's apt uses (deb822 URIs: or one-line deb entries), not -security.
debian_mirror() {
  local mirror
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | grep -E '^[[:space:]]*(URIs:|deb[[:space:]])' | grep -oE 'https?://[^[:space:]]+' | grep -E '/debian/?$' | head -1 || true)
  echo "${SOFTLABEL_DEBIAN_MIRROR:-${mirror:-http://deb.debian.org/debian}}"
}

# debian:bookworm-slim without a registry: debootstrap --variant=minbase, then what the official
# slim image drops (documentation, man pages, locales but locale.alias; apt lists). The root
# filesystem tarball is cached in $CONTAINER_CACHE; the image is only created when podman lacks it.
ensure_debian_base() {
  podman_ image exists "$DEBIAN_BASE_IMAGE" && return 0
  local arch tarball
  arch=$(dpkg --print-architecture)
  tarball="$CONTAINER_CACHE/debian-bookworm-slim-$arch.tar"
  if [ ! -s "$tarball" ]; then
    local root mirror
    mkdir -p "$CONTAINER_CACHE"
    root=$(mktemp -d "$CONTAINER_CACHE/rootfs.XXXXXX")
    mirror=$(debian_mirror)
    echo "debootstrap --variant=minbase bookworm from $mirror" >&2
    if ! debootstrap --variant=minbase --arch="$arch" bookworm "$root" "$mirror" >"$root.log" 2>&1; then
      tail -20 "$root.log" >&2
      return 1
    fi
    mkdir -p "$root/etc/dpkg/dpkg.cfg.d"
    cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
# as in the official slim images: no documentation, manuals or translations
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
    find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$root"/usr/share/{man,groff,info,lintian,linda}/* "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin \
      "$root"/var/cache/apt/archives/*.deb "$root"/var/log/*.log
    find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
    chmod 755 "$root"  # mktemp made it 0700; as the image's / that would lock out every non-root user
    tar -C "$root" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf "$tarball.part" . || return 1
    mv "$tarball.part" "$tarball"
    rm -rf "$root" "$root.log"
  fi
  podman_ import --quiet --change 'CMD ["bash"]' "$tarball" "$DEBIAN_BASE_IMAGE" >/dev/null || return 1
}

# build_image TAG [extra podman build arguments]: ./Dockerfile, the Swift stage replaced by the binary.
build_image() {
  local tag=$1; shift
  local context
  context=$(mktemp -d)
  cp "$SOFTLABEL_BIN" "$context/softlabel" || return 1
  # --format docker: the OCI image format has no HEALTHCHECK and podman would drop it.
  # The image this tag named before would stay behind untagged: remove it (with vfs every image
  # is a full copy). --layers=false: no intermediate images either, and one commit instead of one
  # per instruction.
  podman_ rmi "$tag" >/dev/null 2>&1 || true
  if ! podman_ build --isolation="$BUILDAH_ISOLATION" --format docker --pull=never --layers=false \
      --build-context build="$context" --tag "$tag" "$@" --file Dockerfile . >&2; then
    rm -rf "$context"
    return 1
  fi
  rm -rf "$context"
}
