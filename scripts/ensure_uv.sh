# shellcheck shell=bash
# Source this file, then call `ensure_uv`: it sets the array UV to a working uv command
# (e.g. `"${UV[@]}" sync --frozen`), installing uv with pip into the user site if needed.
# Run directly (`scripts/ensure_uv.sh`), it just makes sure uv exists and prints its version.

# Never let uv download a Python: the repo pins 3.12 in .python-version (pyenv or PATH).
export UV_PYTHON_DOWNLOADS=never

_uv_fail() {
    echo "error: $*" >&2
    return 1
}

ensure_uv() {
    local py
    # 1. uv as a module of the current python3 (pyenv's 3.12 here), 2. a uv binary on PATH.
    if python3 -m uv --version >/dev/null 2>&1; then
        UV=(python3 -m uv)
        return 0
    fi
    if command -v uv >/dev/null 2>&1 && uv --version >/dev/null 2>&1; then
        UV=(uv)
        return 0
    fi
    # 3. Install it with pip: into the user site (pyenv, system Python), else into the active
    #    environment (a virtualenv refuses --user).
    local log opts
    log="$(mktemp)"
    for py in python3 python3.12; do
        command -v "$py" >/dev/null 2>&1 || continue
        "$py" -m pip --version >/dev/null 2>&1 || continue
        echo "uv not found: installing it with $py -m pip" >&2
        for opts in "--user" "--user --break-system-packages" ""; do
            # shellcheck disable=SC2086 # $opts is a list of flags
            "$py" -m pip install --quiet --disable-pip-version-check $opts uv >>"$log" 2>&1 || continue
            if "$py" -m uv --version >/dev/null 2>&1; then
                UV=("$py" -m uv)
            elif [[ -x "$HOME/.local/bin/uv" ]]; then
                UV=("$HOME/.local/bin/uv")
            else
                continue
            fi
            rm -f "$log"
            return 0
        done
    done
    [[ -s "$log" ]] && tail -n 5 "$log" >&2
    rm -f "$log"
    _uv_fail "uv is missing and could not be installed: install Python 3.12 with pip (apt-get install python3-pip, or pyenv), or uv itself (https://docs.astral.sh/uv/)."
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail
    ensure_uv
    "${UV[@]}" --version
fi
