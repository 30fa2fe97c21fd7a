"""Complaints: tickets with a reference, a priority and SLA deadlines from the business facts."""
