from bot.runtime.supervisor import url_lines
from bot.settings import Settings, SlackSettings


def test_the_url_table_lines_up_and_starts_with_the_demo_shop(tmp_path):
    lines = url_lines(Settings.create(home=tmp_path, web_port=8123))

    assert "Demo shop" in lines[0] and "http://127.0.0.1:8123/" in lines[0]
    columns = {line.index("http") for line in lines if "http" in line and "POST" not in line}
    assert len(columns) == 1
    assert not any("slack" in line for line in lines)


def test_slack_events_url_is_shown_when_slack_is_configured(tmp_path):
    settings = Settings.create(
        home=tmp_path,
        public_rasa_url="https://bot.example.com/",
        slack=SlackSettings(bot_token="xoxb-1", signing_secret="s"),
    )

    assert any(
        "Slack events" in line and "https://bot.example.com/webhooks/slack/webhook" in line
        for line in url_lines(settings)
    )
