# ensure_debian_packages PACKAGE:PROBE ...
# Installs each Debian PACKAGE whose PROBE is missing. A PROBE `pc:NAME` asks pkg-config for
# the library NAME (headers and link flags where this machine keeps them); a PROBE with a slash
# is a header found by the C preprocessor's own search path; otherwise it is a command on PATH.
ensure_debian_packages() {
  local missing=() spec package probe
  for spec in "$@"; do
    package=${spec%%:*}; probe=${spec#*:}
    if [[ $probe == pc:* ]]; then
      command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "${probe#pc:}" || missing+=("$package")
    elif [[ $probe == */* ]]; then
      echo "#include <$probe>" | cc -E -x c - >/dev/null 2>&1 || missing+=("$package")
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
