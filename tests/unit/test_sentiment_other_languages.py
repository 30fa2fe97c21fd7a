"""The sentiment of messages in other languages: the head on the multilingual encoder."""

from __future__ import annotations

import numpy as np
from rasa.shared.nlu.training_data.message import Message

from bot.rasa_server.nlu.message_cleaner import TEXT_FLAGS
from bot.rasa_server.nlu.sentiment_analyzer import SENTIMENT, SentimentAnalyzer
from bot.sentiment import dataset
from bot.sentiment.crosslingual import CrossLingualSentiment
from tests.conftest import PROJECT

ENGLISH = [
    ("this is terrible, I am so angry", "negative"),
    ("awful service, never again", "negative"),
    ("my parcel is lost and nobody answers, furious", "negative"),
    ("worst shop ever, I want my money back", "negative"),
    ("where is my order?", "neutral"),
    ("how do I change my address", "neutral"),
    ("what sizes does the jacket come in", "neutral"),
    ("do you ship to Norway", "neutral"),
    ("thank you so much, great help!", "positive"),
    ("perfect, it arrived, I love it", "positive"),
    ("brilliant service, thanks a lot", "positive"),
    ("the boots are amazing, very happy", "positive"),
]


class Words:
    """A stand-in encoder: a word's fixed random vector, summed and normalised."""

    def encode(self, texts):
        rows = []
        for text in texts:
            vector = np.zeros(64, dtype=np.float32)
            for word in text.lower().split():
                vector += np.random.default_rng(abs(hash(word)) % 2**32).normal(size=64)
            rows.append(vector / (np.linalg.norm(vector) or 1.0))
        return np.asarray(rows, dtype=np.float32)


def test_the_head_learns_saves_and_reads_back(tmp_path):
    encoder = Words()
    head = CrossLingualSentiment.train(encoder, *zip(*ENGLISH, strict=True))
    head.save(tmp_path)
    again = CrossLingualSentiment.load(tmp_path, encoder)

    assert again is not None and again.model_id == head.model_id
    said = again.predict(["this is terrible", "thank you so much"])
    assert [s.label for s in said] == [
        s.label for s in head.predict(["this is terrible", "thank you so much"])
    ]
    assert abs(sum(said[0].scores.values()) - 1.0) < 1e-5
    assert CrossLingualSentiment.load(tmp_path / "none", encoder) is None
    assert CrossLingualSentiment.reads("it") and not CrossLingualSentiment.reads("lt")


def parsed(text: str, language: str) -> Message:
    return Message(
        data={
            "text": text,
            TEXT_FLAGS: ["other_language"],
            "language": {"code": language, "score": 0.97},
        }
    )


def test_a_message_in_italian_gets_its_sentiment_and_one_in_lithuanian_none(
    settings, multilingual_encoder
):
    # Trained on the project's own English shop messages (the real head adds the tweets).
    shop = dataset.read_labelled_csv(PROJECT / "data" / "sentiment" / "shop_messages.csv")
    head = CrossLingualSentiment.train(
        multilingual_encoder, [e.text for e in shop], [e.label for e in shop]
    )
    head.save(settings.sentiment_dir)
    analyzer = SentimentAnalyzer(settings)
    angry = parsed("Sono furioso, il pacco è perso e nessuno mi risponde!", "it")
    happy = parsed("Grazie mille, servizio fantastico, sono contentissimo!", "it")
    lithuanian = parsed("Esu labai piktas, siunta dingo ir niekas neatsako!", "lt")

    analyzer.process([angry, happy, lithuanian])

    assert angry.get(SENTIMENT)["label"] == "negative"
    assert angry.get(SENTIMENT)["model"] == head.model_id
    assert happy.get(SENTIMENT)["label"] == "positive"
    assert lithuanian.get(SENTIMENT) is None  # the encoder does not read Lithuanian


def test_without_the_head_other_languages_get_no_sentiment(settings):
    analyzer = SentimentAnalyzer(settings)  # nothing trained in this folder
    message = parsed("Sono furioso, il pacco è perso e nessuno mi risponde!", "it")

    analyzer.process([message])

    assert message.get(SENTIMENT) is None
