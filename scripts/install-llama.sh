#!/usr/bin/env bash
# Build and install llama-cpp-python (the local model server) from source, portably, showing
# the compile progress on one line. The first build takes minutes; pip caches the wheel.
set -euo pipefail
pip=$1
version=$2
export CMAKE_ARGS="-DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}
log=$(mktemp)
echo "Installing llama-cpp-python $version (the first install compiles llama.cpp: a few minutes)…"
set +e
"$pip" install -v "llama-cpp-python[server]==$version" 2>&1 | tee "$log" | while IFS= read -r line; do
  if [[ $line =~ \[([0-9]+)/([0-9]+)\] ]]; then
    printf '\r  compiling llama.cpp: %s/%s' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
  fi
done
status=${PIPESTATUS[0]}
set -e
printf '\n'
if [ "$status" -ne 0 ]; then
  tail -n 40 "$log" >&2
  echo "error: installing llama-cpp-python failed (full log: $log)" >&2
  exit "$status"
fi
rm -f "$log"
echo "  llama-cpp-python $version installed."
