"""What the bot says and decides outside the knowledge base: topics, the fallback ladder,
greeting and the replies to unusual messages."""
