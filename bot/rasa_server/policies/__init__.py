"""Our dialogue policies for Rasa (loaded by the Rasa server, named in config.yml)."""
