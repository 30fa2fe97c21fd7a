"""What a server loaded is left out of later garbage collections."""

from __future__ import annotations

import gc

from bot.heap import freeze_loaded
from bot.rasa_server import loaded_model


def test_what_is_alive_is_frozen_and_garbage_is_collected_first():
    class Cycle:
        pass

    garbage = Cycle()
    garbage.me = garbage  # type: ignore[attr-defined]  # only a collection frees a cycle
    del garbage
    kept = [object() for _ in range(1000)]
    try:
        freeze_loaded()
        assert gc.get_freeze_count() >= len(kept)
    finally:
        gc.unfreeze()  # the frozen objects are visible again
    assert not any(type(o) is Cycle for o in gc.get_objects())  # collected, not frozen


def test_the_rasa_server_freezes_each_model_it_loads(monkeypatch):
    frozen = []
    monkeypatch.setattr(loaded_model, "freeze_loaded", lambda: frozen.append(True))
    loaded = []

    def load_model(agent, path):
        loaded.append(path)
        return "loaded"

    wrapped = loaded_model._freezing(load_model)

    assert wrapped(object(), "models/one.tar.gz") == "loaded"
    assert wrapped(object(), "models/two.tar.gz") == "loaded"
    assert loaded == ["models/one.tar.gz", "models/two.tar.gz"]
    assert frozen == [True, True]  # after each load


def test_a_frozen_cycle_that_became_garbage_is_collected_at_the_next_freeze():
    class Model:
        pass

    replaced = Model()
    replaced.me = replaced  # type: ignore[attr-defined]  # like an agent and its parts
    try:
        freeze_loaded()
        del replaced
        freeze_loaded()  # a new model loaded
    finally:
        gc.unfreeze()
    assert not any(type(o) is Model for o in gc.get_objects())
