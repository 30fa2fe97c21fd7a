"""A promoted model reaches every Rasa server of a cluster, not only the one that heard of it."""

from __future__ import annotations

import threading
import time

from bot.rasa_api import run_sync
from bot.retraining.registry import ModelRegistry
from bot.runtime.promotions import LOAD_ATTEMPTS, PromotionFollower, follow
from bot.settings import Settings
from tests.conftest import OPEN_TIME
from tests.fakes import FakeRasaApi, fake_model

SERVERS = {"Rasa server 1": "http://127.0.0.1:1", "Rasa server 2": "http://127.0.0.1:2"}


def cluster(tmp_path):
    settings = Settings.create(home=tmp_path, data_dir=tmp_path / "var", rasa_port=9)
    registry = ModelRegistry(settings)
    first = fake_model(settings.rasa_models_dir / "first.tar.gz", "id-1")
    registry.record_baseline(first, at=OPEN_TIME)
    registry.point_link(first)
    apis = {url: FakeRasaApi() for url in SERVERS.values()}
    for api in apis.values():
        run_sync(api.load_model(first))
    follower = PromotionFollower(settings, SERVERS, api_for=apis.__getitem__)
    return settings, registry, apis, follower


def serving(apis):
    return [api.model_id for api in apis.values()]


def promote_second(settings, registry):
    """A second model promoted (as `supportbot retrain` does), loaded by no server yet."""
    second = fake_model(settings.rasa_models_dir / "second.tar.gz", "id-2")
    registry.promote(second, by="lead", at=OPEN_TIME)
    return second


def test_promotions_a_model_promoted_through_one_server_reaches_the_other(tmp_path):
    settings, registry, apis, follower = cluster(tmp_path)
    assert follower.check() == []  # nothing promoted since the start
    second = fake_model(settings.rasa_models_dir / "second.tar.gz", "id-2")
    # What `supportbot retrain` does through the load balancer: one server loads it.
    run_sync(apis["http://127.0.0.1:1"].load_model(second))
    registry.promote(second, by="lead", at=OPEN_TIME)
    assert follower.check() == ["Rasa server 2 now serves the promoted model second.tar.gz"]
    assert serving(apis) == ["id-2", "id-2"]
    assert follower.check() == []


def test_promotions_a_server_that_does_not_answer_is_asked_again(tmp_path):
    settings, registry, apis, follower = cluster(tmp_path)
    second = fake_model(settings.rasa_models_dir / "second.tar.gz", "id-2")
    registry.promote(second, by="lead", at=OPEN_TIME)  # no server running behind the URL it used
    apis["http://127.0.0.1:2"].down = True
    assert follower.check() == ["Rasa server 1 now serves the promoted model second.tar.gz"]
    apis["http://127.0.0.1:2"].down = False
    assert follower.check() == ["Rasa server 2 now serves the promoted model second.tar.gz"]
    assert serving(apis) == ["id-2", "id-2"]


def test_promotions_a_rollback_is_followed_too(tmp_path):
    settings, registry, apis, follower = cluster(tmp_path)
    promote_second(settings, registry)
    follower.check()
    registry.rollback(by="lead", at=OPEN_TIME)
    assert len(follower.check()) == 2
    assert serving(apis) == ["id-1", "id-1"]


def test_promotions_a_server_that_never_loads_it_is_left_after_a_few_tries(tmp_path):
    settings, registry, apis, follower = cluster(tmp_path)
    promote_second(settings, registry)
    stuck = apis["http://127.0.0.1:2"]
    stuck.load_model = _never_loads  # answers its status, but every load times out
    told = [follower.check() for _ in range(LOAD_ATTEMPTS)]
    assert told[0] == ["Rasa server 1 now serves the promoted model second.tar.gz"]
    assert told[1:-1] == [[]] * (LOAD_ATTEMPTS - 2)
    assert told[-1] == [
        "error: Rasa server 2 did not load second.tar.gz after 3 tries; "
        "it serves the promoted model once restarted"
    ]
    assert follower.check() == []
    assert serving(apis) == ["id-2", "id-1"]


async def _never_loads(model) -> bool:
    return False


def test_promotions_a_promotion_made_before_the_follower_started_is_followed(tmp_path):
    settings, registry, apis, _ = cluster(tmp_path)
    promote_second(settings, registry)  # while `supportbot run` was starting
    follower = PromotionFollower(settings, SERVERS, api_for=apis.__getitem__)
    assert len(follower.check()) == 2
    assert serving(apis) == ["id-2", "id-2"]


def test_promotions_the_follower_thread_tells_what_it_did_and_stops(tmp_path):
    settings, registry, _, follower = cluster(tmp_path)
    promote_second(settings, registry)
    told: list[str] = []
    stop = threading.Event()
    thread = follow(follower, stop, 0.01, told.append)
    deadline = time.monotonic() + 10
    while len(told) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert sorted(told) == [
        "Rasa server 1 now serves the promoted model second.tar.gz",
        "Rasa server 2 now serves the promoted model second.tar.gz",
    ]
