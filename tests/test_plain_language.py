"""Partner-facing pages speak plain language (STYLE.md habit 5): rule ids such as R-MNT-4 stay
in the API's ``rule`` field, the admin and the code. Crawls every portal page a partner admin
can reach from the dashboard with the demo data, in English and in Portuguese."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import time_machine
from django.core.management import call_command

RULE_ID = re.compile(r"\bR-(?:CASE|MNT|CAP|REL|NOT)-\d+")
SKIP_PREFIXES = ("/admin/", "/api/", "/accounts/logout", "/i18n/", "/static/", "/health/")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def _crawl(client, start: str = "/", limit: int = 120) -> dict[str, str]:
    seen: dict[str, str] = {}
    queue = [start]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            seen[url] = ""
            continue
        html = response.content.decode()
        seen[url] = html
        parser = _Links()
        parser.feed(html)
        for href in parser.links:
            parts = urlsplit(urljoin(url, href))
            if parts.netloc and parts.netloc != "testserver":
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path.startswith(SKIP_PREFIXES) or path.endswith((".ics", ".atom")):
                continue
            if path not in seen:
                queue.append(path)
    return seen


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "pt-br"])
@time_machine.travel("2027-03-10T10:00:00+00:00", tick=False)
def test_no_partner_page_shows_a_rule_id(client, language) -> None:
    from django.contrib.auth import get_user_model

    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    alice = get_user_model().objects.get(username="alice")
    client.force_login(alice)
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    pages = _crawl(client)
    assert len([p for p in pages.values() if p]) >= 15, sorted(pages)
    offenders = {
        url: sorted(set(RULE_ID.findall(_visible_text(html))))
        for url, html in pages.items()
        if RULE_ID.search(_visible_text(html))
    }
    assert offenders == {}


def _visible_text(html: str) -> str:
    """The page without its scripts' data and attribute values (a JSON config may name rules
    for the code that reads it)."""
    html = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)
