"""French correspondence templates; `{TYPE}` slots are filled with planted entities."""

# The word lists below keep several words to a line (`# fmt: skip`): one word a line, as the
# formatter would have it, makes a list of short words hard to read and review.

from __future__ import annotations

SUBJECTS: dict[str, list[str]] = {
    "settlements": [
        "Règlement en échec {REFERENCE}",
        "Instruction de règlement pour {ISIN}",
        "Opération non appariée - merci de confirmer les SSI",
        "Livraison contre paiement en attente, date de valeur {DATE}",
    ],
    "corporate_actions": [
        "Instruction d'option - réinvestissement du dividende {ISIN}",
        "Avis d'émission de droits de souscription {REFERENCE}",
        "Offre publique d'achat volontaire - date limite {DATE}",
        "Vote par procuration pour l'assemblée générale annuelle",
    ],
    "payments": [
        "Paiement non reçu {REFERENCE}",
        "Demande de rappel d'un virement SEPA",
        "Virement entrant de {AMOUNT}",
        "Urgent : coordonnées du bénéficiaire pour un paiement sortant",
    ],
    "kyc": [
        "Documentation KYC mise à jour pour {LEI}",
        "Revue périodique - informations sur les bénéficiaires effectifs",
        "Demande de justificatif de domicile",
        "Documents d'entrée en relation pour un nouveau compte",
    ],
    "complaints": [
        "Réclamation formelle {REFERENCE}",
        "Réclamation concernant les frais prélevés le {DATE}",
        "Mécontentement concernant le service - demande d'escalade",
        "Retard inacceptable dans le traitement de ma demande",
    ],
    "custody": [
        "Écart sur le relevé de conservation {ISIN}",
        "Transfert de titres entre comptes de conservation",
        "Demande d'attestation de détention au {DATE}",
        "Facture de droits de garde - clientèle entreprises {REFERENCE}",
    ],
}

SENTENCES: dict[str, list[str]] = {
    "settlements": [
        "Notre opération {REFERENCE} sur {ISIN} n'a pas pu être réglée le {DATE} car les instructions de règlement permanentes de la contrepartie ne concordaient pas.",
        "Merci de réinstruire la livraison contre paiement de la position pour {AMOUNT}, date de valeur {DATE}.",
        "La contrepartie, LEI {LEI}, signale un écart espèces de {AMOUNT} sur le règlement.",
        "Merci de bien vouloir confirmer le lieu de règlement ainsi que le BIC PSET {BIC} pour l'instruction.",
        "Le statut d'appariement chez le dépositaire central indique que l'opération est non appariée depuis le {DATE}.",
        "Un règlement partiel est acceptable ; la quantité restante pourra être réglée le {DATE}.",
        "Nous appliquerons les pénalités de règlement tardif prévues par CSDR si le suspens persiste au-delà du {DATE}.",
        "Merci de remplacer le compte espèces de règlement par {IBAN} avant le cut-off.",
    ],
    "corporate_actions": [
        "Nous souhaitons opter pour le réinvestissement du dividende sur {ISIN}, date de paiement {DATE}.",
        "Veuillez trouver ci-joint notre instruction pour l'émission de droits {REFERENCE} ; nous souscrivons à l'intégralité de nos droits.",
        "La date d'arrêté des positions pour l'opération est le {DATE} et le dividende brut s'élève à {AMOUNT} par action.",
        "Merci de donner instruction au mandataire de voter en faveur de toutes les résolutions lors de l'assemblée générale de l'émetteur, LEI {LEI}.",
        "Nous ne souhaitons pas participer à l'offre publique d'achat sur {ISIN}.",
        "Merci de confirmer le calcul des droits ainsi que le produit en espèces de {AMOUNT}.",
        "La date limite de marché pour l'opération sur titres est le {DATE} ; notre date limite de réponse intervient deux jours plus tôt.",
        "Le taux réduit de retenue à la source doit être appliqué dès le paiement pour l'événement sur revenus {REFERENCE}.",
    ],
    "payments": [
        "Le virement de {AMOUNT} sur le compte {IBAN} n'a pas été crédité alors qu'il a été émis le {DATE}.",
        "Merci de rappeler le virement SEPA {REFERENCE} envoyé par erreur au mauvais bénéficiaire.",
        "Le BIC de la banque du bénéficiaire est {BIC} et le compte est {IBAN}.",
        "Pourriez-vous rechercher le virement entrant de {AMOUNT}, date de valeur {DATE} ?",
        "Merci de bien vouloir traiter le paiement sortant de {AMOUNT} avant l'heure limite d'aujourd'hui.",
        "Le libellé du virement doit mentionner notre référence de facture {REFERENCE}.",
        "Nous avons reçu un retour de paiement pour {IBAN} avec le motif compte clôturé.",
        "Merci de débiter notre compte {IBAN} pour le virement permanent à compter du {DATE}.",
    ],
    "kyc": [
        "Dans le cadre de la revue périodique, veuillez trouver ci-joint le registre mis à jour des bénéficiaires effectifs de l'entité dont le LEI est {LEI}.",
        "Nous joignons une copie certifiée conforme du passeport du dirigeant ainsi qu'une facture d'électricité comme justificatif de domicile.",
        "Les statuts de la société ont été modifiés le {DATE} ; la nouvelle version est jointe.",
        "Merci de nous indiquer quels documents manquent encore pour finaliser l'ouverture du compte {IBAN}.",
        "Le bénéficiaire effectif ultime détient trente-cinq pour cent des actions ; aucune personne politiquement exposée n'est concernée.",
        "Notre identifiant d'entité juridique {LEI} a été renouvelé le {DATE}.",
        "Les fonds du dépôt initial de {AMOUNT} proviennent de la vente d'un bien immobilier.",
        "Merci de mettre à jour la liste des signataires autorisés pour nos comptes sous la référence {REFERENCE}.",
    ],
    "complaints": [
        "Je vous adresse une réclamation formelle concernant les frais de {AMOUNT} prélevés sur mon compte {IBAN} le {DATE}.",
        "C'est la troisième fois que je dois vous contacter au sujet du dossier {REFERENCE}, et rien n'a été résolu.",
        "J'attends un remboursement intégral ainsi que des excuses écrites sous quatorze jours.",
        "Si je ne reçois pas de réponse satisfaisante d'ici le {DATE}, je saisirai le médiateur bancaire.",
        "Votre service a été inacceptable et vos collaborateurs n'ont jamais donné suite à mes appels.",
        "Ce retard m'a fait perdre {AMOUNT} d'intérêts et j'en tiens la banque pour responsable.",
        "Je suis client de votre établissement depuis de nombreuses années et cette situation me déçoit profondément.",
        "Merci de faire remonter ma réclamation {REFERENCE} à un responsable.",
    ],
    "custody": [
        "Notre relevé de conservation au {DATE} fait apparaître une position sur {ISIN} qui diffère de nos livres.",
        "Merci de transférer la position en {ISIN} franco de paiement vers notre compte de conservation auprès de l'agent récepteur, BIC {BIC}.",
        "Merci de bien vouloir établir une attestation de détention au {DATE} pour les besoins de l'audit.",
        "La facture de droits de garde {REFERENCE} d'un montant de {AMOUNT} semble inclure des actifs déjà transférés vers un autre établissement.",
        "Merci de confirmer la ségrégation des actifs de la clientèle sur le compte omnibus.",
        "Le sous-dépositaire sur le marché local n'a pas confirmé la réception de {ISIN}.",
        "Nous demandons l'enregistrement des titres au nom du bénéficiaire effectif, LEI {LEI}.",
        "Merci de rapprocher d'ici le {DATE} les positions détenues auprès du dépositaire avec nos livres.",
    ],
}

# Said in every department, so that words alone do not give the label away.
GENERIC: list[str] = [
    "Merci de traiter ce dossier en urgence.",
    "N'hésitez pas à me contacter si vous avez besoin de plus amples informations.",
    "Merci par avance pour votre aide rapide.",
    "Pour mémoire, notre compte est le {IBAN}.",
    "Merci de rappeler la référence {REFERENCE} dans votre réponse.",
    "Nous faisons suite à notre entretien téléphonique du {DATE}.",
    "Le montant concerné est de {AMOUNT}.",
]

# Also said in every department; each names one person.
PERSON_SENTENCES: list[str] = [
    "Nous intervenons pour le compte de {PERSON}, qui nous a demandé d'assurer le suivi de ce dossier.",
    "Merci d'adresser la confirmation à l'attention de {PERSON}.",
    "{PERSON}, de notre équipe trésorerie, vous appellera demain.",
    "J'ai échangé avec {PERSON} de votre agence le {DATE}.",
    "{PERSON} est en copie de ce message et pourra répondre à vos questions en mon absence.",
    "Comme convenu avec {PERSON}, nous vous ferons parvenir les documents signés d'ici le {DATE}.",
    "Pourriez-vous me confirmer que {PERSON} est toujours le bon contact pour la référence {REFERENCE} ?",
    "La demande a été signée de notre côté par {PERSON}.",
]

GREETINGS: list[str] = [
    "Madame, Monsieur,", "Bonjour à toute l'équipe,", "Bonjour,", "Chers collègues,", "Bonjour à tous,",
]  # fmt: skip
NAMED_GREETINGS: list[str] = [
    "Bonjour {PERSON},", "À l'attention de {PERSON},", "À l'intention de {PERSON},",
]  # fmt: skip
CLOSINGS: list[str] = [
    "Cordialement,", "Bien cordialement,", "Meilleures salutations,",
    "Veuillez agréer mes salutations distinguées,", "Sincères salutations,",
]  # fmt: skip
TITLES: list[str] = [
    "Responsable des opérations", "Responsable trésorerie", "Analyste back-office", "Service clients",
    "Gestionnaire de portefeuilles", "Responsable conformité", "Direction financière",
]  # fmt: skip

ATTACHMENT_TITLE = "Détails de l'instruction"
FIELD_LABELS: dict[str, str] = {
    "ISIN": "ISIN",
    "AMOUNT": "Montant",
    "DATE": "Date",
    "REFERENCE": "Référence",
    "IBAN": "IBAN",
}
PHONE_LABEL = "Tél"
EMAIL_LABEL = "E-mail"
