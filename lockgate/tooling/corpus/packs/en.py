"""English correspondence templates; `{TYPE}` slots are filled with planted entities."""

# The word lists below keep several words to a line (`# fmt: skip`): one word a line, as the
# formatter would have it, makes a list of short words hard to read and review.

from __future__ import annotations

SUBJECTS: dict[str, list[str]] = {
    "settlements": [
        "Failed settlement {REFERENCE}",
        "Settlement instruction for {ISIN}",
        "Unmatched trade - please confirm SSI",
        "Pending delivery versus payment, value date {DATE}",
    ],
    "corporate_actions": [
        "Election instruction - dividend reinvestment {ISIN}",
        "Rights issue notification {REFERENCE}",
        "Voluntary tender offer - deadline {DATE}",
        "Proxy voting for the annual general meeting",
    ],
    "payments": [
        "Payment not received {REFERENCE}",
        "Request to recall a SEPA credit transfer",
        "Incoming wire of {AMOUNT}",
        "Urgent: beneficiary details for outgoing payment",
    ],
    "kyc": [
        "Updated KYC documentation for {LEI}",
        "Periodic review - beneficial owner information",
        "Request for proof of address",
        "Onboarding documents for new account",
    ],
    "complaints": [
        "Formal complaint {REFERENCE}",
        "Complaint about fees charged on {DATE}",
        "Dissatisfied with service - escalation",
        "Unacceptable delay in processing my request",
    ],
    "custody": [
        "Safekeeping statement discrepancy {ISIN}",
        "Transfer of securities between custody accounts",
        "Request for holdings certificate as of {DATE}",
        "Corporate custody fee invoice {REFERENCE}",
    ],
}

SENTENCES: dict[str, list[str]] = {
    "settlements": [
        "Our trade {REFERENCE} in {ISIN} failed to settle on {DATE} because the counterparty's standing settlement instructions did not match.",
        "Please re-instruct delivery versus payment of the position against {AMOUNT} with value date {DATE}.",
        "The counterparty, LEI {LEI}, reports a cash mismatch of {AMOUNT} on the settlement.",
        "Kindly confirm the place of settlement and the PSET BIC {BIC} for the instruction.",
        "The matching status in the depository shows the trade as unmatched since {DATE}.",
        "Partial settlement is acceptable; the remaining quantity can settle on {DATE}.",
        "We will apply late settlement penalties under CSDR if the fail persists beyond {DATE}.",
        "Please amend the settlement cash account to {IBAN} before the cut-off.",
    ],
    "corporate_actions": [
        "We wish to elect the reinvestment option for the dividend on {ISIN} with payment date {DATE}.",
        "Please find our election for the rights issue {REFERENCE}; we subscribe for our full entitlement.",
        "The record date for the event is {DATE} and the gross dividend rate is {AMOUNT} per share.",
        "Kindly instruct the proxy to vote in favour of all resolutions at the general meeting of the issuer, LEI {LEI}.",
        "We decline to participate in the tender offer for {ISIN}.",
        "Please confirm the entitlement calculation and the cash proceeds of {AMOUNT}.",
        "The market deadline for the corporate action is {DATE}; our response deadline is two days earlier.",
        "Withholding tax relief at source should be applied to the income event {REFERENCE}.",
    ],
    "payments": [
        "The transfer of {AMOUNT} to account {IBAN} has not been credited although it was sent on {DATE}.",
        "Please recall the SEPA credit transfer {REFERENCE} sent in error to the wrong beneficiary.",
        "The beneficiary bank's BIC is {BIC} and the account is {IBAN}.",
        "Could you trace the incoming wire of {AMOUNT} with value date {DATE}?",
        "Kindly process the outgoing payment of {AMOUNT} before the cut-off time today.",
        "The remittance information should quote our invoice reference {REFERENCE}.",
        "We received a payment return with the reason code for a closed account for {IBAN}.",
        "Please debit our account {IBAN} for the standing order starting {DATE}.",
    ],
    "kyc": [
        "As part of the periodic review, please find attached the updated register of beneficial owners for the entity with LEI {LEI}.",
        "We enclose a certified copy of the passport of the director, and a utility bill as proof of address.",
        "The company's articles of association were amended on {DATE}; the new version is attached.",
        "Please confirm which documents are still outstanding to complete the onboarding of account {IBAN}.",
        "The ultimate beneficial owner holds thirty-five percent of the shares; no politically exposed persons are involved.",
        "Our legal entity identifier {LEI} was renewed on {DATE}.",
        "The source of funds for the initial deposit of {AMOUNT} is the sale of a property.",
        "Kindly update the authorised signatory list for our accounts with reference {REFERENCE}.",
    ],
    "complaints": [
        "I am writing to complain formally about the fee of {AMOUNT} that was charged to my account {IBAN} on {DATE}.",
        "This is the third time I have had to contact you about case {REFERENCE}, and nothing has been resolved.",
        "I expect a full refund and a written apology within fourteen days.",
        "If I do not receive a satisfactory answer by {DATE}, I will refer the matter to the financial ombudsman.",
        "Your service has been unacceptable and your staff did not return my calls.",
        "The delay has cost me {AMOUNT} in lost interest and I hold the bank responsible.",
        "I have been a loyal customer for many years and I am deeply disappointed.",
        "Please escalate my complaint {REFERENCE} to a senior manager.",
    ],
    "custody": [
        "Our safekeeping statement as of {DATE} shows a position in {ISIN} that differs from our records.",
        "Please transfer the holding of {ISIN} free of payment to our custody account at the receiving agent, BIC {BIC}.",
        "Kindly issue a holdings certificate for the audit as of {DATE}.",
        "The custody fee invoice {REFERENCE} of {AMOUNT} seems to include assets that were transferred out.",
        "Please confirm the segregation of client assets in the omnibus account.",
        "The sub-custodian in the local market has not confirmed the receipt of {ISIN}.",
        "We request the registration of the securities in the name of the beneficial owner, LEI {LEI}.",
        "Please reconcile the positions held with the depository against our books by {DATE}.",
    ],
}

# Said in every department, so that words alone do not give the label away.
GENERIC: list[str] = [
    "Please treat this matter as urgent.",
    "Do not hesitate to contact me should you need further information.",
    "Thank you in advance for your prompt assistance.",
    "For reference, our account is {IBAN}.",
    "Please reply quoting reference {REFERENCE}.",
    "We refer to our telephone conversation of {DATE}.",
    "The amount concerned is {AMOUNT}.",
]

# Also said in every department; each names one person.
PERSON_SENTENCES: list[str] = [
    "Our client {PERSON} has asked us to follow up on this matter.",
    "Please send the confirmation to the attention of {PERSON}.",
    "{PERSON} from our treasury team will call you tomorrow.",
    "I spoke with {PERSON} at your branch on {DATE}.",
    "{PERSON} is copied on this message and can answer your questions in my absence.",
    "As agreed with {PERSON}, we will send you the signed documents by {DATE}.",
    "Could you confirm that {PERSON} is still the right contact for reference {REFERENCE}?",
    "The request was signed on our side by {PERSON}.",
]

GREETINGS: list[str] = [
    "Dear Sir or Madam,", "Dear team,", "Hello,", "Dear colleagues,", "Good morning,",
]  # fmt: skip
NAMED_GREETINGS: list[str] = ["Dear {PERSON},", "Hello {PERSON},", "Good morning {PERSON},"]
CLOSINGS: list[str] = [
    "Kind regards,", "Best regards,", "Yours faithfully,", "Sincerely,", "Regards,",
]  # fmt: skip
TITLES: list[str] = [
    "Head of Operations", "Treasury Manager", "Back Office Analyst", "Client Services",
    "Portfolio Administrator", "Compliance Officer", "Finance Director",
]  # fmt: skip

ATTACHMENT_TITLE = "Details of the instruction"
FIELD_LABELS: dict[str, str] = {
    "ISIN": "ISIN",
    "AMOUNT": "Amount",
    "DATE": "Date",
    "REFERENCE": "Reference",
    "IBAN": "IBAN",
}
PHONE_LABEL = "Tel"
EMAIL_LABEL = "Email"
