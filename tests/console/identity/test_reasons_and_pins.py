"""Reasons for sensitive actions (issue 17, section 3) and pinned hub certificates: the policy
from settings and hub together, what a complete reason is, and the pin file (plain JSON, atomic,
a damaged one reported and not trusted)."""

from __future__ import annotations

import json

import pytest

from console.app.settings import SettingsStore
from console.base.jsonfile import FileFormatError
from console.identity.pins import PinStore
from console.identity.reasons import DEFAULT_PRESETS, Reason, ReasonPolicy

FP = ":".join(["AB"] * 32)


def test_a_reason_needs_a_case_number_and_a_why():
    assert Reason("playback", "", "Training").problem() == "Type the case or incident number."
    assert "Choose a reason" in Reason("playback", "INC-1").problem()
    assert Reason("playback", "INC-1", "Training").problem() is None
    assert Reason("playback", "INC-1", "", "a fight by the gate").problem() is None
    assert "at most" in Reason("playback", "x" * 65, "Training").problem()
    assert "at most" in Reason("playback", "INC-1", "", "w" * 501).problem()
    assert Reason("playback", "INC\n1", "Training").problem() is not None
    assert Reason("dance", "INC-1", "Training").problem() is not None
    assert Reason("export", " INC-7 ", "Training", " two\n words ").details() == {
        "case": "INC-7",
        "reason": "Training",
        "words": "two words",
    }


def test_the_hub_and_the_settings_each_can_require_a_reason_neither_can_waive_it():
    mine = ReasonPolicy(frozenset({"export"}))
    both = mine.with_hub(["playback", "juggling"])
    assert both.requires("playback") and both.requires("export")
    assert not both.requires("unmask")
    assert both.choices("playback") == DEFAULT_PRESETS["playback"]


def test_the_policy_is_read_from_settings_and_bad_policies_are_refused(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(
        json.dumps(
            {
                "format": "tessera.settings",
                "version": 1,
                "policy": {"reasons_required": ["playback"], "reasons": {"playback": ["Audit"]}},
            }
        )
    )
    settings = SettingsStore(path).load().value
    assert settings.policy.requires("playback")
    assert settings.policy.choices("playback") == ("Audit",)
    SettingsStore(path).save(settings)  # round trip
    assert SettingsStore(path).load().value.policy.required == frozenset({"playback"})
    for bad in (
        {"reasons_required": ["everything"]},
        {"reasons_required": "playback"},
        {"reasons": {"playback": "Audit"}},
        {"reasons": {"playback": ["x" * 200]}},
        [],
    ):
        with pytest.raises(ValueError):
            ReasonPolicy.parse(bad)
    path.write_text(
        json.dumps({"format": "tessera.settings", "version": 1, "policy": {"reasons_required": 1}})
    )
    loaded = SettingsStore(path).load()
    assert loaded.problem is not None and "reasons_required" in loaded.problem
    assert isinstance(FileFormatError("x"), ValueError)


def test_a_pinned_fingerprint_is_kept_per_hub_and_a_damaged_file_pins_nothing(tmp_path):
    store = PinStore(tmp_path / "pins.json")
    assert store.get("https://hub:8443") is None
    store.pin("https://hub:8443/", FP)
    assert store.get("https://hub:8443") == FP
    assert store.get("https://other:8443") is None
    with pytest.raises(ValueError):
        store.pin("https://hub:8443", "not-a-fingerprint")
    store.forget("https://hub:8443")
    assert store.get("https://hub:8443") is None
    (tmp_path / "pins.json").write_text(
        '{"format": "tessera.pinned-certificates", "version": 1, "hubs": {"https://hub": "zz"}}'
    )
    pins = store.load()
    assert pins.by_hub == {} and pins.problem is not None
