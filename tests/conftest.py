"""Shared fixtures: a small chain and personas for permission tests.

Personas (as in healthchecks' hc/test.py): a coordinator, an analyst of partner A, an
analyst of partner B, a steering member and an outsider, all members of `small_chain`
except the outsider.
"""

import os

import pytest
from hypothesis import settings as hypothesis_settings

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Property tests: the full search in CI (.ci/run sets HYPOTHESIS_PROFILE=ci), a quicker one
# while working. A test's own @settings(max_examples=...) still wins.
hypothesis_settings.register_profile("ci", max_examples=100, print_blob=True)
hypothesis_settings.register_profile("dev", max_examples=30)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


from keten.analytics.model import (  # noqa: E402
    ActivitySpec,
    AgreementSpec,
    ChainSpec,
    KpiSpec,
    ObjectiveSpec,
    PartnerSpec,
    StageSpec,
)


def pytest_collection_modifyitems(config, items):
    """Mark every test that touches the app database `database`: .ci/run runs only those a
    second time on PostgreSQL (a test without the database gives the same answer on both).
    A browser test is a slow test (`-m "not slow"` leaves both out while working)."""
    for item in items:
        if item.get_closest_marker("django_db") or "django_db_setup" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.database)
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def small_spec() -> ChainSpec:
    """A three-partner chain: intake at A, handling at B, closing at A again."""
    return ChainSpec(
        slug="klein",
        name="Kleine keten",
        description="Een keten voor tests.",
        ambition="Snel en goed.",
        goal_activities=("afgerond",),
        horizon_days=90,
        partners=(
            PartnerSpec("a", "Partner A"),
            PartnerSpec("b", "Partner B"),
            PartnerSpec("fin", "Financier", kind="network", role="financier"),
        ),
        stages=(
            StageSpec(
                "intake",
                "Intake",
                "a",
                (ActivitySpec("aanmelding", "Aanmelding"), ActivitySpec("intake", "Intake")),
            ),
            StageSpec(
                "behandeling",
                "Behandeling",
                "b",
                (ActivitySpec("start", "Start"), ActivitySpec("klaar", "Klaar")),
            ),
            StageSpec("afsluiting", "Afsluiting", "a", (ActivitySpec("afgerond", "Afgerond"),)),
        ),
        agreements=(AgreementSpec("snel", "Snel gestart", "intake", "start", 7, 0.8, owners=("a", "b")),),
        objectives=(
            ObjectiveSpec(
                "doel",
                "Doel",
                kpis=(
                    KpiSpec(
                        "binnen_maand",
                        "Binnen een maand afgerond",
                        "share_reached",
                        0.6,
                        "higher",
                        {"from_activity": "aanmelding", "to_activity": "afgerond", "within_days": 30},
                    ),
                    KpiSpec(
                        "starts",
                        "Starts bij B",
                        "volume",
                        10,
                        "higher",
                        {"activity": "start"},
                        partners=("b",),
                    ),
                ),
            ),
        ),
    )


@pytest.fixture
def small_chain(db, small_spec):
    """`small_spec` saved to the database."""
    from keten.chains.actions import save_chain_spec

    return save_chain_spec(small_spec)


class Personas:
    """Users with each role in `small_chain`, plus an outsider. Password: 'wachtwoord'."""

    password = "wachtwoord"  # noqa: S105

    def __init__(self, chain, django_user_model):
        from tests.factories import MembershipFactory, UserFactory

        def user(username, role=None, partner=None):
            # No names: pages show a persona by its username, as tests expect.
            u = UserFactory(username=username, password=self.password, first_name="", last_name="", email="")
            if role:
                MembershipFactory(
                    user=u,
                    chain=chain,
                    role=role,
                    partner=chain.partners.get(code=partner) if partner else None,
                )
            return u

        self.chain = chain
        self.coordinator = user("regisseur", "coordinator")
        self.analyst_a = user("analist_a", "analyst", "a")
        self.analyst_b = user("analist_b", "analyst", "b")
        self.steering = user("stuurgroep", "steering")
        self.outsider = user("buitenstaander")


@pytest.fixture
def personas(small_chain, django_user_model) -> Personas:
    return Personas(small_chain, django_user_model)


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's chromium (Playwright cannot download its own browser here)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-dev-shm-usage",
        ],
    }


@pytest.fixture
def screenshot_dir():
    """Where browser tests save screenshots for people to look at (git-ignored)."""
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "screenshots"
    path.mkdir(exist_ok=True)
    return path


def totp_code(key: bytes) -> str:
    """The code an authenticator app would show now for this key."""
    from django_otp.oath import TOTP

    return f"{TOTP(key).token():06d}"


def pass_second_factor(client, user) -> None:
    """The code step after a password login through the form, for a user who must have one
    (their app set up earlier): the code is computed from the key, as the app would."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from keten.accounts.two_factor import second_factor_required

    if second_factor_required(user):
        device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "app"})
        response = client.post("/account/tweede-factor/code/", {"code": totp_code(device.bin_key)})
        assert response.status_code == 302, response.content.decode()


def log_in(page, live_server, username, password=Personas.password):
    """Log in through the real login form, and through the second step where the user has one
    (a coordinator sets it up on first login: the key is read off the page, as an app would)."""
    import base64

    from django_otp.plugins.otp_totp.models import TOTPDevice

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.press("#id_password", "Enter")  # in whatever language the page is in
    page.wait_for_load_state()
    if "/account/tweede-factor/code/" in page.url:
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # a test may log in twice in 30 s
        page.fill("#id_code", totp_code(device.bin_key))
        page.press("#id_code", "Enter")
        page.wait_for_load_state()
    elif "/account/tweede-factor/" in page.url:
        secret = page.locator(".totp-secret").inner_text().replace(" ", "")
        page.fill("#id_code", totp_code(base64.b32decode(secret + "=" * (-len(secret) % 8))))
        page.press("#id_code", "Enter")
        page.wait_for_load_state()


@pytest.fixture(autouse=True)
def force_login_is_a_whole_login(monkeypatch):
    """`client.force_login` stands for a finished login: the password and, for a user who must
    have one, the second factor (tests of the second step itself log in through the forms)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from keten.accounts.two_factor import second_factor_required

    plain = Client.force_login

    def force_login(self, user, backend=None):
        plain(self, user, backend)
        if second_factor_required(user):
            device, _ = TOTPDevice.objects.get_or_create(
                user=user, confirmed=True, defaults={"name": "tests"}
            )
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def english_messages():
    """Tests assert on the English msgids. Dutch, the users' default, is covered by
    tests/test_translations.py and by the browser tests that switch language."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def client(client):
    """Django's test client, asking for English pages (see `english_messages`)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _shared_data_dir():
    """The real event logs: $KETEN_SHARED_DATA, else ../shared/data beside the checkout, else
    /work/shared/data (where this machine keeps them for clones made elsewhere, e.g. CI)."""
    from pathlib import Path

    candidates = [
        os.environ.get("KETEN_SHARED_DATA"),
        Path(__file__).resolve().parents[2] / "shared" / "data",
        "/work/shared/data",
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return Path(candidates[1])


SHARED_DATA = _shared_data_dir()
