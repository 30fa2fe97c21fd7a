"""What ``supportbot run --rasa N --actions M --web K --proxy-port P`` starts, where, and the
load balancer's configuration (checked by HAProxy itself when it is installed)."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys

import pytest

from bot.errors import ConfigurationError
from bot.runtime.haproxy import STICKY_COOKIE, haproxy_config
from bot.runtime.topology import Topology
from bot.settings import Settings
from tests.conftest import PROJECT

PG = "postgresql://u:p@127.0.0.1:5432/"


@pytest.fixture
def cluster_settings(settings: Settings) -> Settings:
    return dataclasses.replace(
        settings,
        database_url=PG + "desk",
        tracker_url=PG + "tracker",
        redis_url="redis://127.0.0.1:6379/0",
        broker_url="amqp://guest:guest@127.0.0.1:5672/",
    )


def test_one_box_is_the_default_and_sizes_above_one_make_a_cluster():
    assert not Topology.choose().clustered
    assert Topology.choose(rasa=2).proxy_port == 8080
    assert Topology.choose(proxy_port=9000).clustered  # one of each, behind the balancer
    for wrong in ({"rasa": 0}, {"web": 9}, {"proxy_port": 65534}):
        with pytest.raises(ConfigurationError):
            Topology.choose(**wrong)


def test_one_box_keeps_its_settings(settings):
    assert Topology.choose().settings_for(settings) is settings
    # A broker nobody publishes to (one box's Rasa has none) would silence the desk's feed.
    followed = dataclasses.replace(settings, broker_url="amqp://guest:guest@127.0.0.1:5672/")
    one_box = Topology.choose().settings_for(followed)
    assert one_box.broker_url is None
    inherited = {"SUPPORTBOT_RABBITMQ_URL": "amqp://guest:guest@127.0.0.1:5672/"}
    assert "SUPPORTBOT_RABBITMQ_URL" not in one_box.child_environment(inherited)


def test_a_cluster_needs_redis_rabbitmq_and_postgresql(settings, cluster_settings):
    topology = Topology.choose(rasa=2)
    with pytest.raises(ConfigurationError, match="needs Redis"):
        topology.settings_for(dataclasses.replace(cluster_settings, redis_url=None))
    with pytest.raises(ConfigurationError, match="needs RabbitMQ"):
        topology.settings_for(dataclasses.replace(cluster_settings, broker_url=None))
    with pytest.raises(ConfigurationError, match="SUPPORTBOT_TRACKER_URL"):
        topology.settings_for(dataclasses.replace(cluster_settings, tracker_url="sqlite:///t.db"))


def test_every_server_is_reached_through_the_load_balancer(cluster_settings):
    topology = Topology.choose(rasa=3, actions=2, web=2, proxy_port=9000)
    cluster = topology.settings_for(cluster_settings)
    assert topology.rasa_ports(cluster) == [5005, 5006, 5007]
    assert topology.action_ports(cluster) == [5055, 5056]
    assert topology.web_ports(cluster) == [8000, 8001]
    assert cluster.widget_bot_url == cluster.public_web_url == "http://127.0.0.1:9000"
    assert cluster.rasa_url == "http://127.0.0.1:9001"
    assert cluster.actions_url == "http://127.0.0.1:9002"
    env = cluster.child_environment({})
    assert env["SUPPORTBOT_ACTION_ENDPOINT"] == "http://127.0.0.1:9002/webhook"
    assert env["SUPPORTBOT_REDIS_HOST"] == "127.0.0.1" and env["SUPPORTBOT_REDIS_DB"] == "0"
    assert Settings.from_env(env).rasa_url == "http://127.0.0.1:9001"  # children agree


def test_ports_used_twice_are_refused(cluster_settings):
    with pytest.raises(ConfigurationError, match="port 8000 would be used twice"):
        Topology.choose(web=2, proxy_port=7999).settings_for(cluster_settings)


def test_the_load_balancer_routes_chat_to_rasa_and_keeps_rasa_private(cluster_settings):
    topology = Topology.choose(rasa=2, actions=2, web=2, proxy_port=9000)
    config = haproxy_config(topology, topology.settings_for(cluster_settings))
    public = config.split("frontend public", 1)[1].split("\nbackend", 1)[0]
    assert "bind 127.0.0.1:9000" in public
    assert "acl to_rasa path_beg /socket.io /webhooks/" in public
    assert "default_backend web" in public  # Rasa's HTTP API is not reachable from outside
    assert f"cookie {STICKY_COOKIE} insert" in config
    assert "server rasa2 127.0.0.1:5006 check cookie r2" in config
    assert "use-server rasa2 if { urlp(sid) -m beg r2- }" in config  # pages without cookies
    assert "server actions2 127.0.0.1:5056 check" in config
    assert "bind 127.0.0.1:9001" in config and "bind 127.0.0.1:9002" in config


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="HAProxy not installed")
def test_haproxy_accepts_the_configuration(cluster_settings, tmp_path):
    topology = Topology.choose(rasa=3, actions=2, web=2, proxy_port=9000)
    path = tmp_path / "haproxy.cfg"
    path.write_text(haproxy_config(topology, topology.settings_for(cluster_settings)))
    checked = subprocess.run(
        ["haproxy", "-c", "-f", str(path)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_redis_urls_are_checked():
    for wrong in ("http://127.0.0.1:6379", "redis://127.0.0.1:x/0", "redis://127.0.0.1/abc"):
        with pytest.raises(ConfigurationError, match="SUPPORTBOT_REDIS_URL"):
            Settings.create(home=PROJECT, redis_url=wrong)
    with pytest.raises(ConfigurationError, match="SUPPORTBOT_RASA_URL"):
        Settings.create(home=PROJECT, rasa_api_url="127.0.0.1:9001")


def test_a_redis_acl_user_reaches_rasas_lock_store():
    url = "redis://desk:s%3Acret@cache.internal:6380/3"
    env = Settings.create(home=PROJECT, redis_url=url).child_environment({})
    assert env["SUPPORTBOT_REDIS_USERNAME"] == "desk"
    assert env["SUPPORTBOT_REDIS_PASSWORD"] == "s:cret"
    assert (env["SUPPORTBOT_REDIS_HOST"], env["SUPPORTBOT_REDIS_PORT"]) == (
        "cache.internal",
        "6380",
    )
    assert env["SUPPORTBOT_REDIS_DB"] == "3"


def test_the_balancer_is_an_address_or_a_network():
    assert Settings.create(home=PROJECT, forwarded_by="172.28.0.0/16").forwarded_by
    with pytest.raises(ConfigurationError, match="SUPPORTBOT_FORWARDED_BY"):
        Settings.create(home=PROJECT, forwarded_by="the balancer")


def test_the_rabbitmq_url_is_checked_and_split_for_rasa():
    for wrong in ("redis://127.0.0.1:5672", "amqp://127.0.0.1:x/", "127.0.0.1:5672"):
        with pytest.raises(ConfigurationError, match="SUPPORTBOT_RABBITMQ_URL"):
            Settings.create(home=PROJECT, broker_url=wrong)
    url = "amqp://desk:p%40ss@mq.internal:5673/support"
    env = Settings.create(home=PROJECT, broker_url=url).child_environment({})
    assert env["SUPPORTBOT_RABBITMQ_URL"] == url
    assert env["SUPPORTBOT_RABBITMQ_ADDRESS"] == "amqp://mq.internal:5673/support"
    assert env["SUPPORTBOT_RABBITMQ_PORT"] == "5673"
    # Rasa puts them back into a URL as they are: they stay encoded.
    assert (env["SUPPORTBOT_RABBITMQ_USER"], env["SUPPORTBOT_RABBITMQ_PASSWORD"]) == (
        "desk",
        "p%40ss",
    )


def test_the_rasa_token_stays_off_the_command_line_and_may_start_with_a_dash(tmp_path):
    from rasa.__main__ import create_argument_parser

    from bot.rasa_server.launch import rasa_arguments
    from bot.runtime.servers import rasa_command, rasa_environment

    token = "-Xy_" + "a" * 39  # token_urlsafe gives one like it in 64 starts
    settings = Settings.create(home=tmp_path, data_dir=tmp_path / "var", rasa_api_token=token)
    command = rasa_command(settings, tmp_path / "model.tar.gz", 5005, clustered=False)
    environment = rasa_environment(settings, {})

    assert command[1:3] == ["-m", "bot.rasa_server.launch"]
    assert not any(token in part for part in command)  # `ps` shows a command line to anyone
    parsed = create_argument_parser().parse_args(rasa_arguments(command[3:], environment))
    assert parsed.auth_token == token and parsed.port == 5005 and parsed.enable_api


def test_the_rasa_launcher_refuses_to_serve_the_api_without_a_token():
    env = {k: v for k, v in os.environ.items() if k != "SUPPORTBOT_RASA_API_TOKEN"}
    started = subprocess.run(
        [sys.executable, "-m", "bot.rasa_server.launch", "run", "--enable-api"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    assert started.returncode != 0
    assert "SUPPORTBOT_RASA_API_TOKEN is not set" in started.stderr
