"""Every page a role can see, at 1440 px (a projector) and 390 px (a phone): axe-core finds no
violation of WCAG 2.1 A or AA, the page is no wider than the screen, and at 1440 px no table
is cut off inside its scrolling box. Nothing a person reads is a code of the app's vocabularies
(a status, level, role or audit code) or a number of seconds since 1970.

The pages are not a hand-written list. Each role starts at the home page and follows every
link and every GET form (with the values it shows) on the pages it is shown; the first
address of each route is examined. Every route the URL resolver knows is then either reached
by some role or named below as not a page (a download, a form target, the API), so a page
added later is examined, or has to be named here.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse

from keten.demo.actions import DEMO_PASSWORD, set_up_demo
from keten.scan import actions as scan
from tests.conftest import log_in
from tests.demo.conftest import END

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WIDTHS = (1440, 390)
CHAIN = "werk"
ROLES = {"coordinator": "werk-regisseur", "analyst": "werk-analist", "steering": "werk-stuurgroep"}
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}

# Routes that are not pages a person reads: files, form targets (POST only), the admin, other
# sites. Any other route must be reached by some role below.
NOT_PAGES = {
    # files
    "monitor-csv",
    "events-rejects",
    "report-published",  # the HTML as published: the same file as report-download's, examined
    "governance:logo",
    "governance:covenant-document",
    "scan:results-csv",
    "scan:gains-csv",
    "scan:item-bank-download",
    # form targets
    "monitor-switch-view",
    "events-withdraw",
    "events-restore",
    "report-publish",
    "governance:story-review",
    "scan:issue",
    "scan:revoke",
    "scan:close",
    "accounts:unlock",
    "accounts:reset-two-factor",
    "accounts:remove",
    "accounts:revoke-token",
    "logout",
    "set_language",
    # the link in a new member's invitation
    "accounts:set-password",
    # the code step of logging in, passed by log_in()
    "accounts:two-factor-verify",
    # login through the organisation's identity provider
    "oidc_authentication_init",
    "oidc_authentication_callback",
    "oidc_logout",
}
NOT_PAGE_PREFIXES = ("admin:", "api-")  # Django's admin; the REST API and its schema
DOWNLOAD = re.compile(r"\.(csv|pdf|yaml|yml|xes|parquet|json)$")

CHARTS_DRAWN = (
    "[...document.querySelectorAll('[data-vega], [data-scan-chart]')]"
    ".every(e => e.classList.contains('rendered') || e.classList.contains('failed'))"
)
# Where a page leads: its links, and its GET forms submitted as they stand.
OUTGOING = """() => [
    // getAttribute: an SVG link's `href` (the process map) is an object, not the address
    ...[...document.querySelectorAll('a[href]')]
        .map(a => [new URL(a.getAttribute('href'), location.href).href, false]),
    ...[...document.forms].filter(f => (f.getAttribute('method') || 'get').toLowerCase() === 'get').map(f => {
        // getAttribute: a field named "action" or "method" hides the form's own property
        const url = new URL(f.getAttribute('action') || location.href, location.href);
        url.search = new URLSearchParams(new FormData(f)).toString();
        return [url.href, true];
    }),
]"""
# Tables whose scrolling box is narrower than the table: their last columns are out of view.
CLIPPED_TABLES = """() => [...document.querySelectorAll('table')].filter(t => {
    for (let box = t.parentElement; box && box !== document.body; box = box.parentElement) {
        if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(box).overflowX))
            return box.scrollWidth > box.clientWidth + 1;
    }
    return false;
}).map(t => t.id || (t.querySelector('caption, th') || t).textContent.trim().slice(0, 40))"""


# Text a person reads (screen readers included) that is a code or an epoch number. Digits
# grouped by a separator ("1,704,067,200,000" on a chart axis) count too.
CODES_SHOWN = """(codes) => {
    const found = new Set();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        // A chart wraps a long label over <tspan> lines: read the label whole.
        const label = walker.currentNode.parentElement.closest('svg text');
        const element = label || walker.currentNode.parentElement;
        const text = (label || walker.currentNode).textContent.trim();
        if (!text || element.closest('code, pre, textarea, script, style, template')) continue;
        if (!element.getClientRects().length) continue;  // not rendered
        const digits = text.replace(/(\\d)[.,\\u00a0\\u202f ](?=\\d{3}(\\D|$))/g, '$1');
        if (codes.includes(text) || /(^|\\D)1[3-9]\\d{8}(\\d{3})?(\\D|$)/.test(digits))
            found.add(text.slice(0, 60));
    }
    return [...found];
}"""


def vocabulary() -> list[str]:
    """The codes the app stores and must never show as they are: every choice of every model
    field, the words `formatting.word` translates and the audit actions."""
    from django.apps import apps

    from keten.chains.models import AUDIT_ACTIONS
    from keten.formatting import WORDS

    codes = {
        str(value)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        for value, _ in getattr(field, "flatchoices", None) or ()
    }
    return sorted(c for c in codes | set(AUDIT_ACTIONS) | set(WORDS) if re.fullmatch(r"[a-z_.]+", c))


def route_names() -> set[str]:
    """Every named route the resolver knows, with its namespace."""

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern) and p.name:
                yield namespace + p.name

    return set(walk(get_resolver().url_patterns))


def is_page(name: str | None) -> bool:
    return bool(name) and name not in NOT_PAGES and not name.startswith(NOT_PAGE_PREFIXES)


def route_of(url: str) -> str | None:
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return None


def problems_of(page, axe: Axe, width: int) -> dict:
    """What is wrong with the page as it stands at this width."""
    page.wait_for_function(CHARTS_DRAWN, timeout=20000)
    codes = page.evaluate(CODES_SHOWN, vocabulary()) if width >= 1440 else []
    violations = axe.run(page, options=WCAG_21_AA).response["violations"]
    return {
        "violations": [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations],
        "overflow": page.evaluate("document.documentElement.scrollWidth - innerWidth"),
        "clipped": page.evaluate(CLIPPED_TABLES) if width >= 1440 else [],
        "codes": codes,
    }


def examine(page, axe: Axe, url: str) -> tuple[dict[int, dict], list[str]]:
    """The problems of one page at each width, and the addresses it leads to."""
    found, outgoing = {}, []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        found[width] = problems_of(page, axe, width)
        outgoing = outgoing or page.evaluate(OUTGOING)
    return found, outgoing


def examine_file(page, axe: Axe, html: str) -> dict[int, dict]:
    """The problems of an HTML file a page offers for download (the report), opened as is."""
    found = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("about:blank")  # as a file opened from disk: not under the app's CSP
        page.set_content(html)
        found[width] = problems_of(page, axe, width)
    return found


def walk(page, axe: Axe, base: str) -> dict[str, dict[int, dict]]:
    """Route name -> the problems of the first page of that route the user of `page` reaches
    from the home page (pages answering 200 with HTML)."""
    results: dict[str, dict[int, dict]] = {}
    seen: set[str] = set()
    asked: set[str] = set()
    queue = deque([(base + "/", False)])
    while queue:
        url, by_form = queue.popleft()
        name = route_of(url)
        if not url.startswith(base) or not is_page(name) or DOWNLOAD.search(urlsplit(url).path):
            continue
        # A link to a route already examined is skipped; a form is sent anyway, once: it may
        # lead elsewhere (the report's "show" leads from the list to the report).
        if url in asked or (name in seen and not by_form):
            continue
        asked.add(url)
        response = page.request.get(url)  # status, type and where a redirect leads, unrendered
        name = route_of(response.url)
        if response.status != 200 or not response.headers.get("content-type", "").startswith("text/html"):
            continue
        if not is_page(name) or name in seen:
            continue
        seen.add(name)
        if "attachment" in response.headers.get("content-disposition", ""):
            results[name] = examine_file(page, axe, response.text())
            continue
        results[name], outgoing = examine(page, axe, response.url)
        queue.extend(outgoing)
    return results


@pytest.fixture
def demo(settings, tmp_path):
    """The demo's labour-participation chain, with an open scan round to answer."""
    settings.KETEN_DATA_DIR = tmp_path / "data"
    setup = set_up_demo(events=2_000, end=END)
    chain = next(c for c in setup.chains if c.slug == CHAIN)
    wave = scan.open_scan_wave(chain, name="Najaar", bank=scan.ensure_default_bank(chain))
    token = scan.issue_invitations(wave, chain.partners.filter(kind="producing").first(), "tactical", 1)[0]
    return chain, reverse("scan:respond", args=[token.token])


def test_every_page_a_role_can_see_passes_axe_and_fits_the_screen(browser, live_server, demo):
    chain, survey = demo
    base = live_server.url
    axe = Axe()
    results: dict[tuple[str, str], dict[int, dict]] = {}

    # Nobody logged in: the login page and a respondent's survey.
    context = browser.new_context()
    page = context.new_page()
    for name, url in (("login", reverse("login")), ("scan:respond", survey)):
        results[("anonymous", name)] = examine(page, axe, base + url)[0]
    context.close()

    for who, username in ROLES.items():
        context = browser.new_context()
        page = context.new_page()
        log_in(page, live_server, username, DEMO_PASSWORD)
        for name, found in walk(page, axe, base).items():
            results[(who, name)] = found
        # The error pages, with whatever navigation they carry.
        results[(who, "404")] = examine(page, axe, f"{base}/ketens/{chain.slug}/bestaat-niet/")[0]
        if who != "coordinator":
            forbidden = "monitor-audit" if who == "analyst" else "monitor-cases"
            results[(who, "403")] = examine(page, axe, base + reverse(forbidden, args=[chain.slug]))[0]
        context.close()

    problems = {
        f"{who} {name} {width}px": found
        for (who, name), by_width in sorted(results.items())
        for width, found in by_width.items()
        if found["violations"] or found["overflow"] > 0 or found["clipped"] or found["codes"]
    }
    # The count per page for people (pytest -s): axe violations at each width.
    for (who, name), by_width in sorted(results.items()):
        counts = ", ".join(f"{w}px {len(f['violations'])}" for w, f in sorted(by_width.items(), reverse=True))
        print(f"axe {who} {name}: {counts}")
    assert problems == {}, "\n".join(f"{page}: {found}" for page, found in problems.items())
    reached = {name for _, name in results}
    unreached = {name for name in route_names() if is_page(name)} - reached
    assert unreached == set(), "routes no role reached: link them, or name them in NOT_PAGES"
    examined = sum(len(by_width) for by_width in results.values())
    assert examined > 200, examined  # every role saw its pages, at both widths
