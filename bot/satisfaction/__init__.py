"""Customer satisfaction: the CSAT question, its record, and follow-ups for the team."""
