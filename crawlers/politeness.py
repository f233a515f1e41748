"""Per-host politeness: a minimum delay between requests and robots.txt rules.

:class:`HostGate` spaces the *starts* of requests to one host by at least the host's delay
(``max(min_delay, Crawl-delay)``), across all threads and sites that share the gate, so a city
portal linked from several bureau sites is not hit by all of them at once. Waiting for one
host never blocks requests to another.

:class:`RobotsRules` wraps the standard library parser. A robots.txt answered with 4xx
(typically 404) allows everything; a 5xx answer disallows everything (RFC 9309 §2.3.1.3);
a network failure leaves the host "unknown" and the pages themselves are tried, so their real
failure (dns, connect, timeout) is what gets recorded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

#: The product token matched against robots.txt ``User-agent`` lines.
ROBOTS_AGENT = "eco-disclosure-evaluator"
#: A Crawl-delay above this is capped (and the cap recorded in the stats).
MAX_CRAWL_DELAY = 60.0
#: robots.txt files larger than this are cut (Google uses 500 KiB).
MAX_ROBOTS_BYTES = 500 * 1024


def host_of(url: str) -> str:
    """``http://Example.gov.cn:8080/a`` → ``example.gov.cn:8080`` (the politeness key)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


@dataclass
class RobotsRules:
    """The robots.txt rules of one host."""

    state: str  # parsed | allow_all | disallow_all | unknown
    parser: RobotFileParser | None = None
    note: str = ""
    delays: dict[str, float] = field(default_factory=dict)  # user-agent token -> Crawl-delay

    @classmethod
    def from_response(cls, http_status: int | None, body: bytes, fetch_status: str) -> "RobotsRules":
        """Build the rules from the robots.txt fetch result."""
        if fetch_status in ("dns", "connect", "timeout"):
            return cls("unknown", note=f"robots.txt not reachable ({fetch_status})")
        if http_status is None:
            return cls("unknown", note=f"robots.txt not read ({fetch_status})")
        if 400 <= http_status < 500:
            return cls("allow_all", note=f"robots.txt answered {http_status}: everything allowed")
        if http_status >= 500:
            return cls("disallow_all", note=f"robots.txt answered {http_status}: nothing allowed (RFC 9309)")
        if not 200 <= http_status < 300:
            return cls("allow_all", note=f"robots.txt answered {http_status}")
        text = body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
        parser = RobotFileParser()
        parser.parse(text.splitlines())
        return cls("parsed", parser=parser, delays=_crawl_delays(text))

    def allowed(self, url: str, agent: str = ROBOTS_AGENT) -> bool:
        """May ``url`` be fetched?"""
        if self.state == "disallow_all":
            return False
        if self.state != "parsed" or self.parser is None:
            return True
        return self.parser.can_fetch(agent, url)

    def crawl_delay(self, agent: str = ROBOTS_AGENT) -> float | None:
        """The Crawl-delay for our agent (or ``*``), if any."""
        if self.state != "parsed":
            return None
        token = agent.split("/")[0].lower()
        for name, delay in self.delays.items():  # the group naming our agent wins over "*"
            if name != "*" and name in token:
                return delay
        return self.delays.get("*")


def _crawl_delays(text: str) -> dict[str, float]:
    """Crawl-delay per user-agent group. The standard library parser only reads whole
    seconds; sites also write ``Crawl-delay: 0.5``."""
    delays: dict[str, float] = {}
    agents: list[str] = []
    in_rules = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, _, value = line.partition(":")
        key, value = key.strip().lower(), value.strip()
        if key == "user-agent":
            if in_rules:
                agents, in_rules = [], False
            agents.append(value.lower())
        else:
            in_rules = True
            if key == "crawl-delay":
                try:
                    delay = float(value)
                except ValueError:
                    continue
                if delay >= 0:
                    for agent in agents:
                        delays.setdefault(agent, delay)
    return delays


class HostGate:
    """Spaces request starts per host. Thread-safe; shared by every site of a crawl.

    ``clock`` and ``sleep`` are injectable for tests.
    """

    def __init__(
        self,
        min_delay: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.min_delay = max(0.0, min_delay)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}
        self._delay: dict[str, float] = {}

    def set_delay(self, host: str, delay: float) -> float:
        """Use ``max(min_delay, delay)`` (capped at :data:`MAX_CRAWL_DELAY`) for ``host``;
        returns the delay in force."""
        with self._lock:
            value = min(max(self.min_delay, delay), max(MAX_CRAWL_DELAY, self.min_delay))
            self._delay[host] = value
            return value

    def delay_for(self, host: str) -> float:
        """The delay in force for ``host``."""
        with self._lock:
            return self._delay.get(host, self.min_delay)

    def wait(self, host: str) -> float:
        """Block until a request to ``host`` may start; returns the seconds waited.

        Slots are reserved under the lock, so two threads asking for the same host get
        consecutive slots ``delay`` apart, while other hosts are not delayed.
        """
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + self._delay.get(host, self.min_delay)
        pause = slot - now
        if pause > 0:
            self._sleep(pause)
        return max(0.0, pause)


class RobotsCache:
    """robots.txt rules per host, fetched once per crawl through ``load``."""

    def __init__(self, load: Callable[[str], RobotsRules]) -> None:
        self._load = load
        self._rules: dict[str, RobotsRules] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def rules(self, url: str) -> RobotsRules:
        """The rules for the host of ``url`` (loaded on first use)."""
        host = host_of(url)
        with self._guard:
            if host in self._rules:
                return self._rules[host]
            lock = self._locks.setdefault(host, threading.Lock())
        with lock:
            with self._guard:
                if host in self._rules:
                    return self._rules[host]
            rules = self._load(url)
            with self._guard:
                self._rules[host] = rules
            return rules

    def known(self, url: str) -> RobotsRules | None:
        """The rules already loaded for the host of ``url``, if any."""
        with self._guard:
            return self._rules.get(host_of(url))

    def put(self, url: str, rules: RobotsRules) -> None:
        """Store rules loaded elsewhere (for example from the frontier's robots fetch)."""
        with self._guard:
            self._rules[host_of(url)] = rules
