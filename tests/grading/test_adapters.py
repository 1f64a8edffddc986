"""What every adapter gets from the package it lives in."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("adapter", ["grading.adapters.clients", "grading.adapters.embeddings"])
def test_an_adapter_that_imports_litellm_gets_the_local_cost_map(adapter):
    # Without LITELLM_LOCAL_MODEL_COST_MAP, importing litellm fetches a price list from the
    # internet; the package sets it once, before any of its adapters can import litellm.
    env = {k: v for k, v in os.environ.items() if k != "LITELLM_LOCAL_MODEL_COST_MAP"}
    code = f"import os, {adapter}; print(os.environ.get('LITELLM_LOCAL_MODEL_COST_MAP'))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
