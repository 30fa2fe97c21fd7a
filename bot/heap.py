"""What a server loaded at start-up, kept out of the garbage collector's way.

A server loads hundreds of thousands of objects that live as long as it does (the models,
torch, Rasa, the libraries: 820,000 in a process with the embedding model loaded). Python's
garbage collector looks at every one of them in each full collection, and the many small
objects a request makes (a long conversation's events, parsed from JSON) keep triggering
collections: parsing the action server's request at turn 120 of one conversation (1,067
events, 496 KB) took 18.4 ms of CPU in such a process and 2.4 ms once they were frozen.

``freeze_loaded()`` moves everything alive into the permanent generation the collector skips
(``gc.freeze``). It is called when a server has loaded what it serves: the action server after
its warm-up, the Rasa server after each model it loads (``bot.rasa_server.loaded_model``), the
web service before serving. Objects made later are collected as usual, and a frozen object is
still freed when nothing refers to it; only frozen objects that end up in a reference cycle
(a replaced Rasa model: its agent, graph and components refer to each other) wait for the next
call, which first unfreezes and collects everything, so the model a new one replaced is freed.
"""

from __future__ import annotations

import gc


def freeze_loaded() -> None:
    """Leave everything alive now out of later garbage collections (what was frozen before
    and has become garbage since is collected first)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
