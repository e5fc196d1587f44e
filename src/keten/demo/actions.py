"""Setting up the demo: reference chains, their generated events, one user per role, and a
lived-in governance register and collaboration scan per chain.

Every step first looks whether its result is already there, so running the demo again
reuses the chains, events and users of the first run.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction

from keten.chains.actions import save_chain_spec
from keten.chains.definition import REFERENCE_DIR, load_chain_definition, reference_chain_files
from keten.chains.models import Chain, Membership
from keten.demo.generator import cases_for_events, default_end, generate_events
from keten.demo.governance import set_up_demo_governance
from keten.events.actions import ingest_canonical_parquet
from keten.events.models import IngestBatch
from keten.governance.actions import save_identity
from keten.governance.forms import IdentityForm

DEMO_PASSWORD = "keten-demo"  # noqa: S105 - printed on screen: these accounts are for a local demo only
DEFAULT_EVENTS = 200_000
DEFAULT_SEED = 2025
# The partner whose analyst the demo creates, per reference chain.
ANALYST_PARTNER = {"werk": "gemeente", "strafrecht": "om"}

Say = Callable[[str], None]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    chains: tuple[str, ...]
    partner: str = ""


@dataclass
class DemoSetup:
    chains: list[Chain] = field(default_factory=list)
    events: dict[str, int] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)


def set_up_demo(
    *,
    events: int = DEFAULT_EVENTS,
    seed: int = DEFAULT_SEED,
    end: dt.date | None = None,
    say: Say | None = None,
) -> DemoSetup:
    """Create the data dir and database, import the reference chains, generate and store about
    `events` events split over them, create the demo users, and fill each chain's governance
    register and collaboration scan. Reuses whatever exists."""
    say = say or (lambda message: None)
    end = end or default_end()
    settings.KETEN_DATA_DIR.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    setup = DemoSetup()
    files = reference_chain_files()
    for path in files:
        spec = load_chain_definition(path)
        chain = Chain.objects.filter(slug=spec.slug).first()
        if chain is None:
            chain = save_chain_spec(spec)
            say(f"Imported chain {chain.slug} ({chain.name}).")
        else:
            setup.reused.append(f"chain {chain.slug}")
            say(f"Reusing chain {chain.slug}.")
        setup.chains.append(chain)

    for chain in setup.chains:
        stored = chain.batches.filter(status=IngestBatch.Status.ACTIVE)
        if stored.exists():
            setup.events[chain.slug] = sum(stored.values_list("rows_stored", flat=True))
            setup.reused.append(f"events of {chain.slug}")
            say(f"Reusing {setup.events[chain.slug]:,} stored events of {chain.slug}.")
            continue
        setup.events[chain.slug] = _generate_and_store(chain, events // len(setup.chains), seed, end, say)

    setup.logins = _demo_users(setup.chains, setup)
    reused_users = sum(r.startswith("user ") for r in setup.reused)
    if reused_users:
        say(f"Reusing {reused_users} demo users.")

    # Governance and scan after the users: seats, stories and reviews refer to them.
    users = get_user_model().objects
    for chain in setup.chains:
        coordinator = users.get(username=f"{chain.slug}-regisseur")
        if not _set_up_demo_logo(chain, coordinator):
            setup.reused.append(f"logo of {chain.slug}")
        parts = set_up_demo_governance(
            chain,
            coordinator=coordinator,
            analyst=users.get(username=f"{chain.slug}-analist"),
            end=end,
            say=say,
        )
        setup.reused += [f"{part} of {chain.slug}" for part in parts]
        if parts:
            say(f"Reusing the {' and '.join(parts)} of {chain.slug}.")
    return setup


def _set_up_demo_logo(chain: Chain, coordinator) -> bool:
    """Give a reference chain its demo logo (`demo/chains/<slug>.logo.svg`, drawn as PNG: the
    identity form takes no SVG) the way a coordinator uploads one; False when the chain already
    has a logo or the demo has none for it."""
    import vl_convert

    drawing = REFERENCE_DIR / f"{chain.slug}.logo.svg"
    if chain.logo or not drawing.is_file():
        return False
    png = vl_convert.svg_to_png(drawing.read_text(encoding="utf-8"), scale=2)
    upload = SimpleUploadedFile(f"{chain.slug}.png", png, content_type="image/png")
    form = IdentityForm({"name": chain.name, "colour": chain.colour}, {"logo": upload}, instance=chain)
    if not form.is_valid():
        raise ValueError(f"{drawing}: the demo logo is refused: {form.errors.as_text()}")
    save_identity(coordinator, chain, form)
    return True


def _generate_and_store(chain: Chain, events: int, seed: int, end: dt.date, say: Say) -> int:
    spec = chain.to_spec()
    cases = cases_for_events(spec, events, seed=seed, end=end)
    say(f"Generating about {events:,} events ({cases:,} cases) for {chain.slug}...")
    work = settings.KETEN_DATA_DIR / "tmp"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="demo-", dir=work) as tmp:
        summary = generate_events(
            spec, cases=cases, seed=seed, out_path=Path(tmp) / f"{chain.slug}.parquet", end=end
        )
        say(f"Storing {summary.events:,} events of {chain.slug} in the event store...")
        batch = ingest_canonical_parquet(chain, summary.path)
    return batch.rows_stored


@transaction.atomic
def _demo_users(chains: list[Chain], setup: DemoSetup) -> list[DemoLogin]:
    """Per chain a coordinator, a partner analyst and a steering member; one coordinator of all."""
    logins = []
    wanted: list[tuple[str, str, list[Chain], str]] = [
        ("regisseur", Membership.Role.COORDINATOR, chains, ""),
    ]
    for chain in chains:
        partner = ANALYST_PARTNER.get(chain.slug) or chain.partners.filter(kind="producing").first().code
        wanted += [
            (f"{chain.slug}-regisseur", Membership.Role.COORDINATOR, [chain], ""),
            (f"{chain.slug}-analist", Membership.Role.ANALYST, [chain], partner),
            (f"{chain.slug}-stuurgroep", Membership.Role.STEERING, [chain], ""),
        ]
    users = get_user_model().objects
    for username, role, member_of, partner_code in wanted:
        user = users.filter(username=username).first()
        if user is None:
            user = users.create_user(username, password=DEMO_PASSWORD)
        else:
            setup.reused.append(f"user {username}")
        for chain in member_of:
            partner = chain.partners.get(code=partner_code) if partner_code else None
            Membership.objects.get_or_create(
                user=user, chain=chain, defaults={"role": role, "partner": partner}
            )
        logins.append(
            DemoLogin(
                username=username,
                password=DEMO_PASSWORD,
                role=str(Membership.Role(role).label),
                chains=tuple(c.slug for c in member_of),
                partner=partner_code,
            )
        )
    return logins
