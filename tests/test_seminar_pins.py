"""PINs per role: right ones open a page, wrong ones are refused and guessing is slowed;
the app refuses to open itself to the network without them."""

from __future__ import annotations

import pytest

from sim.core.config_errors import ConfigError
from sim.seminar.web import pins as pins_mod
from sim.seminar.web.pins import PinFile, PinGuard, load_pins
from sim.seminar.web.server import serve

PINS = PinFile(white="4821", viewer="1111", teams={"blue": "7315"})


def test_each_role_opens_with_its_own_pin_or_whites():
    guard = PinGuard(PINS)
    assert guard.check("team blue", "7315") is None
    assert guard.check("team blue", "4821") is None  # White opens every page
    assert guard.check("team blue", "1111") == "wrong PIN"  # not the viewers' PIN
    assert guard.check("viewer", "1111") is None and guard.check("white", "4821") is None
    assert guard.check("white", "7315") == "wrong PIN"
    assert guard.needs_pin("team red")  # a team without its own PIN needs White's
    assert guard.check("team red", "4821") is None
    assert not PinGuard(None).needs_pin("white")


def test_the_analysts_view_has_its_own_pin_or_the_viewers():
    own = PinGuard(PinFile(white="4821", viewer="1111", analyst="2468"))
    assert own.check("analyst", "2468") is None and own.check("analyst", "4821") is None
    assert own.check("analyst", "1111") == "wrong PIN"
    shared = PinGuard(PINS)  # no analyst PIN: the viewers' opens it
    assert shared.check("analyst", "1111") is None
    assert shared.check("analyst", "7315") == "wrong PIN"
    assert not PinGuard(PinFile(white="4821")).needs_pin("analyst")  # as open as the plenary


def test_guessing_is_locked_out_after_a_few_tries(monkeypatch):
    guard = PinGuard(PINS)
    clock = [1000.0]
    monkeypatch.setattr(pins_mod.time, "monotonic", lambda: clock[0])
    for k in range(pins_mod.MAX_TRIES):
        assert guard.check("white", f"000{k}") == "wrong PIN"
    assert guard.check("white", "4821").startswith("too many wrong PINs")  # even the right one
    clock[0] += pins_mod.LOCK_SECONDS + 1
    assert guard.check("white", "4821") is None


def test_a_bad_pin_file_is_refused_with_file_field_and_value(tmp_path):
    bad = tmp_path / "pins.toml"
    bad.write_text('white = "12"\n[teams]\nblue = "ok ok"\n')
    with pytest.raises(ConfigError) as exc:
        load_pins(bad)
    text = str(exc.value)
    assert str(bad) in text and "white" in text and "teams.blue" in text
    good = tmp_path / "good.toml"
    good.write_text('white = "4821"\n[teams]\nblue = "7315"\n')
    assert load_pins(good).teams == {"blue": "7315"}


def test_the_app_is_not_opened_to_the_network_without_pins(capsys, tmp_path):
    code = serve("baseline", 1, None, tmp_path, host="0.0.0.0", port=8765)
    assert code == 2 and "--pins" in capsys.readouterr().err
