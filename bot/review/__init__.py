"""Support leads improve the bot from its own conversations.

``mining`` finds the messages the bot probably misunderstood, ``clustering`` groups
near-duplicates, ``suggestion`` proposes what a group is, ``inbox`` stores the groups
(personal data masked) and the audit log, ``training_data`` writes decisions into the
project's YAML files, ``needs_work`` keeps the articles a lead marked as needing work after
wrong answers, and ``workflow`` runs these steps.
"""
