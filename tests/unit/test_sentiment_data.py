import pytest

from bot.errors import SentimentDataError
from bot.sentiment import Sentiment
from bot.sentiment.checkpoint import label_mapping
from bot.sentiment.dataset import clean, is_heldout, load_folder, read_labelled_csv, split
from bot.sentiment.evaluation import evaluate
from tests.conftest import PROJECT


def test_tweets_are_cleaned_to_look_like_chat_messages():
    assert clean("@united thanks &amp; bye http://t.co/x1") == "thanks & bye"
    assert clean("mail me at a@b.com") == "mail me at a@b.com"  # not a handle


def test_both_layouts_are_read(tmp_path):
    (tmp_path / "own.csv").write_text("text,label\nwhere is my order,neutral\n")
    (tmp_path / "tweets.csv").write_text(
        "tweet_id,airline_sentiment,text\n1,negative,@jetblue lost my bag\n"
    )

    examples = load_folder(tmp_path)

    assert [(e.text, e.label, e.source) for e in examples] == [
        ("where is my order", "neutral", "own.csv"),
        ("lost my bag", "negative", "tweets.csv"),
    ]


def test_a_wrong_label_names_the_file_and_line(tmp_path):
    file = tmp_path / "bad.csv"
    file.write_text("text,label\nok,neutral\nhmm,angry\n")

    with pytest.raises(SentimentDataError, match=r"bad.csv:3: label must be one of"):
        read_labelled_csv(file)


def test_missing_columns_and_empty_folders_are_explained(tmp_path):
    (tmp_path / "x.csv").write_text("message,mood\nhi,neutral\n")
    with pytest.raises(SentimentDataError, match="expected columns text,label"):
        load_folder(tmp_path)
    with pytest.raises(SentimentDataError, match="no labelled CSV files"):
        load_folder(tmp_path / "nothing")


def test_the_split_is_fixed_and_keeps_repeated_texts_together():
    examples = load_folder(PROJECT / "data" / "sentiment")
    train, heldout = split(examples)

    assert 0.17 < len(heldout) / len(examples) < 0.23
    assert not {e.text.lower() for e in train} & {e.text.lower() for e in heldout}
    assert is_heldout("Where is my parcel") == is_heldout("where is my parcel")


def test_a_salted_split_draws_another_fifth_for_validation():
    train, _ = split(load_folder(PROJECT / "data" / "sentiment"))

    fit, validation = split(train, salt="validation")

    assert 0.17 < len(validation) / len(train) < 0.23
    assert len(fit) + len(validation) == len(train)
    assert all(is_heldout(e.text, "validation") for e in validation)
    assert not any(is_heldout(e.text, "validation") for e in fit)
    assert not any(is_heldout(e.text) for e in fit + validation)  # held-out stays out


def test_the_shipped_data_has_all_three_classes_from_both_sources():
    examples = load_folder(PROJECT / "data" / "sentiment")

    assert {e.label for e in examples if e.source == "shop_messages.csv"} == {
        "negative",
        "neutral",
        "positive",
    }
    assert sum(e.source == "airline_sentiment_train.csv" for e in examples) > 10_000


class KeywordModel:
    model_id = "keywords"

    def predict(self, texts):
        return [
            Sentiment.from_scores(
                {"negative": float("bad" in t), "neutral": 0.5, "positive": float("good" in t)},
                model=self.model_id,
            )
            for t in texts
        ]


def test_evaluation_reports_the_contract_figures(tmp_path):
    file = tmp_path / "eval.csv"
    file.write_text(
        "text,label\nbad bag,negative\nbad day,negative\nok,neutral\ngood,positive\nbad?,neutral\n"
    )

    result = evaluate(KeywordModel(), read_labelled_csv(file))

    assert result["n"] == 5
    assert result["accuracy"] == 0.8
    assert result["negative_precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert result["negative_recall"] == 1.0
    assert result["negative_f1"] == 0.8
    assert result["confusion"]["neutral"]["negative"] == 1
    assert result["p50_ms"] >= 0


@pytest.mark.parametrize(
    ("id2label", "expected"),
    [
        ({0: "negative", 1: "neutral", 2: "positive"}, ["negative", "neutral", "positive"]),
        ({0: "NEG", 1: "POS"}, ["negative", "positive"]),
        ({0: "LABEL_0", 1: "LABEL_1"}, ["negative", "positive"]),
        ({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, ["negative", "neutral", "positive"]),
    ],
)
def test_checkpoint_labels_are_mapped(id2label, expected):
    assert [label_mapping(id2label)[i] for i in sorted(id2label)] == expected


def test_unreadable_checkpoint_labels_are_refused():
    with pytest.raises(Exception, match="cannot tell which"):
        label_mapping({0: "joy", 1: "anger", 2: "fear"})


@pytest.mark.parametrize(
    ("scores", "negative_at", "label"),
    [
        ({"negative": 0.35, "neutral": 0.45, "positive": 0.20}, None, "neutral"),
        ({"negative": 0.35, "neutral": 0.45, "positive": 0.20}, 0.3, "negative"),
        ({"negative": 0.25, "neutral": 0.30, "positive": 0.45}, 0.3, "positive"),
        ({"negative": 0.45, "neutral": 0.30, "positive": 0.25}, 0.5, "neutral"),
    ],
)
def test_sentiment_label_follows_the_negative_threshold(scores, negative_at, label):
    sentiment = Sentiment.from_scores(scores, model="m", negative_at=negative_at)

    assert sentiment.label == label
    assert sentiment.scores == scores
