"""Dutch correspondence templates; `{TYPE}` slots are filled with planted entities."""

# The word lists below keep several words to a line (`# fmt: skip`): one word a line, as the
# formatter would have it, makes a list of short words hard to read and review.

from __future__ import annotations

SUBJECTS: dict[str, list[str]] = {
    "settlements": [
        "Mislukte afwikkeling {REFERENCE}",
        "Afwikkelingsinstructie voor {ISIN}",
        "Niet-gematchte transactie - graag SSI bevestigen",
        "Openstaande levering tegen betaling, valutadatum {DATE}",
    ],
    "corporate_actions": [
        "Keuze-instructie - herbelegging dividend {ISIN}",
        "Kennisgeving claimemissie {REFERENCE}",
        "Vrijwillig openbaar bod - uiterste datum {DATE}",
        "Stemmen per volmacht voor de jaarlijkse algemene vergadering",
    ],
    "payments": [
        "Betaling niet ontvangen {REFERENCE}",
        "Verzoek tot terugroepen van een SEPA-overboeking",
        "Inkomende overboeking van {AMOUNT}",
        "Dringend: gegevens begunstigde voor uitgaande betaling",
    ],
    "kyc": [
        "Bijgewerkte KYC-documentatie voor {LEI}",
        "Periodieke herbeoordeling - gegevens uiteindelijk belanghebbenden",
        "Verzoek om adresbewijs",
        "Onboardingdocumenten voor een nieuwe rekening",
    ],
    "complaints": [
        "Formele klacht {REFERENCE}",
        "Klacht over kosten in rekening gebracht op {DATE}",
        "Ontevreden over de dienstverlening - escalatie",
        "Onaanvaardbare vertraging bij de behandeling van mijn verzoek",
    ],
    "custody": [
        "Afwijking in het bewaaroverzicht {ISIN}",
        "Overdracht van effecten tussen bewaarrekeningen",
        "Verzoek om een effectenverklaring per {DATE}",
        "Factuur bewaarloon zakelijke rekening {REFERENCE}",
    ],
}

SENTENCES: dict[str, list[str]] = {
    "settlements": [
        "Onze transactie {REFERENCE} in {ISIN} is op {DATE} niet afgewikkeld omdat de standaard afwikkelingsinstructies van de tegenpartij niet overeenkwamen.",
        "Graag de levering tegen betaling van de positie opnieuw instrueren tegen {AMOUNT} met valutadatum {DATE}.",
        "De tegenpartij, LEI {LEI}, meldt een geldverschil van {AMOUNT} bij de afwikkeling.",
        "Wilt u de plaats van afwikkeling en de PSET BIC {BIC} voor de instructie bevestigen?",
        "De matchingstatus bij de centrale effectenbewaarinstelling toont de transactie sinds {DATE} als niet-gematcht.",
        "Gedeeltelijke afwikkeling is aanvaardbaar; het resterende aantal kan op {DATE} worden afgewikkeld.",
        "Wij brengen boetes voor late afwikkeling onder CSDR in rekening als de mislukte afwikkeling na {DATE} aanhoudt.",
        "Graag de geldrekening voor de afwikkeling vóór de cut-off wijzigen in {IBAN}.",
    ],
    "corporate_actions": [
        "Wij kiezen voor de herbeleggingsoptie voor het dividend op {ISIN} met betaaldatum {DATE}.",
        "Hierbij ontvangt u onze keuze voor de claimemissie {REFERENCE}; wij schrijven in voor al onze claimrechten.",
        "De registratiedatum van de corporate action is {DATE} en het brutodividend bedraagt {AMOUNT} per aandeel.",
        "Graag de gevolmachtigde instrueren om op de algemene vergadering van de uitgevende instelling, LEI {LEI}, vóór alle agendapunten te stemmen.",
        "Wij zien af van deelname aan het openbaar bod op {ISIN}.",
        "Graag de berekening van de rechten en de contante opbrengst van {AMOUNT} bevestigen.",
        "De marktdeadline voor de corporate action is {DATE}; onze antwoorddeadline ligt twee dagen eerder.",
        "Voor de uitkering {REFERENCE} dient de verlaging van de bronbelasting direct aan de bron te worden toegepast.",
    ],
    "payments": [
        "De overboeking van {AMOUNT} naar rekening {IBAN} is nog niet bijgeschreven, hoewel deze op {DATE} is verzonden.",
        "Graag de SEPA-overboeking {REFERENCE} terugroepen die per vergissing naar de verkeerde begunstigde is gestuurd.",
        "De BIC van de bank van de begunstigde is {BIC} en het rekeningnummer is {IBAN}.",
        "Kunt u de inkomende overboeking van {AMOUNT} met valutadatum {DATE} nagaan?",
        "Graag de uitgaande betaling van {AMOUNT} vandaag vóór de cut-off verwerken.",
        "In de omschrijving dient ons factuurkenmerk {REFERENCE} te worden vermeld.",
        "Wij hebben voor {IBAN} een retourbetaling ontvangen met als reden dat de rekening is opgeheven.",
        "Graag onze rekening {IBAN} debiteren voor de periodieke overboeking vanaf {DATE}.",
    ],
    "kyc": [
        "In het kader van de periodieke herbeoordeling treft u bijgaand het bijgewerkte register van uiteindelijk belanghebbenden aan voor de entiteit met LEI {LEI}.",
        "Bijgaand sturen wij een gewaarmerkte kopie van het paspoort van de bestuurder en een energierekening als adresbewijs.",
        "De statuten van de vennootschap zijn op {DATE} gewijzigd; de nieuwe versie is bijgevoegd.",
        "Graag vernemen wij welke documenten nog ontbreken om de onboarding van rekening {IBAN} af te ronden.",
        "De uiteindelijk belanghebbende houdt vijfendertig procent van de aandelen; er zijn geen politiek prominente personen bij betrokken.",
        "Onze LEI-code {LEI} is op {DATE} verlengd.",
        "De herkomst van de middelen voor de eerste storting van {AMOUNT} is de verkoop van onroerend goed.",
        "Graag de lijst van tekenbevoegden voor onze rekeningen met kenmerk {REFERENCE} bijwerken.",
    ],
    "complaints": [
        "Hierbij dien ik een formele klacht in over de kosten van {AMOUNT} die op {DATE} van mijn rekening {IBAN} zijn afgeschreven.",
        "Dit is de derde keer dat ik contact met u moet opnemen over dossier {REFERENCE}, en er is nog niets opgelost.",
        "Ik verwacht binnen veertien dagen een volledige terugbetaling en een schriftelijke verontschuldiging.",
        "Als ik vóór {DATE} geen bevredigend antwoord ontvang, leg ik de zaak voor aan de financiële ombudsman.",
        "Uw dienstverlening was onaanvaardbaar en uw medewerkers hebben mij niet teruggebeld.",
        "De vertraging heeft mij {AMOUNT} aan gederfde rente gekost en ik houd de bank daarvoor aansprakelijk.",
        "Ik ben al vele jaren een trouwe klant en ik ben zeer teleurgesteld.",
        "Ik verzoek u mijn klacht {REFERENCE} te escaleren naar een senior manager.",
    ],
    "custody": [
        "Ons bewaaroverzicht per {DATE} toont een positie in {ISIN} die afwijkt van onze administratie.",
        "Graag de positie in {ISIN} vrij van betaling overboeken naar onze bewaarrekening bij de ontvangende partij, BIC {BIC}.",
        "Graag een effectenverklaring per {DATE} opmaken ten behoeve van de accountantscontrole.",
        "De factuur voor bewaarloon {REFERENCE} van {AMOUNT} lijkt ook effecten te omvatten die al zijn uitgeleverd.",
        "Graag de afgescheiden bewaring van cliëntvermogen op de omnibusrekening bevestigen.",
        "De sub-bewaarder op de lokale markt heeft de ontvangst van {ISIN} niet bevestigd.",
        "Wij verzoeken om registratie van de effecten op naam van de economisch gerechtigde, LEI {LEI}.",
        "Graag vóór {DATE} de posities bij de bewaarinstelling afstemmen met onze administratie.",
    ],
}

# Said in every department, so that words alone do not give the label away.
GENERIC: list[str] = [
    "Wij verzoeken u deze zaak met spoed te behandelen.",
    "Aarzel niet om contact met mij op te nemen als u meer informatie nodig hebt.",
    "Bij voorbaat dank voor uw snelle medewerking.",
    "Ter referentie: ons rekeningnummer is {IBAN}.",
    "Graag bij uw antwoord het kenmerk {REFERENCE} vermelden.",
    "Wij verwijzen naar ons telefoongesprek van {DATE}.",
    "Het betreffende bedrag is {AMOUNT}.",
]

# Also said in every department; each names one person.
PERSON_SENTENCES: list[str] = [
    "Onze klant {PERSON} heeft ons gevraagd deze kwestie op te volgen.",
    "Graag de bevestiging sturen ter attentie van {PERSON}.",
    "{PERSON} van ons treasuryteam belt u morgen.",
    "Ik heb op {DATE} gesproken met {PERSON} van uw kantoor.",
    "{PERSON} staat in cc en kan tijdens mijn afwezigheid uw vragen beantwoorden.",
    "Zoals afgesproken met {PERSON} sturen wij u de ondertekende documenten vóór {DATE}.",
    "Kunt u bevestigen dat {PERSON} nog steeds de juiste contactpersoon is voor kenmerk {REFERENCE}?",
    "Het verzoek is aan onze kant ondertekend door {PERSON}.",
]

GREETINGS: list[str] = [
    "Geachte heer, mevrouw,", "Beste team,", "Hallo,", "Beste collega's,", "Goedemorgen,",
]  # fmt: skip
NAMED_GREETINGS: list[str] = ["Beste {PERSON},", "Geachte {PERSON},", "Hallo {PERSON},"]
CLOSINGS: list[str] = [
    "Met vriendelijke groet,", "Vriendelijke groeten,", "Hoogachtend,", "Met vriendelijke groeten,",
    "Groeten,",
]  # fmt: skip
TITLES: list[str] = [
    "Hoofd Operations", "Treasury Manager", "Backoffice-analist", "Klantenservice",
    "Portefeuillebeheerder", "Compliance Officer", "Financieel directeur",
]  # fmt: skip

ATTACHMENT_TITLE = "Gegevens van de instructie"
FIELD_LABELS: dict[str, str] = {
    "ISIN": "ISIN",
    "AMOUNT": "Bedrag",
    "DATE": "Datum",
    "REFERENCE": "Referentie",
    "IBAN": "IBAN",
}
PHONE_LABEL = "Tel"
EMAIL_LABEL = "E-mail"
