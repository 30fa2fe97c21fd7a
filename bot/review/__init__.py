"""Support leads improve the bot from its own conversations.

``mining`` finds the messages the bot probably misunderstood, ``clustering`` groups
near-duplicates, ``inbox`` stores the groups (personal data masked) and the audit log,
``training_data`` writes decisions into the project's YAML files, and ``workflow`` runs
these steps.
"""
