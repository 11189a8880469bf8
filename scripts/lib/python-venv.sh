# ensure_python_venv DIR PACKAGE...
# Makes DIR a Python virtual environment holding PACKAGE... (pip requirement specifiers), creating
# it and installing only what is missing. Installs Debian's python3-venv first if `python3 -m venv`
# needs it. Returns 1, having said why on stderr, when Python or PyPI is not usable.
ensure_python_venv() {
  local dir=$1
  shift
  command -v python3 >/dev/null 2>&1 || { echo "python3 is not installed" >&2; return 1; }
  if [ ! -x "$dir/bin/python" ]; then
    if ! python3 -m venv "$dir" >/dev/null 2>&1; then
      rm -rf "$dir"
      if command -v apt-get >/dev/null 2>&1; then
        local sudo=""
        [ "$(id -u)" = 0 ] || sudo=sudo
        echo "installing python3-venv (apt-get)" >&2
        $sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >/dev/null || true
      fi
      python3 -m venv "$dir" || { rm -rf "$dir"; echo "python3 -m venv failed" >&2; return 1; }
    fi
  fi
  # Already satisfied requirements need no index; anything missing comes from PyPI.
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --timeout 30 "$@" || {
    echo "pip could not install: $*" >&2
    return 1
  }
}
