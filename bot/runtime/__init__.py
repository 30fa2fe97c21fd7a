"""Running the product: training the Rasa model when needed, starting and watching services."""
