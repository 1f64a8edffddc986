"""Settings read from the environment: blank values (as in .env.example) mean the default."""

from config.settings import env_str


def test_an_unset_or_blank_variable_means_the_default(monkeypatch):
    monkeypatch.delenv("PROMPTCRAFT_TEST_SETTING", raising=False)
    assert env_str("PROMPTCRAFT_TEST_SETTING", "fallback") == "fallback"
    monkeypatch.setenv("PROMPTCRAFT_TEST_SETTING", "")
    assert env_str("PROMPTCRAFT_TEST_SETTING", "fallback") == "fallback"
    monkeypatch.setenv("PROMPTCRAFT_TEST_SETTING", "set")
    assert env_str("PROMPTCRAFT_TEST_SETTING", "fallback") == "set"
