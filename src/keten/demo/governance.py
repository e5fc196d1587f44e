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
from keten.governance import forms
from keten.governance.actions import approve_story, save_record, select_story
from keten.governance.models import Meeting
from keten.periods import add_months
from keten.scan import actions as scan
from keten.scan.models import Level, Wave

Say = Callable[[str], None]
# A date in the demo, relative to the event end: (months before the end's month, day of month).
# 1 is the latest complete month (the default report month); 0 or less lies in the future.
When = tuple[int, int]

WERK = {
    "covenant": {
        "title": "Convenant Samen naar duurzaam werk",
        "signed": (22, 11),
        "starts": (21, 1),
        "years": 4,
        "parties": ["gemeente", "uwv", "reintegratie", "werkgever", "werkbedrijf", "esf"],
        "summary": (
            "Gemeente, UWV, het re-integratiebedrijf en de werkgevers in de regio begeleiden "
            "werkzoekenden met een bijstandsuitkering samen naar regulier werk dat blijft. Zij "
            "leggen vier ketennormen vast, leveren maandelijks hun gegevens aan in Keten en "
            "bespreken de uitkomsten in de stuurgroep. Het Regionaal Werkbedrijf voert de "
            "ketenregie; het ESF+ programma financiert de extra trajecten."
        ),
    },
    "tables": [
        {
            "key": "stuurgroep",
            "name": "Stuurgroep Werk en Inkomen",
            "level": "strategic",
            "purpose": (
                "Stelt de koers en de ketennormen vast, besluit over de inzet van mensen en "
                "middelen en lost op wat in het tactisch overleg niet lukt."
            ),
            "seats": [
                ("Marloes Verbeek", "directeur Werk en Inkomen", "gemeente", True),
                ("Hans Doornbos", "districtsmanager", "uwv", True),
                ("Sandra Kuipers", "algemeen directeur", "reintegratie", True),
                ("Erik Mulder", "voorzitter Werkgeversservicepunt", "werkgever", True),
                ("Yvonne Bakker", "programmamanager arbeidsmarktregio (voorzitter)", "werkbedrijf", True),
                ("Pieter Hoekstra", "programmacoördinator ESF+", "esf", True),
            ],
            # (when, partners absent, notes)
            "meetings": [
                ((5, 12), [], "Ketencijfers van het kwartaal; warme overdracht besproken."),
                (
                    (3, 10),
                    ["esf"],
                    "Wachtrij bij de beoordeling arbeidsvermogen; escalatie uit het tactisch overleg.",
                ),
                ((1, 14), [], "Nazorg na plaatsing en de inzet van de ESF+-middelen."),
            ],
        },
        {
            "key": "tactisch",
            "name": "Tactisch ketenoverleg Werk",
            "level": "tactical",
            "purpose": (
                "Vertaalt de koers naar werkafspraken, volgt de ketennormen per maand en pakt "
                "knelpunten tussen de partners op."
            ),
            "seats": [
                ("Ilse de Groot", "teammanager Werk", "gemeente", True),
                ("Ronald Smit", "teamleider Werkbedrijf UWV", "uwv", True),
                ("Fatma Yilmaz", "manager trajecten", "reintegratie", True),
                # Without a mandate: the register warns that employers cannot commit here.
                ("Jeroen van Dijk", "accountmanager werkgeversdienstverlening", "werkgever", False),
            ],
            "meetings": [
                ((6, 8), [], "Normen van het kwartaal doorgenomen."),
                ((5, 7), ["werkgever"], "Trajectplannen zonder startdatum."),
                ((4, 8), [], "Lijst trajectplannen zonder start voortaan maandelijks."),
                ((3, 6), [], "Vakantieplanning intakes."),
                ((2, 8), [], "Intake op donderdagavond; norm intake in de zomer."),
                ((1, 8), ["uwv"], "Vacatureoverzicht voor proefplaatsingen; uitval na plaatsing."),
            ],
        },
        {
            "key": "casusoverleg",
            "name": "Casusoverleg werkfit",
            "level": "operational",
            "purpose": (
                "Klantmanagers, arbeidsdeskundigen, jobcoaches en werkgeversadviseurs bespreken "
                "vastgelopen trajecten en maken direct afspraken."
            ),
            "seats": [
                ("Noor Hendriks", "klantmanager", "gemeente", True, "analyst"),
                ("Bas Visser", "arbeidsdeskundige", "uwv", True),
                ("Lotte Jansen", "jobcoach", "reintegratie", True),
                ("Kim Bos", "werkgeversadviseur", "werkgever", True),
            ],
            "meetings": [
                ((6, 20), [], "Zes trajecten besproken."),
                ((5, 19), [], "Begeleiding tijdens proefplaatsingen."),
                ((4, 21), ["werkgever"], "Vijf trajecten besproken."),
                ((3, 20), [], "Eerste nazorggesprek voortaan samen."),
                ((2, 19), [], "Dubbele intakes opgelost."),
                ((1, 20), [], "Voorrang voor trajecten die wachten op UWV."),
            ],
        },
    ],
    # Decisions are taken at a meeting of their table (same date).
    "decisions": [
        {
            "table": "stuurgroep",
            "at": (5, 12),
            "text": (
                "Gemeente en re-integratiebedrijf plannen de start van het traject voortaan in "
                "hetzelfde gesprek waarin het trajectplan wordt vastgesteld."
            ),
            "owner": ("Ilse de Groot", "gemeente"),
            "due": (3, 1),
            "status": "done",
            "kpis": ["doorlooptijd_tot_plaatsing"],
            "agreements": ["warme_overdracht"],
        },
        {
            "table": "stuurgroep",
            "at": (3, 10),
            "text": (
                "UWV zet tijdelijk twee extra arbeidsdeskundigen in om de wachtrij voor de "
                "beoordeling arbeidsvermogen onder de 120 zaken te brengen."
            ),
            "owner": ("Hans Doornbos", "uwv"),
            "due": (1, 28),
            "status": "in_progress",
            "kpis": ["wachtrij_uwv"],
            "agreements": ["beoordeling_uwv"],
        },
        {
            "table": "stuurgroep",
            "at": (1, 14),
            "text": (
                "Nazorg wordt een gedeelde taak: de werkgever meldt signalen van dreigende uitval "
                "binnen een week aan de klantmanager."
            ),
            "owner": ("Erik Mulder", "werkgever"),
            "due": (-2, 1),
            "status": "open",
            "kpis": ["duurzaam_werkend"],
            "agreements": ["nazorg_na_plaatsing"],
        },
        {
            "table": "stuurgroep",
            "at": (1, 14),
            "text": (
                "De ESF+-middelen van dit halfjaar gaan naar trajecten voor mensen die langer dan "
                "twee jaar een uitkering hebben."
            ),
            "owner": ("Pieter Hoekstra", "esf"),
            "due": (-3, 1),
            "status": "open",
            "kpis": ["plaatsing_binnen_jaar"],
            "agreements": [],
        },
        {
            "table": "tactisch",
            "at": (4, 8),
            "text": (
                "Het tactisch overleg bespreekt elke maand de trajectplannen die nog geen startdatum hebben."
            ),
            "owner": ("Fatma Yilmaz", "reintegratie"),
            "due": (3, 8),
            "status": "done",
            "kpis": [],
            "agreements": ["warme_overdracht"],
        },
        {
            "table": "tactisch",
            "at": (2, 8),
            "text": (
                "Intakes worden ook op donderdagavond gepland, zodat de norm van twee weken in de "
                "vakantieperiode haalbaar blijft."
            ),
            "owner": ("Ilse de Groot", "gemeente"),
            "due": (2, 28),
            "status": "open",
            "kpis": [],
            "agreements": ["intake_binnen_twee_weken"],
        },
        {
            "table": "tactisch",
            "at": (1, 8),
            "text": (
                "Het Werkgeversservicepunt levert elk kwartaal een overzicht van vacatures die "
                "geschikt zijn voor een proefplaatsing."
            ),
            "owner": ("Jeroen van Dijk", "werkgever"),
            "due": (-1, 15),
            "status": "in_progress",
            "kpis": ["plaatsing_binnen_jaar"],
            "agreements": [],
        },
        {
            "table": "casusoverleg",
            "at": (3, 20),
            "text": "Jobcoach en klantmanager voeren het eerste nazorggesprek na een plaatsing samen.",
            "owner": ("Lotte Jansen", "reintegratie"),
            "due": (2, 20),
            "status": "done",
            "kpis": ["duurzaam_werkend"],
            "agreements": ["nazorg_na_plaatsing"],
        },
        {
            "table": "casusoverleg",
            "at": (1, 20),
            "text": (
                "Trajecten die langer dan drie weken op een beoordeling van UWV wachten, komen met "
                "voorrang in het casusoverleg."
            ),
            "owner": ("Bas Visser", "uwv"),
            "due": (-1, 1),
            "status": "open",
            "kpis": [],
            "agreements": ["beoordeling_uwv"],
        },
    ],
    "escalations": [
        {
            "topic": "Wachtrij beoordeling arbeidsvermogen",
            "description": "Trajecten liggen stil omdat de beoordeling bij UWV langer dan acht weken duurt.",
            "level": "tactical",
            "by": "gemeente",
            "raised": (4, 3),
            "agreement": "beoordeling_uwv",
            "resolved": ("strategic", (3, 10)),
            "resolution": "De stuurgroep besloot tot tijdelijke extra inzet van arbeidsdeskundigen bij UWV.",
        },
        {
            "topic": "Proefplaatsingen zonder begeleiding",
            "description": (
                "Werkgevers missen een vast aanspreekpunt in de eerste weken van een proefplaatsing."
            ),
            "level": "operational",
            "by": "werkgever",
            "raised": (5, 12),
            "resolved": ("operational", (5, 19)),
            "resolution": "De jobcoach loopt de eerste week van elke proefplaatsing mee op de werkplek.",
        },
        {
            "topic": "Dubbele intake bij gemeente en re-integratiebedrijf",
            "description": "Werkzoekenden vertellen hun verhaal twee keer.",
            "level": "operational",
            "by": "reintegratie",
            "raised": (2, 5),
            "resolved": ("operational", (2, 19)),
            "resolution": (
                "Het re-integratiebedrijf gebruikt de brede diagnose van de gemeente als startpunt."
            ),
        },
        {
            "topic": "Vragen over het delen van het trajectplan",
            "description": (
                "Direct aan het tactisch overleg voorgelegd, zonder eerst het casusoverleg te vragen."
            ),
            "level": "operational",
            "by": "reintegratie",
            "raised": (1, 4),
            "passed_up": True,
            "resolved": ("tactical", (1, 8)),
            "resolution": (
                "Het tactisch overleg verwees naar de gegevensafspraken in het convenant; de vraag "
                "had in het casusoverleg beantwoord kunnen worden."
            ),
        },
        {
            "topic": "Ontbrekende vacaturegegevens",
            "description": "Vacatures voor proefplaatsingen komen niet bij de jobcoaches terecht.",
            "level": "operational",
            "by": "werkgever",
            "raised": (1, 13),
            "resolved": ("operational", (1, 20)),
            "resolution": (
                "De werkgeversadviseur zet nieuwe vacatures wekelijks op de agenda van het casusoverleg."
            ),
        },
        {
            "topic": "Uitval in de eerste drie maanden na plaatsing",
            "description": "Werkgevers zien mensen uitvallen voordat het nazorggesprek heeft plaatsgevonden.",
            "level": "tactical",
            "by": "werkgever",
            "raised": (1, 8),
            "kpi": "duurzaam_werkend",
        },
    ],
    # Stories: month, title, body, partners, KPI, review ("selected", "approved" or "submitted").
    "stories": [
        {
            "month": 1,
            "title": "Van proefplaatsing naar vast contract in de zorg",
            "body": (
                "Een vrouw die al vier jaar een bijstandsuitkering had, begon met een proefplaatsing "
                "bij een zorginstelling in de regio. De jobcoach van het re-integratiebedrijf liep de "
                "eerste weken mee en de klantmanager van de gemeente regelde de kinderopvang. Na twee "
                "maanden bood de werkgever een arbeidsovereenkomst aan, en bij het nazorggesprek "
                "werkte zij er nog steeds met plezier."
            ),
            "partners": ["gemeente", "reintegratie", "werkgever"],
            "kpi": "duurzaam_werkend",
            "review": "selected",
        },
        {
            "month": 1,
            "title": "Beoordeling binnen vier weken dankzij het casusoverleg",
            "body": (
                "Het traject van een werkzoekende lag stil omdat hij wachtte op een beoordeling van "
                "zijn arbeidsvermogen. In het casusoverleg zagen klantmanager en arbeidsdeskundige dat "
                "de medische informatie al bij de gemeente lag. Met zijn toestemming werd die direct "
                "gedeeld; UWV rondde de beoordeling binnen vier weken af en het traject kon starten."
            ),
            "partners": ["gemeente", "uwv"],
            "kpi": "doorlooptijd_tot_plaatsing",
            "review": "selected",
        },
        {
            "month": 1,
            "title": "Eerst de schulden, dan het werk",
            "body": (
                "Bij de intake bleek dat schulden een baan in de weg stonden. De klantmanager schakelde "
                "schuldhulpverlening in voordat het traject begon, zodat de werkzoekende met rust aan "
                "het werk kon."
            ),
            "partners": ["gemeente"],
            "kpi": None,
            "review": "submitted",
        },
        {
            "month": 2,
            "title": "Warme overdracht in één gesprek",
            "body": (
                "Sinds de stuurgroep besloot de start van het traject meteen in te plannen, zit de "
                "trajectbegeleider van het re-integratiebedrijf aan tafel bij het vaststellen van het "
                "trajectplan. Deze maand begon daardoor bijna elk traject binnen drie weken. "
                "Werkzoekenden zeggen dat zij minder van loket naar loket worden gestuurd."
            ),
            "partners": ["gemeente", "reintegratie"],
            "kpi": "doorlooptijd_tot_plaatsing",
            "review": "selected",
        },
        {
            "month": 2,
            "title": "Werkgevers in de logistiek openen hun deuren",
            "body": (
                "Op een werkgeversontbijt van het Werkgeversservicepunt boden vijf logistieke bedrijven "
                "samen twaalf plekken voor een proefplaatsing aan. Het re-integratiebedrijf bereidde de "
                "kandidaten voor met een korte training; acht van hen zijn inmiddels in dienst."
            ),
            "partners": ["werkgever", "reintegratie", "werkbedrijf"],
            "kpi": "plaatsing_binnen_jaar",
            "review": "selected",
        },
        {
            "month": 3,
            "title": "Taal leren op de werkvloer",
            "body": (
                "Een werkzoekende die nog weinig Nederlands sprak, volgde een taaltraject op de "
                "werkvloer bij een schoonmaakbedrijf. Gemeente en werkgever deelden de kosten van de "
                "taalcoach met steun uit het ESF+ programma. Na vier maanden las zij zelfstandig "
                "werkinstructies en kreeg zij een contract voor twintig uur per week."
            ),
            "partners": ["gemeente", "werkgever", "esf"],
            "kpi": "plaatsing_binnen_jaar",
            "review": "approved",
        },
        {
            "month": 4,
            "title": "Nazorg voorkomt uitval",
            "body": (
                "Een jonge man dreigde zijn baan in de bouw na zes weken kwijt te raken omdat hij "
                "niet op tijd op de bouwplaats kon komen. De werkgever belde de klantmanager, die "
                "binnen twee dagen een fiets en een reiskostenregeling regelde. Hij werkt er nu een "
                "half jaar."
            ),
            "partners": ["gemeente", "werkgever"],
            "kpi": "duurzaam_werkend",
            "review": "approved",
        },
    ],
    "activities": [
        {
            "kind": "visit",
            "title": "Werkbezoek van de stuurgroep aan een logistiek bedrijf",
            "held": (4, 17),
            "description": (
                "De stuurgroep sprak met een werkgever en twee medewerkers die via de keten zijn "
                "geplaatst over wat goed ging en wat beter kan."
            ),
            "present": ["gemeente", "uwv", "reintegratie", "werkgever", "werkbedrijf"],
            "participants": 11,
        },
        {
            "kind": "training",
            "title": "Gezamenlijke training motiverende gespreksvoering",
            "held": (2, 15),
            "description": (
                "Klantmanagers, arbeidsdeskundigen en jobcoaches oefenden samen met gesprekken over werk."
            ),
            "present": ["gemeente", "uwv", "reintegratie"],
            "participants": 24,
        },
        {
            "kind": "cafe",
            "title": "Ketencafé: een jaar samen naar werk",
            "held": (1, 22),
            "description": "Terugblik op de ketencijfers en de verhalen achter de plaatsingen.",
            "present": ["gemeente", "uwv", "reintegratie", "werkgever", "werkbedrijf", "esf"],
            "participants": 38,
        },
    ],
    "scan": {
        # Who answers the questionnaire: the producing partners (network partners are too few).
        "partners": ["gemeente", "uwv", "reintegratie", "werkgever"],
        "partner_shift": {"gemeente": 0.2, "uwv": -0.1, "reintegratie": 0.1, "werkgever": -0.3},
        "theme_shift": {
            "ambition": 0.3,
            "relationship": 0.4,
            "information": -0.4,
            "governance": -0.2,
            "vertical_pressure": -0.5,
        },
        "pair_shift": {("werkgever", "identity"): -0.7, ("uwv", "mutual_gains"): -0.6},
        # Themes the chain worked on between the two rounds.
        "improved": ["governance", "information", "successes"],
        "open_answers": {
            "open_keep": [
                "De korte lijnen in het casusoverleg.",
                "Dat we elkaar bellen in plaats van mailen.",
                "De gezamenlijke cijfers: we praten eindelijk over hetzelfde.",
                "Het ketencafé, daar leer je elkaars werk kennen.",
            ],
            "open_improve": [
                "Terugkoppeling aan werkgevers na een plaatsing.",
                "Sneller een beoordeling als een traject stilligt.",
                "Minder dubbele vragen aan de werkzoekende.",
                "Besluiten van de stuurgroep eerder delen met de uitvoering.",
            ],
            "open_other": ["Houd de scan kort, dan doen meer collega's mee."],
        },
        # Mutual gains of the latest round: partner -> own view and what it thinks others gain.
        "gains": {
            "gemeente": {
                "overall": 4,
                "hours": "320",
                "money": "250000",
                "benefits": {"regulier_werk": 5, "duurzaam": 4, "productie": 3},
                "perceptions": {"uwv": 4, "reintegratie": 4, "werkgever": 2, "werkbedrijf": 3, "esf": 3},
                "note": "Minder mensen in de bijstand en een beter beeld van wat werkt.",
            },
            "uwv": {
                "overall": 2,
                "hours": "120",
                "money": "60000",
                "benefits": {"regulier_werk": 3, "duurzaam": 2, "productie": 2},
                "perceptions": {"gemeente": 5, "reintegratie": 4, "werkgever": 3, "werkbedrijf": 4, "esf": 3},
                "note": "Vooral extra werk; de wachtrij krijgt wel meer aandacht.",
            },
            "reintegratie": {
                "overall": 4,
                "hours": "400",
                "money": "",
                "benefits": {"regulier_werk": 4, "duurzaam": 4, "productie": 5},
                "perceptions": {"gemeente": 4, "uwv": 4, "werkgever": 3, "werkbedrijf": 3, "esf": 3},
                "note": "Een vaste instroom van trajecten en snellere overdracht.",
            },
            "werkgever": {
                "overall": 4,
                "hours": "60",
                "money": "",
                "benefits": {"regulier_werk": 4, "duurzaam": 3, "productie": 2},
                "perceptions": {"gemeente": 4, "uwv": 3, "reintegratie": 4, "werkbedrijf": 3, "esf": 2},
                "note": "Gemotiveerde kandidaten voor lastig vervulbare vacatures.",
            },
            "werkbedrijf": {
                "overall": 3,
                "hours": "80",
                "money": "40000",
                "benefits": {"regulier_werk": 4, "duurzaam": 3, "productie": 1},
                "perceptions": {"gemeente": 4, "uwv": 3, "reintegratie": 4, "werkgever": 3, "esf": 3},
                "note": "",
            },
        },
    },
}

STRAFRECHT = {
    "covenant": {
        "title": "Convenant Strafrechtketen Regio Midden",
        "signed": (26, 20),
        "starts": (25, 1),
        "years": 4,
        "parties": ["politie", "halt", "om", "reclassering", "rechtspraak", "cjib", "zvh"],
        "summary": (
            "Politie, Openbaar Ministerie, Rechtspraak, CJIB, Reclassering en Halt handelen "
            "veelvoorkomende criminaliteit af als één keten. Zij leggen zes ketennormen vast, van "
            "proces-verbaal tot vonnis bij het CJIB, leveren maandelijks hun gegevens aan en "
            "bespreken de doorlooptijden in de stuurgroep. Het Zorg- en Veiligheidshuis verbindt "
            "straf en zorg waar dat nodig is."
        ),
    },
    "tables": [
        {
            "key": "stuurgroep",
            "name": "Stuurgroep Strafrechtketen",
            "level": "strategic",
            "purpose": (
                "Bepaalt de koers van de keten, stelt de ketennormen vast en besluit over capaciteit "
                "die de partners samen inzetten."
            ),
            # The ministry finances but has no seat: the register warns about it.
            "seats": [
                ("Wouter Brouwer", "districtschef", "politie", True),
                ("Karin Wolters", "regiomanager", "halt", True),
                ("Anouk Peters", "hoofdofficier van justitie (voorzitter)", "om", True),
                ("Mirjam Koster", "regiodirecteur", "reclassering", True),
                ("Gerard Dekker", "teamvoorzitter strafrecht", "rechtspraak", True),
                ("Dennis Vos", "manager ketenregie", "cjib", True),
                ("Esther Postma", "manager", "zvh", True),
            ],
            "meetings": [
                ((5, 18), [], "Doorlooptijden van aangifte tot beslissing; gezamenlijke weekplanning."),
                ((3, 16), ["zvh"], "Zittingscapaciteit politierechter; escalatie uit het tactisch overleg."),
                ((1, 17), [], "Voorraad bij het OM en extra parketsecretarissen."),
            ],
        },
        {
            "key": "tactisch",
            "name": "Tactisch ketenoverleg veelvoorkomende criminaliteit",
            "level": "tactical",
            "purpose": "Volgt de ketennormen per maand en maakt werkafspraken tussen de partners.",
            "seats": [
                ("Rik Jacobs", "teamchef opsporing", "politie", True),
                ("Joost Verhoeven", "teamleider", "halt", True),
                ("Sanne Willems", "parketsecretaris", "om", True),
                ("Monique Smeets", "teammanager advies", "reclassering", True),
                # Without a mandate: the register warns that the court cannot commit here.
                ("Thijs van Leeuwen", "coördinator planning strafzittingen", "rechtspraak", False),
                ("Linda Kok", "ketenadviseur", "cjib", True),
            ],
            "meetings": [
                ((6, 10), [], "Normen van het kwartaal."),
                ((5, 12), ["cjib"], "Processen-verbaal die de termijn dreigen te overschrijden."),
                ((4, 9), [], "Adviesaanvragen voor de reclassering; zittingscapaciteit."),
                ((3, 7), [], "Voorbereiding stuurgroep."),
                ((2, 11), [], "Doorzending vonnissen naar het CJIB."),
                ((1, 13), ["rechtspraak"], "Termijnen voor jeugdzaken naar Halt."),
            ],
        },
        {
            "key": "zsm",
            "name": "ZSM-werkvloeroverleg",
            "level": "operational",
            "purpose": (
                "Medewerkers van de ZSM-locatie bespreken lopende zaken en knelpunten in de "
                "samenwerking van dag tot dag."
            ),
            "seats": [
                ("Mehmet Kaya", "hulpofficier van justitie", "politie", True),
                ("Naomi de Bruin", "Halt-medewerker", "halt", True),
                ("Eva Maas", "officier van justitie ZSM", "om", True, "analyst"),
                ("Tim Schouten", "reclasseringswerker", "reclassering", True),
                ("Femke Prins", "griffier", "rechtspraak", True),
                ("Arjen Mulder", "medewerker executie", "cjib", True),
            ],
            "meetings": [
                ((6, 24), [], "Werkvoorraad ZSM."),
                ((5, 22), ["rechtspraak"], "Vroeghulp bij ZSM-zaken."),
                ((4, 23), [], "Teruggestuurde processen-verbaal."),
                ((3, 22), [], "Controle op volledigheid voor het inzenden."),
                ((2, 24), ["cjib"], "Adresgegevens bij vonnissen."),
                ((1, 24), [], "Vroeghulpgesprek bij mogelijke werkstraf."),
            ],
        },
    ],
    "decisions": [
        {
            "table": "stuurgroep",
            "at": (5, 18),
            "text": (
                "Politie en OM werken met een gezamenlijke weekplanning voor processen-verbaal die "
                "de normtermijn dreigen te overschrijden."
            ),
            "owner": ("Wouter Brouwer", "politie"),
            "due": (3, 1),
            "status": "done",
            "kpis": ["afgedaan_binnen_half_jaar"],
            "agreements": ["pv_binnen_maand", "beslissing_binnen_maand"],
        },
        {
            "table": "stuurgroep",
            "at": (3, 16),
            "text": (
                "Rechtspraak reserveert extra zittingsruimte voor politierechterzaken die langer "
                "dan 90 dagen op een zitting wachten."
            ),
            "owner": ("Gerard Dekker", "rechtspraak"),
            "due": (1, 1),
            "status": "in_progress",
            "kpis": ["doorlooptijd_tot_uitspraak"],
            "agreements": ["uitspraak_binnen_vier_maanden"],
        },
        {
            "table": "stuurgroep",
            "at": (1, 17),
            "text": (
                "Het OM bouwt de voorraad oude zaken af met een tijdelijk afdoeningsteam, tot "
                "minder dan 300 zaken in voorraad."
            ),
            "owner": ("Anouk Peters", "om"),
            "due": (-3, 1),
            "status": "open",
            "kpis": ["voorraad_om", "afgedaan_binnen_half_jaar"],
            "agreements": [],
        },
        {
            "table": "tactisch",
            "at": (4, 9),
            "text": "De reclassering krijgt adviesaanvragen digitaal op de dag dat de zitting wordt gepland.",
            "owner": ("Sanne Willems", "om"),
            "due": (3, 9),
            "status": "done",
            "kpis": [],
            "agreements": ["advies_op_tijd"],
        },
        {
            "table": "tactisch",
            "at": (2, 11),
            "text": "Vonnissen met een geldboete gaan dagelijks in plaats van wekelijks naar het CJIB.",
            "owner": ("Thijs van Leeuwen", "rechtspraak"),
            "due": (1, 11),
            "status": "done",
            "kpis": ["straf_uitgevoerd_binnen_half_jaar"],
            "agreements": ["vonnis_naar_cjib"],
        },
        {
            "table": "tactisch",
            "at": (1, 13),
            "text": (
                "Halt en politie spreken een vaste termijn af voor het doorsturen van jeugdzaken naar Halt."
            ),
            "owner": ("Joost Verhoeven", "halt"),
            "due": (-1, 13),
            "status": "in_progress",
            "kpis": [],
            "agreements": ["halt_binnen_twee_maanden"],
        },
        {
            "table": "zsm",
            "at": (3, 22),
            "text": (
                "Hulpofficieren controleren een proces-verbaal op volledigheid voordat het naar het "
                "OM gaat, zodat het niet wordt teruggestuurd."
            ),
            "owner": ("Mehmet Kaya", "politie"),
            "due": (2, 22),
            "status": "done",
            "kpis": [],
            "agreements": ["pv_binnen_maand"],
        },
        {
            "table": "zsm",
            "at": (1, 24),
            "text": (
                "Bij elke ZSM-zaak met een mogelijke werkstraf kijkt de reclassering direct of een "
                "vroeghulpgesprek nodig is."
            ),
            "owner": ("Tim Schouten", "reclassering"),
            "due": (-1, 24),
            "status": "open",
            "kpis": [],
            "agreements": ["advies_op_tijd"],
        },
    ],
    "escalations": [
        {
            "topic": "Adviesaanvragen komen te laat binnen",
            "description": (
                "De reclassering krijgt aanvragen te kort voor de zitting om binnen 28 dagen te adviseren."
            ),
            "level": "operational",
            "by": "reclassering",
            "raised": (4, 2),
            "agreement": "advies_op_tijd",
            "resolved": ("tactical", (4, 9)),
            "resolution": "Het OM stuurt aanvragen voortaan digitaal op de dag van de zittingsplanning.",
        },
        {
            "topic": "Te weinig zittingscapaciteit voor de politierechter",
            "description": "Zaken wachten langer dan vier maanden op een zitting.",
            "level": "tactical",
            "by": "om",
            "raised": (4, 9),
            "agreement": "uitspraak_binnen_vier_maanden",
            "resolved": ("strategic", (3, 16)),
            "resolution": "De stuurgroep sprak extra zittingsruimte af voor zaken die lang wachten.",
        },
        {
            "topic": "Onvolledige processen-verbaal",
            "description": "Het parket stuurt processen-verbaal terug omdat stukken ontbreken.",
            "level": "operational",
            "by": "om",
            "raised": (3, 8),
            "agreement": "pv_binnen_maand",
            "resolved": ("operational", (3, 22)),
            "resolution": "Hulpofficieren controleren voortaan op volledigheid voor het inzenden.",
        },
        {
            "topic": "Inzet van extra parketsecretarissen",
            "description": (
                "Rechtstreeks aan de stuurgroep voorgelegd, zonder bespreking in het tactisch overleg."
            ),
            "level": "operational",
            "by": "om",
            "raised": (1, 3),
            "passed_up": True,
            "resolved": ("strategic", (1, 17)),
            "resolution": "Opgenomen in het besluit over het tijdelijke afdoeningsteam.",
        },
        {
            "topic": "Vonnissen zonder volledige adresgegevens",
            "description": "Het CJIB kan de inning niet starten zonder actueel adres.",
            "level": "operational",
            "by": "cjib",
            "raised": (1, 10),
            "agreement": "vonnis_naar_cjib",
            "resolved": ("operational", (1, 24)),
            "resolution": (
                "De griffie controleert het adres in de basisregistratie voordat het vonnis vertrekt."
            ),
        },
        {
            "topic": "Wachttijd voor Halt-verwijzingen in de zomer",
            "description": "In de vakantieperiode lopen verwijzingen naar Halt weken vertraging op.",
            "level": "tactical",
            "by": "halt",
            "raised": (1, 13),
            "agreement": "halt_binnen_twee_maanden",
        },
    ],
    "stories": [
        {
            "month": 1,
            "title": "Binnen een week een reactie op winkeldiefstal",
            "body": (
                "Een jongere werd aangehouden voor winkeldiefstal. Op de ZSM-locatie besloten politie "
                "en OM dezelfde dag tot een verwijzing naar Halt. Omdat politie en Halt sinds kort een "
                "vaste termijn hanteren, zat de jongere binnen een week bij Halt aan tafel en was de "
                "Halt-straf binnen een maand afgerond. De winkel ontving een excuusbrief."
            ),
            "partners": ["politie", "om", "halt"],
            "kpi": "afgedaan_binnen_half_jaar",
            "review": "selected",
        },
        {
            "month": 1,
            "title": "Boetes sneller geïnd door dagelijkse doorzending",
            "body": (
                "Sinds de rechtbank vonnissen met een geldboete dagelijks doorstuurt, begint het CJIB "
                "de inning ongeveer een week eerder. Deze maand was bijna elk vonnis binnen de norm van "
                "veertien dagen binnen, en meer boetes zijn binnen een half jaar betaald."
            ),
            "partners": ["rechtspraak", "cjib"],
            "kpi": "straf_uitgevoerd_binnen_half_jaar",
            "review": "selected",
        },
        {
            "month": 1,
            "title": "Slachtoffer sneller op de hoogte",
            "body": (
                "Door de gezamenlijke weekplanning kon het OM het slachtoffer van een woninginbraak "
                "binnen een maand laten weten dat de zaak voor de rechter komt."
            ),
            "partners": ["politie", "om"],
            "kpi": None,
            "review": "submitted",
        },
        {
            "month": 2,
            "title": "Vroeghulp voorkomt een lange doorlooptijd",
            "body": (
                "Bij een verdachte met een verslaving vroeg de officier op de ZSM-locatie meteen om een "
                "vroeghulpgesprek van de reclassering. Het adviesrapport lag er binnen drie weken, zodat "
                "de politierechter bij de eerste zitting een straf met toezicht kon opleggen. Het Zorg- "
                "en Veiligheidshuis regelde daarna de zorg."
            ),
            "partners": ["om", "reclassering", "rechtspraak", "zvh"],
            "kpi": "doorlooptijd_tot_uitspraak",
            "review": "selected",
        },
        {
            "month": 2,
            "title": "Complete processen-verbaal, minder heen en weer",
            "body": (
                "Hulpofficieren controleren processen-verbaal nu op volledigheid voordat ze naar het "
                "parket gaan. Het aantal dossiers dat het OM terugstuurde, is gehalveerd, en het parket "
                "neemt sneller een vervolgingsbeslissing."
            ),
            "partners": ["politie", "om"],
            "kpi": "afgedaan_binnen_half_jaar",
            "review": "selected",
        },
        {
            "month": 3,
            "title": "Werkstraf alsnog afgerond",
            "body": (
                "Een veroordeelde kwam meerdere keren niet opdagen voor zijn werkstraf. De reclassering "
                "en het Zorg- en Veiligheidshuis zochten samen uit dat schulden en een onzekere "
                "woonsituatie de oorzaak waren. Met begeleiding naar een vaste woonplek maakte hij de "
                "werkstraf alsnog af."
            ),
            "partners": ["reclassering", "zvh"],
            "kpi": "straf_uitgevoerd_binnen_half_jaar",
            "review": "approved",
        },
        {
            "month": 5,
            "title": "Eén weekplanning voor politie en parket",
            "body": (
                "Teamchefs van de politie en parketsecretarissen bekijken elke maandag samen welke "
                "processen-verbaal de termijn van dertig dagen dreigen te halen. Zo krijgen de zaken "
                "met haast voorrang, aan beide kanten."
            ),
            "partners": ["politie", "om"],
            "kpi": "afgedaan_binnen_half_jaar",
            "review": "approved",
        },
    ],
    "activities": [
        {
            "kind": "visit",
            "title": "Werkbezoek van de stuurgroep aan de ZSM-locatie",
            "held": (5, 14),
            "description": "De stuurgroep keek een dagdeel mee met de afhandeling van verse zaken.",
            "present": ["politie", "om", "reclassering", "halt", "rechtspraak", "cjib"],
            "participants": 14,
        },
        {
            "kind": "training",
            "title": "Gezamenlijke training jeugdstrafrecht en Halt-verwijzingen",
            "held": (3, 7),
            "description": "Agenten, parketmedewerkers en Halt-medewerkers oefenden met de keuze voor Halt.",
            "present": ["politie", "om", "halt"],
            "participants": 30,
        },
        {
            "kind": "other",
            "title": "Meeloopdag bij het CJIB",
            "held": (2, 20),
            "description": "Griffiemedewerkers zagen wat er met een vonnis gebeurt nadat het is verstuurd.",
            "present": ["rechtspraak", "cjib"],
            "participants": 9,
        },
        {
            "kind": "cafe",
            "title": "Ketencafé: van aangifte tot uitgevoerde straf",
            "held": (1, 28),
            "description": "Medewerkers van alle partners volgden samen de weg van een zaak door de keten.",
            "present": ["politie", "om", "reclassering", "halt", "rechtspraak", "cjib", "zvh"],
            "participants": 45,
        },
    ],
    "scan": {
        "partners": ["politie", "halt", "om", "reclassering", "rechtspraak", "cjib"],
        "partner_shift": {
            "politie": -0.2,
            "halt": 0.3,
            "om": 0.1,
            "reclassering": -0.1,
            "rechtspraak": 0.1,
            "cjib": 0.0,
        },
        "theme_shift": {"trust": 0.3, "information": -0.3, "vertical_pressure": -0.6, "identity": 0.2},
        "pair_shift": {
            ("reclassering", "difference"): -0.7,
            ("politie", "vertical_pressure"): -0.5,
            ("rechtspraak", "identity"): -0.8,
        },
        "improved": ["information", "relationship", "governance"],
        "open_answers": {
            "open_keep": [
                "Het dagelijkse contact op de ZSM-locatie.",
                "De gezamenlijke weekplanning van politie en parket.",
                "Dat we nu dezelfde doorlooptijden zien.",
            ],
            "open_improve": [
                "De reclassering eerder betrekken bij de keuze voor een straf.",
                "Minder schakels tussen vonnis en inning.",
                "Meer terugkoppeling naar de politie over wat er met een zaak gebeurt.",
                "Capaciteit bij de rechtspraak eerlijker verdelen over zaakstypen.",
            ],
            "open_other": ["Goed dat er eindelijk naar de hele keten wordt gekeken."],
        },
        "gains": {
            "politie": {
                "overall": 3,
                "hours": "260",
                "money": "",
                "benefits": {"snel_recht": 4, "straf_uitgevoerd": 2, "productie": 3},
                "perceptions": {"halt": 4, "om": 4, "reclassering": 3, "rechtspraak": 3, "cjib": 2},
                "note": "Minder teruggestuurde dossiers en sneller zicht op de afloop.",
            },
            "halt": {
                "overall": 5,
                "hours": "90",
                "money": "",
                "benefits": {"snel_recht": 5, "straf_uitgevoerd": 4, "productie": 3},
                "perceptions": {"politie": 3, "om": 4, "reclassering": 3, "rechtspraak": 2, "cjib": 2},
                "note": "Jongeren komen sneller binnen, zodat de straf nog betekenis heeft.",
            },
            "om": {
                "overall": 4,
                "hours": "300",
                "money": "80000",
                "benefits": {"snel_recht": 5, "straf_uitgevoerd": 3, "productie": 4},
                "perceptions": {"politie": 4, "halt": 4, "reclassering": 3, "rechtspraak": 4, "cjib": 2},
                "note": "Een kleinere voorraad en betere dossiers.",
            },
            "reclassering": {
                "overall": 3,
                "hours": "150",
                "money": "",
                "benefits": {"snel_recht": 3, "straf_uitgevoerd": 4, "productie": 2},
                "perceptions": {"politie": 3, "halt": 4, "om": 4, "rechtspraak": 4, "cjib": 3},
                "note": "Aanvragen op tijd; ons advies telt vaker mee.",
            },
            "rechtspraak": {
                "overall": 2,
                "hours": "70",
                "money": "",
                "benefits": {"snel_recht": 3, "straf_uitgevoerd": 2, "productie": 2},
                "perceptions": {"politie": 3, "halt": 3, "om": 4, "reclassering": 3, "cjib": 3},
                "note": "Vooral afstemming over planning; de onafhankelijkheid blijft voorop staan.",
            },
            "cjib": {
                "overall": 4,
                "hours": "50",
                "money": "",
                "benefits": {"snel_recht": 2, "straf_uitgevoerd": 5, "productie": 3},
                "perceptions": {"politie": 3, "halt": 3, "om": 4, "reclassering": 3, "rechtspraak": 3},
                "note": "Vonnissen komen sneller en vollediger binnen.",
            },
        },
    },
}

DEMO_CONTENT = {"werk": WERK, "strafrecht": STRAFRECHT}
# Two rounds of the scan: (name, opened, closed). The second shows the trend against the first.
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
    content = DEMO_CONTENT.get(chain.slug)
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
        _set_up_scan(chain, content["scan"], coordinator, end)
        say(f"Held {len(SCAN_WAVES)} rounds of the collaboration scan for {chain.slug}.")
    return reused


# --- the governance register -------------------------------------------------------------------


class DemoContentError(ValueError):
    """The demo's own content does not pass the app's checks: a bug in this module."""


def _save(form_class: type[ModelForm], user, chain: Chain, data: dict, **kwargs):
    """Save a record through the form a user would fill in, so the same checks apply."""
    form = form_class(data, chain=chain, **kwargs)
    if not form.is_valid():
        raise DemoContentError(f"{chain.slug}: {form_class.__name__} {form.errors.as_json()}")
    return save_record(user, chain, form)


@transaction.atomic
def _set_up_register(chain: Chain, content: dict, coordinator, analyst, end: dt.date) -> None:
    partners = dict(chain.partners.values_list("code", "pk"))
    agreements = dict(Agreement.objects.filter(chain=chain).values_list("code", "pk"))
    kpis = dict(KpiDefinition.objects.filter(objective__chain=chain).values_list("code", "pk"))
    covenant = content["covenant"]
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
    for spec in content["tables"]:
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
    for d in content["decisions"]:
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
    for e in content["escalations"]:
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
    _set_up_stories(chain, content["stories"], coordinator, analyst, end, partners, kpis)
    for a in content["activities"]:
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


def _answers(wave: Wave, scan_content: dict, partner: str, level: str, rng: random.Random, improved: bool):
    """One respondent's answers: a healthiness per statement around the shifted mean, given as
    the raw answer (turned around for reversed statements), now and then "don't know"."""
    answers = {}
    for item in wave.bank.items:
        if rng.random() < DONT_KNOW_SHARE:
            answers[item.code] = scan.DONT_KNOW
            continue
        mean = (
            BASE_SCORE
            + scan_content["partner_shift"].get(partner, 0.0)
            + LEVEL_SHIFT[level]
            + scan_content["theme_shift"].get(item.theme, 0.0)
            + scan_content["pair_shift"].get((partner, item.theme), 0.0)
            + LEVEL_THEME_SHIFT.get((level, item.theme), 0.0)
            + (IMPROVEMENT if improved and item.theme in scan_content["improved"] else 0.0)
        )
        healthy = min(5, max(1, round(rng.gauss(mean, 0.8))))
        answers[item.code] = str(6 - healthy if item.reverse else healthy)
    open_answers = {}
    if rng.random() < OPEN_ANSWER_SHARE:
        question = rng.choice(sorted(scan_content["open_answers"]))
        open_answers[question] = rng.choice(scan_content["open_answers"][question])
    return answers, open_answers


@transaction.atomic
def _set_up_scan(chain: Chain, scan_content: dict, coordinator, end: dt.date) -> None:
    bank = scan.ensure_default_bank(chain)
    partners = {p.code: p for p in chain.partners.all()}
    surveyed = scan_content["partners"]
    for round_number, (name, opened, closed) in enumerate(SCAN_WAVES):
        wave = scan.open_scan_wave(chain, name=name, bank=bank, user=coordinator)
        rng = random.Random(f"{chain.slug}-{name}")  # noqa: S311 - demo answers, not secrets
        for index, code in enumerate(surveyed):
            per_level = respondents_per_level(wave.effective_min_cell, len(surveyed), index)
            for level, count in per_level.items():
                # One invitee per group never answers: a response rate below 100% is realistic.
                issued = scan.issue_invitations(wave, partners[code], level, count + 1, user=coordinator)
                for token in issued[:count]:
                    answers, open_answers = _answers(wave, scan_content, code, level, rng, round_number > 0)
                    scan.submit_response(scan.find_invitation(token.token), answers, open_answers)
        if round_number == len(SCAN_WAVES) - 1:
            _save_gains(wave, scan_content["gains"], partners, coordinator)
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
