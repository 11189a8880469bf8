# ensure_check_venv: a Python virtual environment with the project's check tools
# (schemathesis, openapi-spec-validator), created on first use under ~/.cache.
# Prints the venv's path; returns 1 (after saying why) when PyPI cannot be reached.
ensure_check_venv() {
  local venv=${SOFTLABEL_CHECK_VENV:-$HOME/.cache/softlabel-check-venv}
  if [ ! -x "$venv/bin/schemathesis" ] || [ ! -x "$venv/bin/openapi-spec-validator" ]; then
    python3 -m venv "$venv" >&2 || return 1
    "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis>=4,<5" "openapi-spec-validator>=0.7" >&2 || {
      echo "could not install schemathesis / openapi-spec-validator from PyPI" >&2
      return 1
    }
  fi
  echo "$venv"
}
