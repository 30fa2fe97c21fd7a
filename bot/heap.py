"""What a server loaded at start-up, kept out of the garbage collector's way.

A server loads hundreds of thousands of objects that live as long as it does (the models,
torch, Rasa, the libraries: 820,000 in a process with the embedding model loaded). Python's
garbage collector looks at every one of them in each full collection, and the many small
objects a request makes (a long conversation's events, parsed from JSON) keep triggering
collections: parsing the action server's request at turn 120 of one conversation (1,067
events, 496 KB) took 18.4 ms of CPU in such a process and 2.4 ms once they were frozen.

``freeze_loaded()`` collects once, then moves everything still alive into the permanent
generation the collector skips (``gc.freeze``). It is called when a server has loaded what
it serves: the action server after its warm-up, the Rasa server after each model it loads
(``bot.rasa_server``), the web service before serving. Objects made later are collected as
usual.
"""

from __future__ import annotations

import gc


def freeze_loaded() -> None:
    """Leave everything alive now out of every later garbage collection."""
    gc.collect()
    gc.freeze()
