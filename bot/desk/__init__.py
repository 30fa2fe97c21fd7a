"""The support desk: what agents use (accounts, the live queue, replies to customers)."""
