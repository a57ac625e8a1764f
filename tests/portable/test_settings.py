"""Settings: defaults, validation and refusal keep the old value (both interpreters)."""

from logic.settings import SCHEMA, Settings, entry_by_id
from portable import raises


def test_defaults_follow_the_advice():
    settings = Settings()
    assert settings.get("sit_limit_min") == 60
    assert settings.get("break_s") == 60
    assert settings.get("repeat_min") == 10
    assert settings.get("max_repeats") == 3
    assert settings.get("snooze_min") == 20
    assert settings.get("quiet_start_min") == 22 * 60
    assert settings.get("quiet_end_min") == 7 * 60


def test_out_of_range_is_refused_and_old_value_kept():
    settings = Settings()
    settings.set("sit_limit_min", 45)
    with raises(ValueError) as refused:
        settings.set("sit_limit_min", 5)
    assert "between 10 and 240" in str(refused.value)
    assert settings.get("sit_limit_min") == 45


def test_wrong_type_and_unknown_name_are_refused():
    settings = Settings()
    with raises(ValueError):
        settings.set("break_s", "60")
    with raises(ValueError):
        settings.set("break_s", 60.0)
    with raises(ValueError):
        settings.set("no_such_setting", 1)
    assert settings.get("break_s") == 60


def test_ids_are_unique_and_defaults_in_range():
    ids = [entry[0] for entry in SCHEMA]
    assert len(ids) == len(set(ids))
    for setting_id, name, default, lo, hi in SCHEMA:
        assert lo <= default <= hi, name
        assert entry_by_id(setting_id)[1] == name
