"""German correspondence templates; `{TYPE}` slots are filled with planted entities."""

# The word lists below keep several words to a line (`# fmt: skip`): one word a line, as the
# formatter would have it, makes a list of short words hard to read and review.

from __future__ import annotations

SUBJECTS: dict[str, list[str]] = {
    "settlements": [
        "Fehlgeschlagene Abwicklung {REFERENCE}",
        "Abwicklungsinstruktion für {ISIN}",
        "Nicht gematchtes Geschäft - bitte SSI bestätigen",
        "Ausstehende Lieferung gegen Zahlung, Valutadatum {DATE}",
    ],
    "corporate_actions": [
        "Weisung zur Wahldividende - Wiederanlage der Dividende {ISIN}",
        "Mitteilung zur Bezugsrechtsemission {REFERENCE}",
        "Freiwilliges öffentliches Erwerbsangebot - Frist {DATE}",
        "Stimmrechtsvertretung für die ordentliche Hauptversammlung",
    ],
    "payments": [
        "Zahlung nicht eingegangen {REFERENCE}",
        "Antrag auf Rückruf einer SEPA-Überweisung",
        "Eingehende Überweisung über {AMOUNT}",
        "Dringend: Empfängerdaten für ausgehende Zahlung",
    ],
    "kyc": [
        "Aktualisierte KYC-Unterlagen für {LEI}",
        "Regelmäßige Überprüfung - Angaben zu wirtschaftlich Berechtigten",
        "Anforderung eines Adressnachweises",
        "Onboarding-Unterlagen für ein neues Konto",
    ],
    "complaints": [
        "Förmliche Beschwerde {REFERENCE}",
        "Beschwerde über die am {DATE} belasteten Gebühren",
        "Unzufriedenheit mit dem Service - Eskalation",
        "Inakzeptable Verzögerung bei der Bearbeitung meines Anliegens",
    ],
    "custody": [
        "Abweichung im Depotauszug {ISIN}",
        "Übertrag von Wertpapieren zwischen Depotkonten",
        "Anforderung einer Bestandsbestätigung per {DATE}",
        "Rechnung Depotgebühren Firmenkunden {REFERENCE}",
    ],
}

SENTENCES: dict[str, list[str]] = {
    "settlements": [
        "Unser Geschäft {REFERENCE} in {ISIN} konnte am {DATE} nicht abgewickelt werden, da die Standard-Abwicklungsinstruktionen der Gegenpartei nicht übereinstimmten.",
        "Bitte instruieren Sie die Lieferung gegen Zahlung der Position über {AMOUNT} mit Valutadatum {DATE} erneut.",
        "Die Gegenpartei, LEI {LEI}, meldet eine Gelddifferenz von {AMOUNT} bei der Abwicklung.",
        "Bitte bestätigen Sie den Abwicklungsort und den PSET-BIC {BIC} für die Instruktion.",
        "Laut Matching-Status beim Zentralverwahrer ist das Geschäft seit dem {DATE} nicht gematcht.",
        "Eine Teilabwicklung ist akzeptabel; die Restmenge kann am {DATE} abgewickelt werden.",
        "Sollte der Fail über den {DATE} hinaus bestehen, werden wir Strafzahlungen für verspätete Abwicklung gemäß CSDR geltend machen.",
        "Bitte ändern Sie das Geldverrechnungskonto für die Abwicklung vor dem Cut-off auf {IBAN}.",
    ],
    "corporate_actions": [
        "Wir möchten für die Dividende auf {ISIN} mit Zahltag {DATE} die Wiederanlageoption wählen.",
        "Anbei erhalten Sie unsere Weisung zur Bezugsrechtsemission {REFERENCE}; wir üben unsere Bezugsrechte vollständig aus.",
        "Der Stichtag für die Maßnahme ist der {DATE}, die Bruttodividende beträgt {AMOUNT} je Aktie.",
        "Bitte weisen Sie den Stimmrechtsvertreter an, auf der Hauptversammlung des Emittenten, LEI {LEI}, allen Beschlussvorschlägen zuzustimmen.",
        "Wir nehmen an dem Erwerbsangebot für {ISIN} nicht teil.",
        "Bitte bestätigen Sie die Berechnung der Ansprüche sowie den Barerlös von {AMOUNT}.",
        "Die Marktfrist für die Kapitalmaßnahme endet am {DATE}; unsere Weisungsfrist liegt zwei Tage früher.",
        "Für die Ertragsausschüttung {REFERENCE} ist die Quellensteuerentlastung direkt an der Quelle anzuwenden.",
    ],
    "payments": [
        "Die Überweisung über {AMOUNT} auf das Konto {IBAN} wurde noch nicht gutgeschrieben, obwohl sie am {DATE} ausgeführt wurde.",
        "Bitte rufen Sie die SEPA-Überweisung {REFERENCE} zurück, die irrtümlich an den falschen Empfänger gesendet wurde.",
        "Der BIC der Bank des Begünstigten lautet {BIC}, die Kontonummer {IBAN}.",
        "Könnten Sie die eingehende Überweisung über {AMOUNT} mit Valutadatum {DATE} nachverfolgen?",
        "Bitte führen Sie die ausgehende Zahlung über {AMOUNT} heute noch vor dem Cut-off aus.",
        "Im Verwendungszweck sollte unsere Rechnungsreferenz {REFERENCE} angegeben werden.",
        "Für {IBAN} haben wir einen Zahlungsrückläufer mit dem Rückgabegrund erloschenes Konto erhalten.",
        "Bitte belasten Sie unser Konto {IBAN} für den Dauerauftrag ab dem {DATE}.",
    ],
    "kyc": [
        "Im Rahmen der regelmäßigen Überprüfung erhalten Sie anbei das aktualisierte Verzeichnis der wirtschaftlich Berechtigten für den Rechtsträger mit der LEI {LEI}.",
        "Beigefügt erhalten Sie eine beglaubigte Kopie des Reisepasses des Geschäftsführers sowie eine Stromrechnung als Adressnachweis.",
        "Die Satzung der Gesellschaft wurde am {DATE} geändert; die neue Fassung liegt bei.",
        "Bitte teilen Sie uns mit, welche Unterlagen für den Abschluss der Eröffnung des Kontos {IBAN} noch fehlen.",
        "Der wirtschaftlich Berechtigte hält fünfunddreißig Prozent der Anteile; politisch exponierte Personen sind nicht beteiligt.",
        "Unsere Rechtsträgerkennung {LEI} wurde am {DATE} verlängert.",
        "Die Mittel für die Ersteinzahlung von {AMOUNT} stammen aus dem Verkauf einer Immobilie.",
        "Bitte aktualisieren Sie die Liste der Zeichnungsberechtigten für unsere Konten mit der Referenz {REFERENCE}.",
    ],
    "complaints": [
        "Hiermit lege ich förmlich Beschwerde gegen die Gebühr von {AMOUNT} ein, die meinem Konto {IBAN} am {DATE} belastet wurde.",
        "Ich muss mich nun bereits zum dritten Mal wegen des Vorgangs {REFERENCE} an Sie wenden, und bislang ist nichts geklärt.",
        "Ich erwarte eine vollständige Erstattung sowie eine schriftliche Entschuldigung innerhalb von vierzehn Tagen.",
        "Sollte ich bis zum {DATE} keine zufriedenstellende Antwort erhalten, werde ich die Angelegenheit dem Bankenombudsmann vorlegen.",
        "Ihr Service war inakzeptabel, und Ihre Mitarbeiter haben mich nicht zurückgerufen.",
        "Die Verzögerung hat mich {AMOUNT} an entgangenen Zinsen gekostet, und ich mache die Bank dafür verantwortlich.",
        "Ich halte Ihrem Haus seit vielen Jahren die Treue und bin zutiefst enttäuscht.",
        "Bitte eskalieren Sie meine Beschwerde {REFERENCE} an eine leitende Führungskraft.",
    ],
    "custody": [
        "Unser Depotauszug per {DATE} weist eine Position in {ISIN} aus, die von unseren Aufzeichnungen abweicht.",
        "Bitte übertragen Sie den Bestand in {ISIN} ohne Gegenwert auf unser Depot bei der empfangenden Stelle, BIC {BIC}.",
        "Bitte stellen Sie für die Abschlussprüfung eine Bestandsbestätigung per {DATE} aus.",
        "Die Rechnung über Depotgebühren {REFERENCE} in Höhe von {AMOUNT} scheint auch Vermögenswerte zu enthalten, die bereits aus dem Depot übertragen wurden.",
        "Bitte bestätigen Sie die Trennung der Kundenbestände im Omnibusdepot.",
        "Der Unterverwahrer im lokalen Markt hat den Eingang von {ISIN} nicht bestätigt.",
        "Wir beantragen die Eintragung der Wertpapiere auf den Namen des wirtschaftlichen Eigentümers, LEI {LEI}.",
        "Bitte gleichen Sie die beim Verwahrer gehaltenen Bestände bis zum {DATE} mit unseren Büchern ab.",
    ],
}

# Said in every department, so that words alone do not give the label away.
GENERIC: list[str] = [
    "Bitte behandeln Sie diese Angelegenheit dringend.",
    "Sollten Sie weitere Informationen benötigen, können Sie sich jederzeit gerne an mich wenden.",
    "Vielen Dank im Voraus für Ihre schnelle Unterstützung.",
    "Zur Information: Unsere Kontoverbindung lautet {IBAN}.",
    "Bitte geben Sie in Ihrer Antwort die Referenz {REFERENCE} an.",
    "Wir beziehen uns auf unser Telefonat vom {DATE}.",
    "Der betreffende Betrag beläuft sich auf {AMOUNT}.",
]

# Also said in every department; each names one person.
PERSON_SENTENCES: list[str] = [
    "Wir vertreten {PERSON} und wurden gebeten, den Vorgang weiterzuverfolgen.",
    "Bitte senden Sie die Bestätigung zu Händen von {PERSON}.",
    "{PERSON} aus unserem Treasury-Team wird Sie morgen anrufen.",
    "Ich habe am {DATE} mit {PERSON} in Ihrer Filiale gesprochen.",
    "{PERSON} ist in Kopie und kann Ihre Fragen während meiner Abwesenheit beantworten.",
    "Wie mit {PERSON} vereinbart, senden wir Ihnen die unterzeichneten Unterlagen bis zum {DATE}.",
    "Können Sie bestätigen, dass für die Referenz {REFERENCE} weiterhin {PERSON} die richtige Ansprechperson ist?",
    "Der Auftrag wurde auf unserer Seite von {PERSON} unterzeichnet.",
]

GREETINGS: list[str] = [
    "Sehr geehrte Damen und Herren,", "Liebes Team,", "Hallo,", "Liebe Kolleginnen und Kollegen,",
    "Guten Morgen,",
]  # fmt: skip
NAMED_GREETINGS: list[str] = ["Hallo {PERSON},", "Guten Tag {PERSON},", "Guten Morgen {PERSON},"]
CLOSINGS: list[str] = [
    "Mit freundlichen Grüßen", "Freundliche Grüße", "Viele Grüße", "Beste Grüße", "Hochachtungsvoll",
]  # fmt: skip
TITLES: list[str] = [
    "Leitung Operations", "Treasury Manager", "Sachbearbeitung Backoffice", "Kundenservice",
    "Portfolioadministration", "Compliance Officer", "Leitung Finanzen",
]  # fmt: skip

ATTACHMENT_TITLE = "Einzelheiten zum Auftrag"
FIELD_LABELS: dict[str, str] = {
    "ISIN": "ISIN",
    "AMOUNT": "Betrag",
    "DATE": "Datum",
    "REFERENCE": "Referenz",
    "IBAN": "IBAN",
}
PHONE_LABEL = "Tel."
EMAIL_LABEL = "E-Mail"
