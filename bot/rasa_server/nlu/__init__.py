"""Our components for Rasa's NLU pipeline (loaded by the Rasa server, named in config.yml)."""
