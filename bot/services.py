"""Composition root: builds supportbot's services from ``Settings``.

The one place where feature packages are wired together. Heavy parts (the embedding model,
the search index) are created on first use and then shared by everything in the process;
they are read-only caches, never conversation state (which lives in Rasa's tracker store).
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.business import BusinessFacts, load_business_facts
from bot.embeddings import Embedder, SentenceTransformerEmbedder, resolve_model_path
from bot.knowledge import Manifest, ReloadingSearcher, Searcher, check_fresh, read_manifest
from bot.knowledge.crosslingual import CrossLingualSearcher
from bot.rasa_api import HttpRasaApi, RasaApi
from bot.settings import PREFIX, Settings
from bot.storage import migrate
from bot.storage.accounts import SqlAccounts
from bot.storage.activity import SqlCustomerActivity
from bot.storage.attachments import SqlAttachments
from bot.storage.audit import SqlAuditLog
from bot.storage.complaints import SqlComplaints
from bot.storage.engines import set_pool_size
from bot.storage.followups import SqlFollowUps
from bot.storage.handoffs import SqlHandoffQueue
from bot.storage.outbox import SqlRasaOutbox
from bot.storage.slack_events import SqlSlackEventLog
from bot.storage.tracker import ConversationStore
from bot.watched_file import WatchedFile

if TYPE_CHECKING:
    from bot.customer_data import CustomerData
    from bot.desk.delivery import OutboxDelivery
    from bot.privacy.redactor import Redactor
    from bot.reporting.dashboard import Dashboard
    from bot.reporting.report import DayData, Stores
    from bot.reporting.schedule import ScheduledReports
    from bot.review.workflow import ReviewWorkflow

logger = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Services:
    """Everything the actions and the command line need, built lazily from ``settings``.

    Tests pass their own ``embedder``, ``searcher``, ``handoff_queue`` or ``clock`` (fakes or
    in-memory databases, not mocks).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utc_now,
        embedder: Embedder | None = None,
        searcher: Searcher | None = None,
        handoff_queue: SqlHandoffQueue | None = None,
        crosslingual: CrossLingualSearcher | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self._embedder = embedder
        self._searcher = searcher
        self._handoff_queue = handoff_queue
        self._crosslingual = crosslingual
        self._followups: SqlFollowUps | None = None
        self._complaints: SqlComplaints | None = None
        self._database_ready = False
        self._report_stores: Stores | None = None
        self._business_facts = WatchedFile(settings.business_facts_file, load_business_facts)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = SentenceTransformerEmbedder(
                resolve_model_path(self.settings.embedding_model),
                threads=self.settings.torch_threads,
            )
        return self._embedder

    @property
    def crosslingual(self) -> CrossLingualSearcher:
        """Questions in other languages matched against the articles (its encoder loads on
        the first such question)."""
        if self._crosslingual is None:
            self._crosslingual = CrossLingualSearcher()
        return self._crosslingual

    @property
    def searcher(self) -> Searcher:
        """Knowledge-base search that follows rebuilds of the index on disk."""
        if self._searcher is None:
            self._searcher = ReloadingSearcher(self.settings.kb_index_dir, self.embedder)
        return self._searcher

    def prepare_database(self) -> str:
        """The support desk's database URL, its schema brought up to date on first use in
        this process (``supportbot run`` has normally done it already: then this only checks).
        Raises ``StorageError`` when the database cannot be reached."""
        if not self._database_ready:
            for url in (self.settings.database_url, self.settings.tracker_url):
                set_pool_size(url, self.settings.database_pool_size)
            migrate.upgrade(self.settings.database_url)
            self._database_ready = True
        return self.settings.database_url

    @property
    def database_url(self) -> str:
        return self.prepare_database()

    @property
    def handoff_queue(self) -> SqlHandoffQueue:
        """The live-chat queue in the support desk's database (shared by all processes)."""
        if self._handoff_queue is None:
            self._handoff_queue = SqlHandoffQueue(self.database_url)
        return self._handoff_queue

    @property
    def followups(self) -> SqlFollowUps:
        """Unhappy survey answers for the team to look at (the support desk's database)."""
        if self._followups is None:
            self._followups = SqlFollowUps(self.database_url)
        return self._followups

    @property
    def complaints(self) -> SqlComplaints:
        """Complaint tickets and their deadlines (the support desk's database)."""
        if self._complaints is None:
            self._complaints = SqlComplaints(self.database_url)
        return self._complaints

    def accounts(self) -> SqlAccounts:
        """Console users and their sessions."""
        return SqlAccounts(self.database_url)

    def customer_activity(self) -> SqlCustomerActivity:
        """Typing and page-closed times of customers with the team."""
        return SqlCustomerActivity(self.database_url)

    def attachments(self) -> SqlAttachments:
        """Files sent in live chats (the support desk's database, shared by every server)."""
        return SqlAttachments(self.database_url)

    def slack_event_log(self) -> SqlSlackEventLog:
        """Slack deliveries already handled (shared by every Rasa server)."""
        return SqlSlackEventLog(self.database_url)

    def rasa_api(self) -> RasaApi:
        """The running Rasa server's HTTP API."""
        return HttpRasaApi(self.settings)

    def outbox(self) -> SqlRasaOutbox:
        """What the desk writes into conversations, kept until Rasa has it."""
        return SqlRasaOutbox(self.database_url)

    def outbox_delivery(self) -> OutboxDelivery:
        from bot.desk.delivery import OutboxDelivery

        return OutboxDelivery(self.outbox(), self.rasa_api(), clock=self.clock)

    def conversation_store(self) -> ConversationStore:
        """Reading Rasa's tracker store."""
        return ConversationStore(self.settings.tracker_url)

    def review_workflow(self) -> ReviewWorkflow:
        """The support leads' review loop over the tracker store and the desk's database."""
        from bot.escalation import EscalationConfig
        from bot.privacy.redactor import Redactor
        from bot.review.training_data import IntentFile, ProjectIntents
        from bot.review.workflow import ReviewWorkflow
        from bot.storage.review import SqlReviewInbox

        settings = self.settings
        # "The same question again" is one number: the escalation policy's, in config.yml.
        escalation = EscalationConfig.from_rasa_config(settings.home / "config.yml")
        return ReviewWorkflow(
            inbox=SqlReviewInbox(self.database_url),
            store=self.conversation_store(),
            redactor=lambda: Redactor(self.business_facts().order_number_pattern),
            embedder=lambda: self.embedder,
            project=ProjectIntents(settings.home),
            eval_file=IntentFile(settings.eval_set_file),
            kb_dir=settings.kb_dir,
            clock=self.clock,
            repeat_similarity=escalation.repeat_similarity,
        )

    def report_stores(self) -> Stores:
        """What the daily report and the dashboard read (one set per ``Services``)."""
        from bot.reporting.report import Stores

        if self._report_stores is None:
            self._report_stores = Stores(
                conversations=self.conversation_store(),
                handoffs=self.handoff_queue,
                complaints=self.complaints,
                followups=self.followups,
            )
        return self._report_stores

    def daily_report(self, day: date, now: datetime) -> dict[str, Any]:
        """The figures of ``day`` in the business timezone (``supportbot report``)."""
        from bot.privacy.redactor import Redactor
        from bot.reporting.report import daily_report

        facts = self.business_facts()
        return daily_report(
            self.report_stores(),
            day,
            timezone=facts.hours.timezone,
            redactor=Redactor(facts.order_number_pattern),
            now=now,
        )

    def dashboard(self) -> Dashboard:
        """The report's figures for any range of days, for the console's dashboard."""
        from bot.reporting.dashboard import Dashboard
        from bot.reporting.report import load_day

        def load(day: date) -> DayData:
            return load_day(self.report_stores(), day, self.business_facts().hours.zone)

        def redactor() -> Redactor:
            from bot.privacy.redactor import Redactor  # spaCy: loaded when first needed

            return Redactor(self.business_facts().order_number_pattern)

        return Dashboard(
            load,
            zone=lambda: self.business_facts().hours.zone,
            clock=self.clock,
            redactor=redactor,
        )

    def scheduled_reports(self) -> ScheduledReports:
        """Each finished day's report, written by the running web service."""
        from bot.reporting.schedule import ScheduledReports

        return ScheduledReports(
            self.daily_report,
            self.settings.reports_dir,
            zone=lambda: self.business_facts().hours.zone,
            company=lambda: self.business_facts().company_name,
            clock=self.clock,
        )

    def audit_log(self) -> SqlAuditLog:
        """Who in the team read or changed what (the web service and ``supportbot privacy``)."""
        return SqlAuditLog(self.database_url)

    def customer_data(self) -> CustomerData:
        """A customer's data across the stores and reports: export, erasure, retention."""
        from bot.customer_data import CustomerData
        from bot.storage.privacy import SqlPrivacy

        return CustomerData(
            store=SqlPrivacy(self.database_url, self.settings.tracker_url),
            reports_dir=self.settings.reports_dir,
            company=lambda: self.business_facts().company_name,
            retention_days=lambda: self.business_facts().retention_days,
        )

    def business_facts(self) -> BusinessFacts:
        """The business facts as currently on disk (edits apply without a restart)."""
        return self._business_facts.current()

    def check_knowledge_index(self) -> Manifest:
        """The index manifest, if the index exists and matches the knowledge base and model."""
        manifest = read_manifest(self.settings.kb_index_dir)
        check_fresh(manifest, source=self.settings.kb_dir, model_id=self.embedder.model_id)
        return manifest

    def warm_up(self) -> Manifest:
        """Fail fast on a missing or stale index or bad business facts, then load everything."""
        manifest = self.check_knowledge_index()
        self.business_facts()
        self.searcher.search("warm up")
        try:
            self.crosslingual.warm_up(self.searcher)
        except Exception:  # serve English anyway; such questions meet the error as before
            logger.exception("the search of questions in other languages could not be loaded")
        logger.info(
            "knowledge base ready: %d articles (%s index)", manifest.articles, manifest.index_kind
        )
        return manifest


@functools.cache
def services_for(settings: Settings) -> Services:
    """One ``Services`` per settings per process (shared by all actions)."""
    return Services(settings)


def default_services() -> Services:
    """Services for the settings in this process's environment.

    Every action asks for them several times per message; the settings are read again only when
    the ``SUPPORTBOT_*`` variables (or the working folder) change, not on every call."""
    variables = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(PREFIX)))
    return _services_for_environment(str(Path.cwd()), variables)


@functools.cache
def _services_for_environment(_cwd: str, _variables: tuple[tuple[str, str], ...]) -> Services:
    return services_for(Settings.from_env())
