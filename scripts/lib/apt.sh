# ensure_debian_packages PACKAGE:PROBE ...
# Installs each Debian PACKAGE whose PROBE is missing. A PROBE with a slash is a header under
# /usr/include (e.g. curl/curl.h); otherwise it is a command on PATH.
ensure_debian_packages() {
  local missing=() spec package probe
  for spec in "$@"; do
    package=${spec%%:*}; probe=${spec#*:}
    if [[ $probe == */* ]]; then
      [ -e "/usr/include/$probe" ] || [ -e "/usr/include/x86_64-linux-gnu/$probe" ] || missing+=("$package")
    else
      command -v "$probe" >/dev/null 2>&1 || missing+=("$package")
    fi
  done
  ((${#missing[@]})) || return 0
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "installing ${missing[*]} (apt-get)" >&2
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}
