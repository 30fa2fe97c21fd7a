"""The web service (port 8000): the demo shop with the chat widget, the widget's assets and
transcripts. Later: the agent console, the dashboard and the agent API."""
