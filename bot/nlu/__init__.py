"""The old home of ``bot.rasa_server.nlu``, kept so that models trained before the move
(which name their components ``bot.nlu.<module>.<Class>``) still load."""
