"""The ``supportbot`` command line (entry point: ``bot.cli.main:main``)."""
