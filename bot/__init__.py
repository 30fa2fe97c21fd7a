"""supportbot: a self-hosted customer-support assistant built on Rasa.

The package is organised by feature (``knowledge``, ``business``, ``embeddings``, ...);
``bot.services`` wires them together and ``bot.cli`` is the ``supportbot`` command line.
"""

__version__ = "0.1.0"
