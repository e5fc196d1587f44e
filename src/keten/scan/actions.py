"""Use cases of the scan: item banks, opening and closing waves, issuing invitations, saving and
submitting answers, and the partners' mutual-gains statements."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from keten.chains.actions import record_audit
from keten.chains.models import Chain, Partner
from keten.scan import tokens
from keten.scan.itembank import DEFAULT_BANK, ItemBankError, parse_item_bank
from keten.scan.models import (
    MIN_CELL_FLOOR,
    Answer,
    Draft,
    GainsBenefit,
    GainsPerception,
    GainsStatement,
    Invitation,
    ItemBankVersion,
    Level,
    OpenAnswer,
    Response,
    Wave,
)

DONT_KNOW = "dk"
MAX_INVITATIONS_PER_BATCH = 500


class ScanError(ValueError):
    """A request the scan cannot honour; the message says why and what to do."""


def add_item_bank(chain: Chain, text: str, *, user=None, name: str = "item bank") -> ItemBankVersion:
    """Store a version of an item bank for the chain; the same text twice is stored once.

    Refuses a changed text under a key and version that already exist: results point at a
    version, so a version's wording may never change afterwards.
    """
    bank = parse_item_bank(text, name=name)
    existing = ItemBankVersion.objects.filter(chain=chain, key=bank.key, version=bank.version).first()
    if existing is not None:
        if existing.digest == bank.digest:
            return existing
        raise ItemBankError(
            _(
                "%(name)s: version %(version)s of '%(key)s' already exists with other content. "
                "Raise the version number in the file and upload it again."
            )
            % {"name": name, "version": bank.version, "key": bank.key}
        )
    version = ItemBankVersion.objects.create(
        chain=chain, key=bank.key, version=bank.version, source=text, digest=bank.digest
    )
    if user is not None:
        record_audit(user, chain, "scan.item_bank_added", key=bank.key, version=bank.version)
    return version


def ensure_default_bank(chain: Chain) -> ItemBankVersion:
    """Return the chain's copy of the item bank that ships with Keten, adding it when missing."""
    return add_item_bank(chain, DEFAULT_BANK.read_text(encoding="utf-8"), name=DEFAULT_BANK.name)


def open_scan_wave(
    chain: Chain,
    *,
    name: str,
    bank: ItemBankVersion,
    item_codes: list[str] | None = None,
    min_cell: int | None = None,
    user=None,
) -> Wave:
    """Open a new round of the scan with the chosen statements (all of the bank when None)."""
    if bank.chain_id != chain.pk:
        raise ScanError(_("That item bank belongs to another chain."))
    known = [i.code for i in bank.bank.items]
    codes = known if item_codes is None else [c for c in known if c in set(item_codes)]
    unknown = sorted(set(item_codes or ()) - set(known))
    if unknown:
        raise ScanError(_("Unknown statements: %(codes)s.") % {"codes": ", ".join(unknown)})
    if not codes:
        raise ScanError(_("Choose at least one statement."))
    min_cell = settings.KETEN_MIN_CELL if min_cell is None else min_cell
    if min_cell < MIN_CELL_FLOOR:
        raise ScanError(_("The minimum group size is at least %(n)s.") % {"n": MIN_CELL_FLOOR})
    wave = Wave.objects.create(
        chain=chain, name=name, item_bank=bank, item_codes=codes, min_cell=min_cell, opened_at=timezone.now()
    )
    if user is not None:
        record_audit(user, chain, "scan.wave_opened", wave=wave.pk, name=name, bank=str(bank))
    return wave


def close_scan_wave(wave: Wave, *, user=None) -> Wave:
    """Close the wave: links stop working, unsaved drafts are thrown away."""
    with transaction.atomic():
        wave.status = Wave.Status.CLOSED
        wave.closed_at = timezone.now()
        wave.save(update_fields=["status", "closed_at"])
        Draft.objects.filter(invitation__wave=wave).delete()
    if user is not None:
        record_audit(user, wave.chain, "scan.wave_closed", wave=wave.pk)
    return wave


@dataclass(frozen=True)
class IssuedToken:
    """A token as handed out, once: it is not stored in this form anywhere."""

    partner: str
    partner_name: str
    level: str
    token: str


def issue_invitations(
    wave: Wave, partner: Partner, level: str, count: int, *, user=None
) -> list[IssuedToken]:
    """Create `count` one-time invitations for respondents of `partner` at `level`."""
    if not wave.is_open:
        raise ScanError(_("This wave is closed; open a new wave to invite people."))
    if partner.chain_id != wave.chain_id:
        raise ScanError(_("That partner is not in this chain."))
    if level not in Level.values:
        raise ScanError(_("Unknown level '%(level)s'.") % {"level": level})
    if not 1 <= count <= MAX_INVITATIONS_PER_BATCH:
        raise ScanError(
            _("Issue between 1 and %(n)s invitations at a time.") % {"n": MAX_INVITATIONS_PER_BATCH}
        )
    issued, rows = [], []
    for _i in range(count):
        token, selector, verifier_hash = tokens.new_token()
        rows.append(
            Invitation(
                wave=wave, partner=partner, level=level, selector=selector, verifier_hash=verifier_hash
            )
        )
        issued.append(IssuedToken(partner.code, partner.name, level, token))
    Invitation.objects.bulk_create(rows)
    if user is not None:
        record_audit(
            user,
            wave.chain,
            "scan.invitations_issued",
            wave=wave.pk,
            partner=partner.code,
            level=level,
            count=count,
        )
    return issued


def revoke_unused_invitations(
    wave: Wave, *, partner: Partner | None = None, level: str | None = None, user=None
) -> int:
    """Make the unused links of a wave (or of one partner and level) stop working; return how many."""
    unused = Invitation.objects.filter(wave=wave, status=Invitation.Status.ISSUED)
    if partner is not None:
        unused = unused.filter(partner=partner)
    if level:
        unused = unused.filter(level=level)
    with transaction.atomic():
        Draft.objects.filter(invitation__in=unused).delete()
        count = unused.update(status=Invitation.Status.REVOKED)
    if user is not None:
        record_audit(
            user,
            wave.chain,
            "scan.invitations_revoked",
            wave=wave.pk,
            partner=getattr(partner, "code", None),
            level=level,
            count=count,
        )
    return count


def find_invitation(token: str) -> Invitation | None:
    """Return the invitation a token opens (any status), or None for a wrong token."""
    parts = tokens.split_token(token)
    if parts is None:
        return None
    selector, verifier = parts
    invitation = (
        Invitation.objects.select_related("wave__chain", "wave__item_bank", "partner")
        .filter(selector=selector)
        .first()
    )
    if invitation is None:
        # Compare against a dummy anyway, so a wrong selector costs as long as a wrong verifier.
        tokens.verifier_matches(verifier, "0" * 64)
        return None
    return invitation if tokens.verifier_matches(verifier, invitation.verifier_hash) else None


def _usable(invitation: Invitation) -> None:
    if invitation.status == Invitation.Status.USED:
        raise ScanError(_("These answers have already been sent. Thank you for taking part."))
    if invitation.status == Invitation.Status.REVOKED or not invitation.wave.is_open:
        raise ScanError(_("This questionnaire is closed. Your link no longer works."))


def _clean(invitation: Invitation, answers: dict, open_answers: dict) -> tuple[dict, dict]:
    """Keep only answers to this wave's statements and questions, with allowed values."""
    bank = invitation.wave.bank
    codes = {i.code for i in bank.items}
    allowed = {str(v) for v in range(1, 6)} | {DONT_KNOW}
    kept = {c: str(v) for c, v in answers.items() if c in codes and str(v) in allowed}
    questions = {q.code for q in bank.open_questions}
    texts = {c: str(t).strip()[:4000] for c, t in open_answers.items() if c in questions and str(t).strip()}
    return kept, texts


def save_draft(invitation: Invitation, answers: dict, open_answers: dict) -> Draft:
    """Keep the answers so far under the invitation, to resume later with the same link."""
    _usable(invitation)
    kept, texts = _clean(invitation, answers, open_answers)
    draft, _created = Draft.objects.update_or_create(
        invitation=invitation, defaults={"answers": kept, "open_answers": texts}
    )
    return draft


def submit_response(invitation: Invitation, answers: dict, open_answers: dict) -> None:
    """Store the answers anonymously and use up the invitation, all or nothing.

    The response gets only the wave, partner and level; the draft is deleted and the
    invitation marked used, so afterwards nothing connects the answers to the token.
    """
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().select_related("wave").get(pk=invitation.pk)
        _usable(locked)
        kept, texts = _clean(locked, answers, open_answers)
        if not kept and not texts:
            raise ScanError(_("Answer at least one statement before sending."))
        response = Response.objects.create(wave=locked.wave, partner_id=locked.partner_id, level=locked.level)
        Answer.objects.bulk_create(
            Answer(response=response, item_code=code, value=None if value == DONT_KNOW else int(value))
            for code, value in kept.items()
        )
        OpenAnswer.objects.bulk_create(
            OpenAnswer(
                wave=locked.wave, partner_id=locked.partner_id, level=locked.level, question_code=c, text=t
            )
            for c, t in texts.items()
        )
        Draft.objects.filter(invitation=locked).delete()
        locked.status = Invitation.Status.USED
        locked.save(update_fields=["status"])


def save_gains_statement(
    wave: Wave,
    partner: Partner,
    *,
    overall_benefit: int,
    benefits: dict[int, int],
    perceptions: dict[str, int],
    effort_hours: Decimal | None = None,
    effort_money: Decimal | None = None,
    effort_note: str = "",
    benefit_note: str = "",
    user=None,
) -> GainsStatement:
    """Replace a partner's mutual-gains statement for a wave.

    `benefits`: objective id -> own benefit 1-5; `perceptions`: other partner's code -> what
    this partner thinks that partner gains, 1-5 (leave a partner out for "don't know").
    """
    if partner.chain_id != wave.chain_id:
        raise ScanError(_("That partner is not in this chain."))
    scores = [overall_benefit, *benefits.values(), *perceptions.values()]
    if any(not 1 <= int(s) <= 5 for s in scores):
        raise ScanError(_("Scores run from 1 to 5."))
    objectives = set(wave.chain.objectives.values_list("pk", flat=True))
    others = dict(wave.chain.partners.exclude(pk=partner.pk).values_list("code", "pk"))
    if set(benefits) - objectives or set(perceptions) - set(others):
        raise ScanError(_("Only the chain's own objectives and other partners can be scored."))
    with transaction.atomic():
        statement, _created = GainsStatement.objects.update_or_create(
            wave=wave,
            partner=partner,
            defaults={
                "overall_benefit": overall_benefit,
                "effort_hours": effort_hours,
                "effort_money": effort_money,
                "effort_note": effort_note,
                "benefit_note": benefit_note,
                "updated_by": user if getattr(user, "is_authenticated", False) else None,
            },
        )
        statement.benefits.all().delete()
        statement.perceptions.all().delete()
        GainsBenefit.objects.bulk_create(
            GainsBenefit(statement=statement, objective_id=o, score=s) for o, s in benefits.items()
        )
        GainsPerception.objects.bulk_create(
            GainsPerception(statement=statement, about_id=others[c], score=s) for c, s in perceptions.items()
        )
    if user is not None:
        record_audit(user, wave.chain, "scan.gains_saved", wave=wave.pk, partner=partner.code)
    return statement
