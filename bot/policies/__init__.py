"""The old home of ``bot.rasa_server.policies``, kept so that models trained before the move
(which name their components ``bot.policies.<module>.<Class>``) still load."""
