"""The demo chains' governance register and collaboration scan, so the demo looks lived-in.

`set_up_demo_governance(chain, ...)` gives a reference chain a covenant, tables with seats,
meetings, decisions, escalations, success stories and relationship activities, and two closed
rounds of the collaboration scan with mutual-gains statements. The content is fictional Dutch
data written for each chain; dates count back from the demo's event end, so the latest complete
month of the report has meetings, decisions, escalations and selected stories.

Everything goes through the apps' own forms and verbs (the governance forms and `save_record`,
`approve_story`, `select_story`; the scan's invitations and `submit_response`), so the demo
data passes the same checks as data typed in by a user, the personal-data check of success
stories included. Each part is skipped when the chain already has it: a second run reuses.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.forms import ModelForm

from keten.chains.models import Agreement, Chain, KpiDefinition
from keten.demo.content import DemoContent, DemoContentError, When, load_demo_content
from keten.governance import forms
from keten.governance.actions import approve_story, save_record, select_story
from keten.governance.models import Meeting
from keten.periods import add_months
from keten.scan import actions as scan
from keten.scan.models import Level, Wave

Say = Callable[[str], None]

SCAN_WAVES = (
    ("Nulmeting", (8, 2), (7, 10)),
    ("Tweede meting", (2, 3), (1, 12)),
)
# Everyone's starting point on the 1-5 scale before partner, level and theme shifts.
BASE_SCORE = 3.4
LEVEL_SHIFT = {"strategic": 0.3, "tactical": 0.1, "operational": -0.2}
# The work floor sees more problems passed upward than the steering group does.
LEVEL_THEME_SHIFT = {("operational", "governance"): -0.4, ("strategic", "governance"): 0.3}
IMPROVEMENT = 0.5  # how much a theme the chain worked on rises in the second round
DONT_KNOW_SHARE = 0.04
OPEN_ANSWER_SHARE = 0.3


def on(end: dt.date, when: When) -> dt.date:
    """Return the day `when` = (months back, day of month), counted from the month of `end`."""
    months_back, day = when
    return add_months(end, -months_back).replace(day=day)


def set_up_demo_governance(
    chain: Chain, *, coordinator, analyst, end: dt.date, say: Say | None = None
) -> list[str]:
    """Give a reference chain its governance register and scan rounds; return the parts that
    were already there and are reused ("governance register", "collaboration scan").

    `coordinator` approves the stories and is named in the audit log; `analyst` writes some of
    the stories and holds a seat at the operational table. A chain without demo content (not a
    reference chain) is left alone.
    """
    say = say or (lambda message: None)
    content = load_demo_content(chain.slug)
    if content is None:
        return []
    reused = []
    if chain.covenants.exists() or chain.governance_tables.exists():
        reused.append("governance register")
    else:
        _set_up_register(chain, content, coordinator, analyst, end)
        say(f"Filled the governance register of {chain.slug}.")
    if chain.scan_waves.exists():
        reused.append("collaboration scan")
    else:
        _set_up_scan(chain, content, coordinator, end)
        say(f"Held {len(SCAN_WAVES)} rounds of the collaboration scan for {chain.slug}.")
    return reused


# --- the governance register -------------------------------------------------------------------


def _save(form_class: type[ModelForm], user, chain: Chain, data: dict, **kwargs):
    """Save a record through the form a user would fill in, so the same checks apply."""
    form = form_class(data, chain=chain, **kwargs)
    if not form.is_valid():
        raise DemoContentError(f"{chain.slug}: {form_class.__name__} {form.errors.as_json()}")
    return save_record(user, chain, form)


@transaction.atomic
def _set_up_register(chain: Chain, content: DemoContent, coordinator, analyst, end: dt.date) -> None:
    partners = dict(chain.partners.values_list("code", "pk"))
    agreements = dict(Agreement.objects.filter(chain=chain).values_list("code", "pk"))
    kpis = dict(KpiDefinition.objects.filter(objective__chain=chain).values_list("code", "pk"))
    covenant = content.covenant
    starts = on(end, covenant["starts"])
    _save(
        forms.CovenantForm,
        coordinator,
        chain,
        {
            "title": covenant["title"],
            "parties": [partners[c] for c in covenant["parties"]],
            "signed_on": on(end, covenant["signed"]),
            "starts_on": starts,
            "ends_on": starts.replace(year=starts.year + covenant["years"]) - dt.timedelta(days=1),
            "summary": covenant["summary"],
            "agreements": list(agreements.values()),
        },
    )
    tables = {}
    for spec in content.tables:
        table = _save(forms.TableForm, coordinator, chain, {k: spec[k] for k in ("name", "level", "purpose")})
        tables[spec["key"]] = table
        for person, function, partner, mandate, *account in spec["seats"]:
            data = {
                "person": person,
                "function": function,
                "partner": partners[partner],
                "mandate": mandate,
                "since": starts,
                "user": analyst.pk if account else "",
            }
            _save(forms.SeatForm, coordinator, chain, data, table=table)
        seated = [partners[p] for _person, _function, p, *_rest in spec["seats"]]
        for when, absent, notes in spec["meetings"]:
            present = [pk for pk in seated if pk not in {partners[a] for a in absent}]
            data = {"held_on": on(end, when), "present": present, "notes": notes}
            _save(forms.MeetingForm, coordinator, chain, data, table=table)
    for d in content.decisions:
        table = tables[d["table"]]
        meeting = Meeting.objects.get(table=table, held_on=on(end, d["at"]))
        owner, owner_partner = d["owner"]
        data = {
            "text": d["text"],
            "decided_on": meeting.held_on,
            "meeting": meeting.pk,
            "owner": owner,
            "owner_partner": partners[owner_partner],
            "due_on": on(end, d["due"]),
            "status": d["status"],
            "kpis": [kpis[c] for c in d["kpis"]],
            "agreements": [agreements[c] for c in d["agreements"]],
        }
        _save(forms.DecisionForm, coordinator, chain, data, table=table)
    for e in content.escalations:
        resolved_level, resolved_on = e.get("resolved", ("", None))
        data = {
            "topic": e["topic"],
            "description": e["description"],
            "raised_level": e["level"],
            "raised_by": partners[e["by"]],
            "raised_on": on(end, e["raised"]),
            "agreement": agreements[e["agreement"]] if "agreement" in e else "",
            "kpi": kpis[e["kpi"]] if "kpi" in e else "",
            "passed_up_without_attempt": e.get("passed_up", False),
            "resolved_level": resolved_level,
            "resolved_on": on(end, resolved_on) if resolved_on else "",
            "resolution": e.get("resolution", ""),
        }
        _save(forms.EscalationForm, coordinator, chain, data)
    _set_up_stories(chain, content.stories, coordinator, analyst, end, partners, kpis)
    for a in content.activities:
        data = {
            "kind": a["kind"],
            "title": a["title"],
            "held_on": on(end, a["held"]),
            "present": [partners[c] for c in a["present"]],
            "participants": a["participants"],
            "description": a["description"],
        }
        _save(forms.RelationshipActivityForm, coordinator, chain, data)


def _set_up_stories(
    chain: Chain, stories: list[dict], coordinator, analyst, end: dt.date, partners: dict, kpis: dict
) -> None:
    """Write the stories as members would (the form runs the personal-data check), then review
    them as the coordinator does: approve, and select for the report."""
    for number, s in enumerate(stories):
        data = {
            "title": s["title"],
            "body": s["body"],
            "month": on(end, (s["month"], 1)).strftime("%Y-%m"),
            "partners": [partners[c] for c in s["partners"]],
            "kpi": kpis[s["kpi"]] if s["kpi"] else "",
        }
        # Members write stories too, not only the coordinator.
        author = analyst if number % 2 else coordinator
        form = forms.SuccessStoryForm(data, chain=chain)
        if not form.is_valid():
            raise DemoContentError(f"{chain.slug}: story {s['title']!r} {form.errors.as_json()}")
        form.instance.author = author
        story = save_record(author, chain, form)
        if s["review"] in ("approved", "selected"):
            approve_story(coordinator, story)
        if s["review"] == "selected":
            select_story(coordinator, story)


# --- the collaboration scan --------------------------------------------------------------------


def respondents_per_level(min_cell: int, partners: int, index: int) -> dict[str, int]:
    """How many people of one partner answer at each level: enough that every partner and every
    level reaches `min_cell`, so the demo shows results rather than hidden cells."""
    strategic = math.ceil(min_cell / partners) + 1
    tactical = math.ceil(min_cell / partners) + 2
    operational = max(min_cell - strategic - tactical, 0) + 4 + index % 3
    return {Level.STRATEGIC: strategic, Level.TACTICAL: tactical, Level.OPERATIONAL: operational}


def _answers(wave: Wave, content: DemoContent, partner: str, level: str, rng: random.Random, improved: bool):
    """One respondent's answers: a healthiness per statement around the shifted mean, given as
    the raw answer (turned around for reversed statements), now and then "don't know"."""
    leaning = content.scan
    answers = {}
    for item in wave.bank.items:
        if rng.random() < DONT_KNOW_SHARE:
            answers[item.code] = scan.DONT_KNOW
            continue
        mean = (
            BASE_SCORE
            + leaning["partner_shift"].get(partner, 0.0)
            + LEVEL_SHIFT[level]
            + leaning["theme_shift"].get(item.theme, 0.0)
            + content.pair_shift(partner, item.theme)
            + LEVEL_THEME_SHIFT.get((level, item.theme), 0.0)
            + (IMPROVEMENT if improved and item.theme in leaning["improved"] else 0.0)
        )
        healthy = min(5, max(1, round(rng.gauss(mean, 0.8))))
        answers[item.code] = str(6 - healthy if item.reverse else healthy)
    open_answers = {}
    if rng.random() < OPEN_ANSWER_SHARE:
        question = rng.choice(sorted(leaning["open_answers"]))
        open_answers[question] = rng.choice(leaning["open_answers"][question])
    return answers, open_answers


@transaction.atomic
def _set_up_scan(chain: Chain, content: DemoContent, coordinator, end: dt.date) -> None:
    bank = scan.ensure_default_bank(chain)
    partners = {p.code: p for p in chain.partners.all()}
    surveyed = content.scan["partners"]
    for round_number, (name, opened, closed) in enumerate(SCAN_WAVES):
        wave = scan.open_scan_wave(chain, name=name, bank=bank, user=coordinator)
        rng = random.Random(f"{chain.slug}-{name}")  # noqa: S311 - demo answers, not secrets
        for index, code in enumerate(surveyed):
            per_level = respondents_per_level(wave.effective_min_cell, len(surveyed), index)
            for level, count in per_level.items():
                # One invitee per group never answers: a response rate below 100% is realistic.
                issued = scan.issue_invitations(wave, partners[code], level, count + 1, user=coordinator)
                for token in issued[:count]:
                    answers, open_answers = _answers(wave, content, code, level, rng, round_number > 0)
                    scan.submit_response(scan.find_invitation(token.token), answers, open_answers)
        if round_number == len(SCAN_WAVES) - 1:
            _save_gains(wave, content.scan["gains"], partners, coordinator)
        scan.close_scan_wave(wave, user=coordinator)
        # The scan stamps waves with the current time; the demo places them in its own timeline.
        Wave.objects.filter(pk=wave.pk).update(
            opened_at=_moment(on(end, opened)), closed_at=_moment(on(end, closed))
        )


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9, 0), tzinfo=dt.UTC)


def _save_gains(wave: Wave, gains: dict, partners: dict, coordinator) -> None:
    objectives = dict(wave.chain.objectives.values_list("code", "pk"))
    for code, g in gains.items():
        scan.save_gains_statement(
            wave,
            partners[code],
            overall_benefit=g["overall"],
            benefits={objectives[o]: score for o, score in g["benefits"].items()},
            perceptions=g["perceptions"],
            effort_hours=Decimal(g["hours"]) if g["hours"] else None,
            effort_money=Decimal(g["money"]) if g["money"] else None,
            benefit_note=g["note"],
            user=coordinator,
        )
