#!/usr/bin/env bash
# Print the path of a Python >= 3.12 interpreter: python3.13/python3.12 on PATH, else one that
# pyenv installed. Exit 1 with a clear message if there is none.
set -u
is_ok() { "$1" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
for name in python3.12 python3.13 python3; do
  path=$(command -v "$name" 2>/dev/null) && candidates+=("$path")
done
pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
for dir in "$pyenv_root"/versions/3.12* "$pyenv_root"/versions/3.13*; do
  for exe in "$dir"/bin/python3.12 "$dir"/bin/python3.13; do
    [ -x "$exe" ] && candidates+=("$exe")
  done
done
for candidate in "${candidates[@]}"; do
  if is_ok "$candidate"; then
    echo "$candidate"
    exit 0
  fi
done
echo "error: Promptcraft needs Python 3.12 or newer (with venv and ensurepip), and none was found." >&2
echo "       Install python3.12 or python3.13 (e.g. 'pyenv install 3.12'), or set PYTHON=/path/to/python3.12." >&2
exit 1
