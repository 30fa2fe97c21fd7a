"""Our Rasa input channels (named in credentials.yml, loaded by the Rasa server)."""
