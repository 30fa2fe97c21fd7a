"""Socket.IO round trip for a FAQ answer, as browser-like clients see it.

Each client is a real Socket.IO client (python-socketio, HTTP long-polling like the widget):
it connects, asks for its session, then asks shop questions; the round trip is the time from
sending a question until the server has sent the whole answer (its acknowledgement comes
after the last reply). One client asking 60 questions in turn, then 50 clients at once
asking 5 each.
"""

from __future__ import annotations

import threading
import time
import uuid

from bench.common import percentile, running_product, write_result

QUESTIONS = [
    "how do I return an item?",
    "where is my order",
    "do you ship to germany",
    "can i pay with paypal",
    "are the boots waterproof",
    "when will I get my refund",
]


class Client:
    def __init__(self, url: str) -> None:
        import socketio

        self.sio = socketio.Client(reconnection=False)
        self.session: str | None = None
        self.replies = 0
        confirmed = threading.Event()

        @self.sio.on("session_confirm")
        def on_confirm(session_id: str) -> None:
            self.session = session_id
            confirmed.set()

        @self.sio.on("bot_uttered")
        def on_reply(message: dict) -> None:  # type: ignore[type-arg]
            self.replies += 1

        self.sio.connect(url, socketio_path="/socket.io", transports=["polling"], wait_timeout=30)
        self.sio.emit("session_request", {"session_id": None})
        if not confirmed.wait(30):
            raise RuntimeError("no session_confirm")

    def ask(self, text: str) -> float:
        before = self.replies
        started = time.perf_counter()
        self.sio.call(
            "user_uttered",
            {
                "message": text,
                "session_id": self.session,
                "metadata": {"client_message_id": uuid.uuid4().hex},
            },
            timeout=120,
        )
        elapsed = (time.perf_counter() - started) * 1000
        if self.replies == before:
            raise RuntimeError(f"no reply to {text!r}")
        return elapsed

    def close(self) -> None:
        """Disconnect, waiting at most 15 s: python-engineio's client joins its long-poll
        thread, and a poll the server never answers after the close would block for ever."""
        closing = threading.Thread(target=self.sio.disconnect, daemon=True)
        closing.start()
        closing.join(15)


def close_all(clients: list[Client]) -> None:
    """Disconnect in parallel: each polling client may wait for its pending long-poll."""
    threads = [threading.Thread(target=c.close, daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


def summary(timings: list[float], wall: float) -> dict[str, float]:
    return {
        "questions": len(timings),
        "p50_ms": round(percentile(timings, 50), 1),
        "p95_ms": round(percentile(timings, 95), 1),
        "answers_per_second": round(len(timings) / wall, 1),
    }


def main() -> None:
    with running_product() as product:
        single = Client(product.rasa_url)
        for question in QUESTIONS:  # warm up
            single.ask(question)
        started = time.perf_counter()
        one = [single.ask(QUESTIONS[i % len(QUESTIONS)]) for i in range(60)]
        one_wall = time.perf_counter() - started
        close_all([single])

        clients = [Client(product.rasa_url) for _ in range(50)]
        timings: list[float] = []
        lock = threading.Lock()

        def run(client: Client, index: int) -> None:
            for i in range(5):
                elapsed = client.ask(QUESTIONS[(i + index) % len(QUESTIONS)])
                with lock:
                    timings.append(elapsed)

        threads = [threading.Thread(target=run, args=(c, i)) for i, c in enumerate(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        many_wall = time.perf_counter() - started
        close_all(clients)

    write_result(
        "socketio_rtt",
        {
            "setup": "supportbot run on 127.0.0.1; python-socketio clients over HTTP long-polling",
            "one_client": summary(one, one_wall),
            "fifty_clients": summary(timings, many_wall),
        },
    )


if __name__ == "__main__":
    main()
