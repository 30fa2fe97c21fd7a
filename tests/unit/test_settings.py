from __future__ import annotations

from pathlib import Path

import pytest

from bot.embeddings.sentence_transformer import serving_precision
from bot.errors import ConfigurationError
from bot.settings import Settings


def test_settings_default_to_folders_inside_the_project(tmp_path: Path):
    settings = Settings.from_env({"SUPPORTBOT_HOME": str(tmp_path)})

    assert settings.kb_dir == tmp_path / "knowledge_base"
    assert settings.kb_index_dir == tmp_path / "models" / "kb_index"
    assert settings.tracker_url == f"sqlite:///{tmp_path / 'var' / 'tracker.db'}"
    assert settings.database_url == f"sqlite:///{tmp_path / 'var' / 'desk.db'}"
    assert (settings.rasa_port, settings.actions_port) == (5005, 5055)


def test_settings_read_overrides_from_the_environment(tmp_path: Path):
    settings = Settings.from_env(
        {
            "SUPPORTBOT_HOME": str(tmp_path),
            "SUPPORTBOT_RASA_PORT": "6005",
            "SUPPORTBOT_DATA_DIR": str(tmp_path / "data"),
            "SUPPORTBOT_LOG_LEVEL": "debug",
        }
    )

    assert settings.rasa_port == 6005
    assert settings.data_dir == tmp_path / "data"
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SUPPORTBOT_RASA_PORT", "http", "whole number"),
        ("SUPPORTBOT_ACTIONS_PORT", "70000", "port number"),
        ("SUPPORTBOT_TORCH_THREADS", "0", "at least 1"),
        ("SUPPORTBOT_LOG_LEVEL", "LOUD", "LOG_LEVEL"),
        ("SUPPORTBOT_ENCODER_PRECISION", "fp8", "auto, float32, bfloat16"),
    ],
)
def test_settings_reject_invalid_values_with_a_clear_message(tmp_path, name, value, message):
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env({"SUPPORTBOT_HOME": str(tmp_path), name: value})


def test_child_environment_points_rasa_at_our_action_server_and_tracker_store(tmp_path: Path):
    settings = Settings.create(home=tmp_path, actions_port=6055)

    env = settings.child_environment({})

    assert env["SUPPORTBOT_ACTION_ENDPOINT"] == "http://127.0.0.1:6055/webhook"
    assert env["SUPPORTBOT_TRACKER_URL"] == f"sqlite:///{tmp_path / 'var' / 'tracker.db'}"
    assert env["SUPPORTBOT_TRACKER_DIALECT"] == "sqlite"
    assert env["SUPPORTBOT_TRACKER_DB"] == str(tmp_path / "var" / "tracker.db")
    assert env["HF_HUB_OFFLINE"] == "1"
    assert env["RASA_TELEMETRY_ENABLED"] == "false"


def test_servers_get_as_many_openmp_threads_as_torch_threads(tmp_path: Path):
    # An inherited OMP_NUM_THREADS (or none: a pool per core) would spin on the other core.
    settings = Settings.from_env(
        {"SUPPORTBOT_HOME": str(tmp_path), "SUPPORTBOT_TORCH_THREADS": "3"}
    )

    env = settings.child_environment({"OMP_NUM_THREADS": "16"})

    assert env["OMP_NUM_THREADS"] == "3"
    assert Settings.create(home=tmp_path).child_environment({})["OMP_NUM_THREADS"] == "1"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("postgresql://u:p@127.0.0.1:5432/desk", "postgresql://u:p@127.0.0.1:5432/desk"),
        ("postgresql+psycopg2://u:p@db/desk", "postgresql+psycopg2://u:p@db/desk"),
        ("sqlite:////srv/supportbot/desk.db", "sqlite:////srv/supportbot/desk.db"),
    ],
)
def test_database_urls_are_taken_as_given(tmp_path, value, expected):
    settings = Settings.from_env(
        {"SUPPORTBOT_HOME": str(tmp_path), "SUPPORTBOT_DATABASE_URL": value}
    )

    assert settings.database_url == expected


def test_a_relative_sqlite_path_is_inside_the_project(tmp_path):
    settings = Settings.from_env(
        {"SUPPORTBOT_HOME": str(tmp_path), "SUPPORTBOT_TRACKER_URL": "sqlite:///var/t.db"}
    )

    assert settings.tracker_url == f"sqlite:///{tmp_path / 'var' / 't.db'}"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("mysql://u:p@db/desk", "must be sqlite:///PATH or postgresql://"),
        ("desk.db", "malformed"),
        ("postgresql://u:p@db", "must name a database"),
        ("sqlite://", "in-memory"),
    ],
)
def test_bad_database_urls_get_a_clear_message(tmp_path, value, message):
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env({"SUPPORTBOT_HOME": str(tmp_path), "SUPPORTBOT_DATABASE_URL": value})


def test_rasa_reads_the_tracker_store_from_the_one_url(tmp_path):
    url = "postgresql://bot:secret@10.0.0.5:5433/conversations"
    env = Settings.create(home=tmp_path, tracker_url=url).child_environment({})

    assert env["SUPPORTBOT_TRACKER_URL"] == url
    assert env["SUPPORTBOT_TRACKER_DIALECT"] == "postgresql"
    assert env["SUPPORTBOT_TRACKER_DB"] == "conversations"


def test_the_action_server_stays_on_loopback_when_the_servers_are_public(tmp_path):
    public = Settings.from_env({"SUPPORTBOT_HOME": str(tmp_path), "SUPPORTBOT_HOST": "0.0.0.0"})
    assert public.actions_host == "127.0.0.1"
    assert public.actions_url == f"http://127.0.0.1:{public.actions_port}"
    assert public.child_environment()["SUPPORTBOT_ACTIONS_HOST"] == "127.0.0.1"
    container = Settings.from_env(
        {"SUPPORTBOT_HOME": str(tmp_path), "SUPPORTBOT_ACTIONS_HOST": "0.0.0.0"}
    )
    assert container.actions_host == "0.0.0.0"
    assert container.actions_url == f"http://127.0.0.1:{container.actions_port}"


def test_the_data_folder_is_readable_by_its_owner_only(tmp_path):
    settings = Settings.create(home=tmp_path, data_dir=tmp_path / "var" / "data")
    assert settings.ensure_private_data_dir().stat().st_mode & 0o777 == 0o700
    open_one = Settings.create(home=tmp_path, data_dir=tmp_path / "shared")
    open_one.data_dir.mkdir(mode=0o755)
    open_one.data_dir.chmod(0o755)  # as an earlier version left it
    assert open_one.ensure_private_data_dir().stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ("fpu sse2 avx512f avx512_bf16", "bfloat16"),
        ("fpu sse2 amx_bf16 amx_tile", "bfloat16"),
        ("fpu sse2 avx2 avx512f", "float32"),  # torch would emulate bfloat16: slower
    ],
)
def test_auto_precision_is_bfloat16_only_where_the_processor_has_it(tmp_path, flags, expected):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {flags}\n\n", encoding="utf-8")

    assert serving_precision("auto", cpuinfo) == expected
    assert serving_precision("float32", cpuinfo) == "float32"
    assert serving_precision("bfloat16", tmp_path / "missing") == "bfloat16"
    assert serving_precision("auto", tmp_path / "missing") == "float32"


def test_the_encoder_precision_reaches_the_servers(tmp_path: Path):
    settings = Settings.from_env(
        {"SUPPORTBOT_HOME": str(tmp_path), "SUPPORTBOT_ENCODER_PRECISION": "float32"}
    )

    assert Settings.from_env({"SUPPORTBOT_HOME": str(tmp_path)}).encoder_precision == "auto"
    assert settings.child_environment()["SUPPORTBOT_ENCODER_PRECISION"] == "float32"
