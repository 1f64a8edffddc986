"""Settings read from the environment: blank values (as in .env.example) mean the default."""

import re
from pathlib import Path

from config.settings import env_str


def test_an_unset_or_blank_variable_means_the_default(monkeypatch):
    monkeypatch.delenv("PROMPTCRAFT_TEST_SETTING", raising=False)
    assert env_str("PROMPTCRAFT_TEST_SETTING", "fallback") == "fallback"
    monkeypatch.setenv("PROMPTCRAFT_TEST_SETTING", "")
    assert env_str("PROMPTCRAFT_TEST_SETTING", "fallback") == "fallback"
    monkeypatch.setenv("PROMPTCRAFT_TEST_SETTING", "set")
    assert env_str("PROMPTCRAFT_TEST_SETTING", "fallback") == "set"


def test_every_variable_the_settings_read_is_in_env_example_and_the_readme():
    root = Path(__file__).resolve().parent.parent
    read = set(re.findall(r'env_\w+\(\s*"([A-Z0-9_]+)"', (root / "config/settings.py").read_text()))
    example = set(re.findall(r"^([A-Z0-9_]+)=", (root / ".env.example").read_text(), re.M))
    readme = (root / "README.md").read_text()
    assert read
    assert not read - example, f".env.example misses {sorted(read - example)}"
    missing = sorted(name for name in read if f"`{name}`" not in readme)
    assert not missing, f"README.md misses {missing}"
