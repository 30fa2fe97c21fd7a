"""Retraining: scoring a model, the quality gate, the report, the model registry."""
