"""A complaint in the wording of one message: demands, threats and chargebacks.

The NLU's ``complaint`` intent hears "I want to complain" and "this is unacceptable"; customers
who demand their money back angrily, threaten to go further, or tell us they are taking the
payment back through their bank are complaining as well, in other words. Three kinds:

* **threats** count on their own, calm or not: court, a lawyer, a regulator or ombudsman
  (trading standards, Citizens Advice ...), reporting the shop, a bad public review, social
  media, the press;
* **chargebacks** count on their own: the word itself, or disputing or reversing a payment
  with the bank, card company or PayPal — but a question about how disputes work ("can I
  dispute a charge?") is a payment question, not a complaint;
* **demands** (a refund, the money back, compensation) count only when insisted on: urgency
  right after the demand ("now", "today", "immediately"), "demand"/"insist"/"expect", hostile
  words ("useless", "scam", "rip-off"), anger in the typing (``read_markers``: capitals, "!!!",
  swearing), or an upset customer (``upset``: the caller's reading of sentiment). "How long
  does a refund take?" and "money back please" are questions and requests, not complaints.

Whole words, any case, straight or curly apostrophes, and the usual contractions and typos
("ill report you", "im gonna sue"). Each sign carries a reason a person can read, e.g.
"threatens a chargeback". Measured on held-out messages by bench/complaint_recognition.py.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from bot.escalation.markers import read_markers


class SignKind(enum.StrEnum):
    THREAT = "threat"
    CHARGEBACK = "chargeback"
    DEMAND = "demand"


@dataclass(frozen=True)
class ComplaintSign:
    """Why a message reads as a complaint."""

    kind: SignKind
    reason: str  # e.g. "threatens legal action", for the team


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w'])(?:{pattern})(?![\w'])", re.IGNORECASE)


#: The shop, as a threat names it ("I'll report you", "taking your company to court").
_WE = (
    r"(?:you|u|ya|y'all|you\s+guys|you\s+lot|fernhill"
    r"|(?:this|the|your)\s+(?:company|shop|business|store|firm|lot))"
)
_LEGAL_PEOPLE = r"(?:lawyers?|solicitors?|attorneys?|barristers?)"

_THREATS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "threatens legal action",
        _words(
            r"small[\s-]*claims?|money\s+claim|county\s+court|consumer\s+rights\s+act"
            rf"|(?:see|take|taking|took|drag|dragging|sue|suing)\s+{_WE}\s+(?:to|in)\s+court"
            r"|(?:to|in)\s+court\s+(?:over|about|for)|court\s+(?:action|case|claim|proceedings)"
            r"|legal\s+(?:action|proceedings|advice|route|steps|team)|letter\s+before\s+action"
            rf"|su(?:e|ing)\s+(?:{_WE}|you\s+for|them)|(?:i'?ll|i\s+will|gonna|going\s+to)\s+sue"
            rf"|(?:my|a|our|the\s+family)\s+{_LEGAL_PEOPLE}(?!'?s?\s+(?:office|firm|address))"
            rf"|{_LEGAL_PEOPLE}\s+(?:involved|on\s+(?:this|it|you|to\s+you))"
        ),
    ),
    (
        "threatens to go to a regulator or ombudsman",
        re.compile(
            r"(?<![\w'])(?:"
            r"tradings?\s*stand[ae]r?d?s?|ombuds?m[ae]n|citizens?'?\s*advice"
            r"|consumer\s+(?:protection|council|watchdog|direct)|watchdog"
            r"|better\s+business\s+bureau|advertising\s+standards"
            r")(?![\w'])"
            r"|(?<![\w'])(?:to|with|the)\s+(?-i:ASA|CMA|FCA|BBB|FTC|CAB)(?![\w'])",
            re.IGNORECASE,
        ),
    ),
    (
        "threatens to report the shop",
        _words(
            rf"report(?:ing|ed)?\s+{_WE}|{_WE}\s*(?:will|'ll|ll)\s+be\s+reported"
            r"|(?:you're|you\s+are|your|ur)\s+being\s+reported"
        ),
    ),
    (
        "threatens a bad public review",
        _words(
            r"(?:leave|leaving|give|giving|write|writing|post|posting|expect|enjoy|get|getting)\s+"
            r"(?:you\s+|u\s+)?(?:\S+\s+){0,2}?(?:(?:1|one|0|zero|no|a\s+single)[\s-]*stars?|bad"
            r"|terrible|awful|negative|horrible|scathing|damning|poor|shocking|stinking)\s+"
            r"(?:\S+\s+)?(?:reviews?|ratings?)"
            r"|(?:give|giving|leave|leaving|rate|rating)\s+(?:you\s+|it\s+)?"
            r"(?:1|one|0|zero|a\s+single)[\s-]*stars?"
            r"|reviews?\b[^.!?]{0,20}\b(?:a\s+)?(?:bad|negative|terrible|damning)\s+one"
            r"|(?:write|writing|post|posting|leave|leaving|put|putting)\s+(?:\S+\s+){0,3}?"
            r"(?:on|to)\s+(?:trustpilot|feefo|google\s+reviews|yelp)"
            r"|(?:trustpilot|feefo|google\s+reviews)\s+(?:is|are|will\s+be)\s+(?:going\s+to|gonna)?"
            r"\s*hear(?:ing)?"
        ),
    ),
    (
        "threatens to go public",
        _words(
            r"(?:post|posting|put|putting|share|sharing|plaster|plastering|blast|blasting|tweet"
            r"|tweeting)\s+(?:this|it|that|everything|about\s+(?:this|it|you)|screenshots|the\s+"
            r"(?:chat|conversation|story|whole\s+thing))\b[^.!?]{0,40}?\b(?:everywhere|online"
            r"|social\s+media|twitter|facebook|fb|insta(?:gram)?|tiktok|reddit|youtube|mumsnet"
            r"|the\s+internet|all\s+over)"
            r"|go(?:ing|es)?\s+(?:on|to)\s+(?:social\s+media|twitter|facebook|insta(?:gram)?|tiktok"
            r"|reddit|youtube|mumsnet)\s+(?:with|about)"
            r"|(?:go|goes|going|gone)\s+viral|name\s+and\s+shame"
            r"|(?:warn|warning)\s+(?:every\s*one|everybody|people|others|other\s+customers|the\s+"
            r"world|my\s+friends|friends)"
            r"|(?:tell|telling)\s+(?:every\s*one|everybody|people|all\s+my\s+friends)\b[^.!?]{0,40}?"
            r"\b(?:avoid|stay\s+away|not\s+to|never|how\s+(?:bad|awful|terrible|useless))"
            r"|(?:contact|contacting|go(?:ing)?\s+to|tell|telling|email|emailing|write\s+to|writing"
            r"\s+to|call|calling)\s+(?:the\s+|my\s+)?(?:local\s+)?(?:press|papers?|newspapers?"
            r"|journalists?|bbc|media)"
        ),
    ),
    (
        "threatens to take it further",
        _words(
            r"(?:going\s+to|gonna|will|\w+'ll)\s+hear\s+(?:about|of)\s+(?:this|it)"
            r"|(?:haven't|have\s+not|havent)\s+heard\s+the\s+last"
            r"|take\s+(?:this|it|things|the\s+matter)\s+further"
        ),
    ),
)

_MONEY_PLACES = (
    r"bank|card\s+(?:company|provider|issuer)|credit\s+card|paypal|amex|visa|mastercard|klarna"
)
# Apart, "charge back" is mostly a fee refunded ("the delivery charge back"), unless done.
_CHARGEBACK_WORD = _words(
    r"charge-?backs?|section\s*75"
    r"|(?:do|doing|did|file|filing|filed|request|requesting|raise|raising)\s+a\s+charge\s+back"
)
_DISPUTE = _words(
    r"disput(?:e|es|ed|ing)\s+(?:the\s+|this\s+|that\s+|a\s+|my\s+|your\s+)?(?:payment|charge"
    r"|transaction|order|it|this)|(?:raise|raised|raising|open|opened|opening|file|filed|filing"
    r"|start|started|starting)\s+a\s+(?:dispute|claim)"
    # "cancelled", not "cancel": "please cancel the payment" asks the shop, not the bank.
    r"|(?:reverse|reversed|reversing|cancelled|canceled|cancelling|stopped|stopping|recall)"
    r"\s+(?:the\s+|this\s+|that\s+|my\s+)?(?:payment|charge|transaction)"
    r"|(?:claim|claiming|get|getting)\s+(?:it|this|the\s+money|my\s+money)\s+back"
    # The customer calls it fraud to the bank; "my bank flagged it as fraud" is the bank's word.
    r"|(?:report\w*|tell|told|telling)\s+(?:\S+\s+){0,5}?fraud"
)
_BANK = _words(_MONEY_PLACES)
#: A message that opens as a question ("can I dispute a charge?", "can we expect ...").
_QUESTION = re.compile(
    r"^\W*(?:can|could|how|what|does|do|is|are|will|would|should|when|where|why|may)\b",
    re.IGNORECASE,
)
_INTENT = _words(r"i\s*(?:'ll|ll|will|shall)|ill|gonna|going\s+to|about\s+to|already")

_DEMAND = _words(
    r"(?:want|wanting|demand|demanding|expect|expecting|deserve|require|insist\s+on)"
    r"(?!\s+to\s+(?:know|ask|check|find|see|understand|return|exchange|send))"
    r"\s+(?:\S+\s+){0,3}?(?:(?:a\s+)?refund|compensation|reimbursement|money\s+back"
    r"|(?:my|the|our)\s+money|(?:to\s+be\s+)?(?:compensated|refunded|reimbursed))"
    r"|(?:give|gimme|pay|send|hand)\s+(?:me\s+|us\s+)?(?:back\s+)?(?:my|our|the)\s+(?:\S+\s+)?money"
    r"|pay\s+(?:me|us)\s+back|return\s+my\s+money"
    r"|(?<!you\s)(?<!to\s)refund\s+(?:me|us|my\s+money|my\s+order|the\s+order|the\s+lot"
    r"|everything|both|all\s+of\s+it|it\s+all)"
    r"|refunded\s+(?:immediately|now|today|asap|at\s+once|right\s+now)"
)
_COMPENSATION = re.compile(r"compensat|reimburs", re.IGNORECASE)
_URGENT = _words(
    r"now(?!\s+that)|right\s+now|immediately|today|tonight|asap|at\s+once|straight\s+away"
    r"|this\s+instant|this\s+minute|or\s+(?:else|i'll|ill|i\s+will|i'm|im|i\s+go)"
)
_INSISTING = _words(r"demand\w*|insist\w*|expect\w*|deserve\w*")
_HOSTILE = _words(
    r"useless|hopeless|joke|scam\w*|rip[\s-]?off|ripped\s+off|thie(?:f|ves|ving)|robbery"
    r"|robbing|con(?:ned|men)?|cowboys|crooks?|fraud\w*|liars?|lying|disgrace\w*|disgusting"
    r"|pathetic|appalling|shocking|unacceptable|ridiculous|outrageous|rubbish|garbage|trash"
    r"|shambles|fiasco|incompetent|worst|terrible|awful|horrendous|diabolical|fed\s+up"
    r"|sick\s+(?:of|and\s+tired)|had\s+enough|last\s+(?:chance|time|warning)"
    r"|never\s+(?:shop\w*|order\w*|buy\w*|us\w*)\s+(?:\S+\s+){0,2}?(?:again|here|from\s+you)"
)
_URGENCY_REACH = 40  # characters after the demand within which "now" or "today" insists


def complaint_sign(text: str, *, upset: bool = False) -> ComplaintSign | None:
    """The sign that this message is a complaint (the most telling one), or None.

    ``upset``: the customer is upset by another reading (negative sentiment); it makes a
    plain demand count. Threats and chargebacks count without it."""
    text = _normalise(text)
    if not text:
        return None
    for reason, pattern in _THREATS:
        if pattern.search(text):
            return ComplaintSign(SignKind.THREAT, reason)
    chargeback = _chargeback(text)
    if chargeback is not None:
        return chargeback
    return _demand(text, upset=upset)


def _normalise(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").replace("\u2018", "'").split())


def _chargeback(text: str) -> ComplaintSign | None:
    if _CHARGEBACK_WORD.search(text):
        return ComplaintSign(SignKind.CHARGEBACK, "threatens a chargeback")
    # A question about how disputes work, unless the customer says they are going to.
    asking = (_QUESTION.search(text) is not None or "?" in text) and not _INTENT.search(text)
    if asking or not _DISPUTE.search(text):
        return None
    if _BANK.search(text) or re.search(r"\bdisput", text, re.IGNORECASE):
        return ComplaintSign(SignKind.CHARGEBACK, "disputes the payment with the bank")
    return None


def _demand(text: str, *, upset: bool) -> ComplaintSign | None:
    demand = _DEMAND.search(text)
    if demand is None:
        return None
    after = text[demand.end() : demand.end() + _URGENCY_REACH]
    # "Can we expect compensation?" asks; only the typing or the words themselves insist.
    asking = _QUESTION.search(text) is not None
    insisted = (
        (upset and not asking)
        or (_INSISTING.search(demand.group(0)) is not None and not asking)
        or read_markers(text).any
        or _URGENT.search(after) is not None
        or _HOSTILE.search(text) is not None
    )
    if not insisted:
        return None
    what = "compensation" if _COMPENSATION.search(text) else "a refund"
    return ComplaintSign(SignKind.DEMAND, f"demands {what}")
