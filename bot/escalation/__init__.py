"""When to bring in a person: signals over the whole conversation, and the decision."""

from bot.escalation.complaint_signs import ComplaintSign, complaint_sign
from bot.escalation.decision import (
    Decision,
    EscalationConfig,
    Level,
    Priority,
    Signals,
    assess,
    own_reason,
    read_signals,
)
from bot.escalation.history import (
    ESCALATION_SLOT,
    LOOKBACK_TURNS,
    Turn,
    recent_turns,
    turns_from_events,
)
from bot.escalation.markers import Markers, read_markers

__all__ = [
    "ESCALATION_SLOT",
    "LOOKBACK_TURNS",
    "ComplaintSign",
    "Decision",
    "EscalationConfig",
    "Level",
    "Markers",
    "Priority",
    "Signals",
    "Turn",
    "assess",
    "complaint_sign",
    "own_reason",
    "read_markers",
    "read_signals",
    "recent_turns",
    "turns_from_events",
]
