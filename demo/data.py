"""Demo and scale data for `manage.py seed_demo`: the rule catalogue, reason codes, demo people
and their cases, written as data.

The catalogue reads like a real marketplace's terms. Two product points shape it:
- Using a VPN is never a violation in itself (freelancers report being flagged for it), so no rule
  prohibits it and the location rule says so; "location misrepresentation" cites the rule that
  actually prohibits it: stating a false location on your profile.
- Terms changes are published ahead of taking effect, so every later version has a change summary
  and older statements keep citing the text that applied when they were issued.

Case facts are written without dates or personal data (DSA Art. 17: facts and circumstances, no
personal data), so the same templates serve the hand-made demo cases and the bulk freelancers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from enforcement.choices import (
    EEA_COUNTRIES,
    AutomatedDecision,
    Category,
    ContentType,
    DecisionAccount,
    DecisionMonetary,
    DecisionProvision,
    DecisionVisibility,
    SourceType,
)
from enforcement.models import Capability, EnforcementAction, EvidenceItem, ReasonCode, RuleVersion
from enforcement.services import ActionRequest, ClientNoticeInput, EvidenceInput

DEMO_PASSWORD = "recourse-demo-2026"
BULK_EMAIL_DOMAIN = "bulk.recourse.test"

Type = EnforcementAction.RestrictionType
Signal = EvidenceItem.SignalCategory
Redaction = EvidenceItem.Redaction

# --- Rule catalogue ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionSpec:
    text: str
    examples: str
    effective_from: date
    change_summary: str = ""
    # Changes to the terms are announced before they apply (P2B Art. 3 asks for 15 days).
    notice_days: int = 30


@dataclass(frozen=True)
class RuleSpec:
    key: str
    title: str
    versions: tuple[VersionSpec, ...]


_LAUNCH = date(2019, 6, 1)

RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "TOS-1.1",
        "One account per person",
        (
            VersionSpec(
                text=(
                    "Each person may have only one freelancer account. You may not create, use or "
                    "control a second account, including an account registered in someone else's "
                    "name, and you may not open a new account while one of your accounts is "
                    "suspended or closed."
                ),
                examples=(
                    "Not allowed: opening a second account to send more proposals.\n"
                    "Not allowed: opening a new account after yours was suspended.\n"
                    "Allowed: changing the email address or name of your one account."
                ),
                effective_from=_LAUNCH,
            ),
            VersionSpec(
                text=(
                    "Each person may have only one freelancer account. You may not create, use or "
                    "control a second account, including an account registered in someone else's "
                    "name or an account you run for another person, and you may not open a new "
                    "account while one of your accounts is suspended or closed. If you run an "
                    "agency, you may also manage one agency account, linked to your freelancer "
                    "account in your settings."
                ),
                examples=(
                    "Not allowed: opening a second account to send more proposals.\n"
                    "Not allowed: running an account in a relative's name for them.\n"
                    "Allowed: one freelancer account plus one agency account linked to it.\n"
                    "Allowed: changing the email address or name of your one account."
                ),
                effective_from=date(2024, 3, 1),
                change_summary=(
                    "Allowed one agency account, declared and linked to your freelancer account. "
                    "Made clear that an account you run for someone else counts as a second "
                    "account."
                ),
            ),
        ),
    ),
    RuleSpec(
        "TOS-1.2",
        "Truthful identity and verification",
        (
            VersionSpec(
                text=(
                    "Register with your legal name and complete identity verification when we ask "
                    "for it. The documents and photos you give us must be genuine, current and "
                    "your own. We may pause payouts until verification is complete."
                ),
                examples=(
                    "Not allowed: verifying with a document that was edited or belongs to "
                    "someone else.\n"
                    "Allowed: verifying again with a new passport after your old one expired."
                ),
                effective_from=_LAUNCH,
            ),
            VersionSpec(
                text=(
                    "Register with your legal name and complete identity verification when we ask "
                    "for it. The documents and photos you give us must be genuine, current and "
                    "your own. The holder of every payout method you add must be you, or a "
                    "business you have shown us that you own. If the name on a payout method does "
                    "not match your verified identity, payouts are held until you verify the link "
                    "or remove that payout method."
                ),
                examples=(
                    "Not allowed: verifying with a document that was edited or belongs to "
                    "someone else.\n"
                    "Not allowed: withdrawing earnings to a friend's bank account.\n"
                    "Allowed: withdrawing to your own company's account once you have added "
                    "its registration document in Settings › Identity."
                ),
                effective_from=date(2025, 2, 1),
                change_summary=(
                    "Added that the holder of each payout method must match your verified "
                    "identity (or a business you own), and that payouts are held until it does."
                ),
            ),
        ),
    ),
    RuleSpec(
        "TOS-2.1",
        "Your account is for you alone",
        (
            VersionSpec(
                text=(
                    "Only you may sign in to and work from your account. Do not share your "
                    "password, and do not let another person send proposals, message clients or "
                    "deliver work as you."
                ),
                examples=(
                    "Not allowed: a friend sending proposals from your account while you sleep.\n"
                    "Allowed: signing in from your new laptop or phone."
                ),
                effective_from=_LAUNCH,
            ),
            VersionSpec(
                text=(
                    "Only you may sign in to and work from your account. Do not share your "
                    "password, do not let another person send proposals, message clients or "
                    "deliver work as you, and do not sell, rent or lend your account. If other "
                    "people help you, invite them through Teams so that each person signs in as "
                    "themselves."
                ),
                examples=(
                    "Not allowed: a friend sending proposals from your account while you sleep.\n"
                    "Not allowed: renting your account to someone in exchange for a share of "
                    "their earnings.\n"
                    "Allowed: an assistant invited through Teams who signs in with their own "
                    "account.\n"
                    "Allowed: signing in from your new laptop or phone."
                ),
                effective_from=date(2023, 9, 1),
                change_summary=(
                    "Named Teams as the way for several people to work together, and listed "
                    "selling, renting or lending an account as prohibited."
                ),
            ),
        ),
    ),
    RuleSpec(
        "TOS-2.3",
        "Accurate profile and location",
        (
            VersionSpec(
                text=(
                    "Everything on your profile must be true and your own: your name, photo, "
                    "skills, work history, and the country and city where you live. Clients rely "
                    "on your stated location for time zones, tax and legal reasons, so it must be "
                    "where you actually live and work."
                ),
                examples=(
                    "Not allowed: listing a city you have never lived in to appear in local "
                    "searches.\n"
                    "Not allowed: showing a portfolio piece made by someone else as your own."
                ),
                effective_from=_LAUNCH,
            ),
            VersionSpec(
                text=(
                    "Everything on your profile must be true and your own: your name, photo, "
                    "skills, work history, and the country and city where you live. Clients rely "
                    "on your stated location for time zones, tax and legal reasons, so it must be "
                    "where you actually live and work. Using a VPN or a proxy, or travelling, is "
                    "not a violation in itself: this rule is about what your profile says, not "
                    "about the network you connect from."
                ),
                examples=(
                    "Not allowed: listing a city you have never lived in to appear in local "
                    "searches.\n"
                    "Not allowed: showing a portfolio piece made by someone else as your own.\n"
                    "Allowed: working through your company's VPN.\n"
                    "Allowed: working for a few weeks while travelling abroad."
                ),
                effective_from=date(2024, 6, 1),
                change_summary=(
                    "Stated that using a VPN or proxy, or travelling, is not a violation in "
                    "itself; only the location stated on the profile must be accurate. Added "
                    "examples."
                ),
            ),
            VersionSpec(
                text=(
                    "Everything on your profile must be true and your own: your name, photo, "
                    "skills, work history, and the country and city where you live. Clients rely "
                    "on your stated location for time zones, tax and legal reasons, so it must be "
                    "where you actually live and work. If you move, update your profile within "
                    "30 days. Using a VPN or a proxy, or travelling, is not a violation in itself: "
                    "this rule is about what your profile says, not about the network you connect "
                    "from. To check a location we rely on your identity verification, payout "
                    "accounts and tax details, never on network location alone."
                ),
                examples=(
                    "Not allowed: listing a city you have never lived in to appear in local "
                    "searches.\n"
                    "Not allowed: keeping your old country on your profile months after moving.\n"
                    "Allowed: working through your company's VPN.\n"
                    "Allowed: working for a few weeks while travelling abroad.\n"
                    "Allowed: updating your profile three weeks after moving."
                ),
                effective_from=date(2026, 4, 1),
                change_summary=(
                    "Gave freelancers 30 days to update their profile after moving, and listed the "
                    "signals used to check a location (identity verification, payout accounts, tax "
                    "details), never network location alone."
                ),
            ),
        ),
    ),
    RuleSpec(
        "TOS-4.1",
        "Payments stay on the marketplace",
        (
            VersionSpec(
                text=(
                    "When you meet a client through the marketplace, all payment for your work "
                    "with that client goes through the marketplace for 24 months from your first "
                    "contact. Do not ask for, suggest or accept payment by bank transfer, payment "
                    "apps, cryptocurrency or any other way outside the marketplace, and do not "
                    "share contact details in order to arrange it."
                ),
                examples=(
                    "Not allowed: offering a client a lower price for paying you directly.\n"
                    "Not allowed: putting your payment-app handle in a proposal.\n"
                    "Allowed: sending an invoice generated by the marketplace."
                ),
                effective_from=_LAUNCH,
            ),
            VersionSpec(
                text=(
                    "When you meet a client through the marketplace, all payment for your work "
                    "with that client goes through the marketplace for 24 months from your first "
                    "contact. Do not ask for, suggest or accept payment by bank transfer, payment "
                    "apps, cryptocurrency or any other way outside the marketplace. Once a "
                    "contract has started you may exchange contact details to call or meet, but "
                    "not to move payment elsewhere."
                ),
                examples=(
                    "Not allowed: offering a client a lower price for paying you directly.\n"
                    "Not allowed: putting your payment-app handle in a proposal.\n"
                    "Allowed: sharing a phone number after the contract starts to schedule a "
                    "call.\n"
                    "Allowed: sending an invoice generated by the marketplace."
                ),
                effective_from=date(2025, 9, 1),
                change_summary=(
                    "Allowed exchanging contact details once a contract has started, for calls "
                    "and meetings; payment must still go through the marketplace."
                ),
            ),
        ),
    ),
    RuleSpec(
        "TOS-4.2",
        "Marketplace fees",
        (
            VersionSpec(
                text=(
                    "Do not avoid or reduce marketplace fees: do not misstate what a contract is "
                    "worth, split one job into separate contracts to change the fee, ask a client "
                    "to pay part of the price outside the contract, or refund a client so that "
                    "they can pay you another way."
                ),
                examples=(
                    "Not allowed: setting a contract at a nominal amount and asking for the rest "
                    "as a 'tip' by bank transfer.\n"
                    "Allowed: a client adding a bonus through the marketplace after the work is "
                    "done."
                ),
                effective_from=_LAUNCH,
            ),
        ),
    ),
    RuleSpec(
        "TOS-4.3",
        "Payment integrity and chargebacks",
        (
            VersionSpec(
                text=(
                    "Use the payment system only to pay and be paid for real work. Do not pay "
                    "yourself through a client account, use payment methods you are not "
                    "authorised to use, or ask a client to dispute or charge back a payment for "
                    "work you delivered."
                ),
                examples=(
                    "Not allowed: funding a client account to pay your own contracts.\n"
                    "Allowed: a client disputing a payment through the marketplace's dispute "
                    "process."
                ),
                effective_from=_LAUNCH,
            ),
            VersionSpec(
                text=(
                    "Use the payment system only to pay and be paid for real work. Do not pay "
                    "yourself through a client account, use payment methods you are not "
                    "authorised to use, or ask a client to dispute or charge back a payment for "
                    "work you delivered. If payments for your contracts are charged back as "
                    "unauthorised, we may hold the related earnings for up to 180 days while the "
                    "card issuers decide."
                ),
                examples=(
                    "Not allowed: funding a client account to pay your own contracts.\n"
                    "Not allowed: asking a client to charge back a payment so you can be paid "
                    "twice.\n"
                    "Allowed: a client disputing a payment through the marketplace's dispute "
                    "process."
                ),
                effective_from=date(2024, 1, 15),
                change_summary=(
                    "Described the hold of up to 180 days on earnings from payments that are "
                    "charged back as unauthorised."
                ),
            ),
        ),
    ),
    RuleSpec(
        "TOS-5.1",
        "Respectful communication",
        (
            VersionSpec(
                text=(
                    "Treat clients, other freelancers and our staff with respect. Do not "
                    "threaten, insult, harass or discriminate against anyone, and stop contacting "
                    "a person who has asked you to stop."
                ),
                examples=(
                    "Not allowed: messaging a client repeatedly after they ended a contract.\n"
                    "Not allowed: threatening to publish someone's personal details.\n"
                    "Allowed: disagreeing firmly and politely about the scope of a job."
                ),
                effective_from=_LAUNCH,
            ),
        ),
    ),
    RuleSpec(
        "TOS-5.2",
        "Proposals and messages",
        (
            VersionSpec(
                text=(
                    "Send proposals only for jobs you have read and can do, written for that job. "
                    "Do not send bulk, copied or automated proposals, and do not send unsolicited "
                    "promotional messages."
                ),
                examples=(
                    "Not allowed: pasting the same cover letter into dozens of proposals.\n"
                    "Allowed: reusing a paragraph about your experience in a proposal written "
                    "for the job."
                ),
                effective_from=_LAUNCH,
            ),
            VersionSpec(
                text=(
                    "Send proposals only for jobs you have read and can do, written for that job. "
                    "Do not send bulk, copied or automated proposals, and do not send unsolicited "
                    "promotional messages. More than 30 substantially identical proposals within "
                    "24 hours count as bulk proposals."
                ),
                examples=(
                    "Not allowed: pasting the same cover letter into dozens of proposals.\n"
                    "Allowed: reusing a paragraph about your experience in a proposal written "
                    "for the job."
                ),
                effective_from=date(2025, 7, 1),
                change_summary=(
                    "Defined bulk proposals: more than 30 substantially identical proposals "
                    "within 24 hours."
                ),
            ),
        ),
    ),
    RuleSpec(
        "TOS-6.1",
        "Intellectual property",
        (
            VersionSpec(
                text=(
                    "Deliver and show only work that you created or have the right to use and to "
                    "license to your client. Do not copy other people's designs, code, text, "
                    "photos or fonts, or present someone else's portfolio as yours. We remove "
                    "material when a rights holder sends a valid notice."
                ),
                examples=(
                    "Not allowed: delivering a logo traced from another company's mark.\n"
                    "Allowed: using stock photos under a licence that covers the client's use."
                ),
                effective_from=_LAUNCH,
            ),
        ),
    ),
    RuleSpec(
        "TOS-6.2",
        "Honest reviews and feedback",
        (
            VersionSpec(
                text=(
                    "Feedback must reflect real work. Do not buy, trade or write reviews for "
                    "yourself, create contracts only to collect feedback, or pressure a client "
                    "to change their feedback."
                ),
                examples=(
                    "Not allowed: paying for small contracts whose only purpose is five-star "
                    "feedback.\n"
                    "Allowed: asking a satisfied client to leave feedback."
                ),
                effective_from=_LAUNCH,
            ),
            VersionSpec(
                text=(
                    "Feedback must reflect real work. Do not buy, trade or write reviews for "
                    "yourself, create contracts only to collect feedback, or pressure a client "
                    "to change their feedback. Offering a refund, a discount or extra work in "
                    "exchange for changing or removing feedback counts as pressure."
                ),
                examples=(
                    "Not allowed: paying for small contracts whose only purpose is five-star "
                    "feedback.\n"
                    "Not allowed: offering a partial refund if the client removes a review.\n"
                    "Allowed: asking a satisfied client to leave feedback."
                ),
                effective_from=date(2022, 10, 1),
                change_summary=(
                    "Named refunds, discounts and extra work offered in exchange for changing "
                    "feedback as feedback manipulation."
                ),
            ),
        ),
    ),
    RuleSpec(
        "TOS-7.1",
        "Prohibited services",
        (
            VersionSpec(
                text=(
                    "Do not offer or perform services that are illegal or that we list as "
                    "prohibited, including forged documents, breaking into accounts or systems, "
                    "selling personal data, and services meant to deceive other people."
                ),
                examples=(
                    "Not allowed: offering to 'recover' someone else's social media account.\n"
                    "Allowed: security testing of a client's own systems with their written "
                    "permission."
                ),
                effective_from=_LAUNCH,
            ),
            VersionSpec(
                text=(
                    "Do not offer or perform services that are illegal or that we list as "
                    "prohibited, including forged documents, breaking into accounts or systems, "
                    "selling personal data, services meant to deceive other people, taking exams "
                    "or writing graded coursework for someone else, and selling fake reviews, "
                    "followers or engagement."
                ),
                examples=(
                    "Not allowed: offering to 'recover' someone else's social media account.\n"
                    "Not allowed: offering to sit an online exam for a student.\n"
                    "Allowed: tutoring a student on the subject of their exam.\n"
                    "Allowed: security testing of a client's own systems with their written "
                    "permission."
                ),
                effective_from=date(2025, 3, 1),
                change_summary=(
                    "Added academic cheating services and the sale of fake reviews, followers or "
                    "engagement to the list of prohibited services."
                ),
            ),
        ),
    ),
    RuleSpec(
        "TOS-7.2",
        "Protecting clients' data",
        (
            VersionSpec(
                text=(
                    "Use data a client gives you only to do the work they hired you for. Keep it "
                    "secure, do not share it with anyone who does not need it for the work, and "
                    "delete or return it when the contract ends. Tell the client and us without "
                    "delay if it is lost, stolen or exposed."
                ),
                examples=(
                    "Not allowed: reusing a client's customer list for another client.\n"
                    "Not allowed: leaving a client's database export in a public link.\n"
                    "Allowed: keeping an invoice for your own tax records."
                ),
                effective_from=date(2021, 5, 1),
            ),
        ),
    ),
    RuleSpec(
        "TOS-8.1",
        "Automated access and platform misuse",
        (
            VersionSpec(
                text=(
                    "Use the marketplace through its website, apps and published API. Do not "
                    "scrape it, run bots that apply to jobs or message clients, or interfere with "
                    "its security."
                ),
                examples=(
                    "Not allowed: a browser extension that sends proposals automatically.\n"
                    "Allowed: a tool built on the published API that reads your own contracts."
                ),
                effective_from=_LAUNCH,
            ),
        ),
    ),
)


# --- Reason codes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReasonCodeSpec:
    code: str
    title: str
    rule_key: str
    category: str
    explanation: str
    what_you_can_do: str


REASON_CODES: tuple[ReasonCodeSpec, ...] = (
    ReasonCodeSpec(
        "identity-mismatch",
        "Identity details do not match",
        "TOS-1.2",
        Category.OTHER_VIOLATION_TC,
        "The name on your account, your verified identity and the holder of your payout method "
        "do not match each other. Until they do, we cannot be sure that your earnings reach you.",
        "Verify your identity again in Settings › Identity, add a payout method in your own "
        "name, or add the registration document of your company if the payout account belongs "
        "to it. If the names differ for a legitimate reason, appeal and attach a document that "
        "shows the link.",
    ),
    ReasonCodeSpec(
        "identity-document-invalid",
        "Identity document could not be accepted",
        "TOS-1.2",
        Category.SCAMS_AND_FRAUD,
        "The identity document submitted for your account appears to be altered, expired or not "
        "yours.",
        "Verify again in Settings › Identity with a current, unedited document in your own name. "
        "If you think our check was wrong, appeal and tell us which document you used.",
    ),
    ReasonCodeSpec(
        "duplicate-account",
        "More than one account",
        "TOS-1.1",
        Category.OTHER_VIOLATION_TC,
        "We found that you also use or control another freelancer account. Each person may have "
        "one freelancer account (and one linked agency account).",
        "If the other account is not yours, for example a family member who uses the same "
        "internet connection, appeal and explain; we will review the link again. If it is "
        "yours, tell us which account you want to keep.",
    ),
    ReasonCodeSpec(
        "account-sharing",
        "Account used by someone else",
        "TOS-2.1",
        Category.OTHER_VIOLATION_TC,
        "Your account was used by a person other than you to sign in, send proposals, message "
        "clients or deliver work.",
        "Change your password and turn on two-step verification. If other people help you, "
        "invite them through Teams. If it was you, for example on a new device or while "
        "travelling, appeal and tell us.",
    ),
    ReasonCodeSpec(
        "account-rental",
        "Account sold, rented or lent",
        "TOS-2.1",
        Category.SCAMS_AND_FRAUD,
        "Your account was sold, rented or lent to another person, who worked from it under your "
        "name.",
        "If you did not agree to this, your account may have been taken over: appeal and tell "
        "us, and we will help you secure it.",
    ),
    ReasonCodeSpec(
        "location-misrepresentation",
        "Profile location does not match where you live",
        "TOS-2.3",
        Category.OTHER_VIOLATION_TC,
        "Your profile states a country or city where, according to the signals listed in this "
        "statement, you do not currently live. Using a VPN or travelling is not a violation in "
        "itself: this reason is only about what your profile says.",
        "If you have moved, update the location on your profile. If your profile is correct, "
        "appeal and add a document that shows where you live, such as a recent utility bill or "
        "tax registration (you may black out everything except your name, address and the "
        "date).",
    ),
    ReasonCodeSpec(
        "profile-misrepresentation",
        "Profile claims that are not true",
        "TOS-2.3",
        Category.CONSUMER_INFORMATION,
        "Your profile contains qualifications, work history or portfolio items that are not "
        "true or not yours.",
        "Remove or correct the items named in this statement. If they are accurate, appeal and "
        "add proof, such as a certificate or a link to the original work.",
    ),
    ReasonCodeSpec(
        "off-platform-payment",
        "Payment arranged outside the marketplace",
        "TOS-4.1",
        Category.OTHER_VIOLATION_TC,
        "You asked for, suggested or accepted payment for work with a client you met here "
        "outside the marketplace. Such payments are not protected for you or your client, and "
        "are not allowed for 24 months after you met the client here.",
        "Keep payment for marketplace clients on the marketplace. If the message was "
        "misunderstood, for example you meant an invoice issued through the marketplace, appeal "
        "and explain the context.",
    ),
    ReasonCodeSpec(
        "off-platform-contact",
        "Contact details shared to move work elsewhere",
        "TOS-4.1",
        Category.OTHER_VIOLATION_TC,
        "Before a contract started, you shared contact details with a client in a way that "
        "invited them to continue outside the marketplace.",
        "Share contact details only after a contract has started, and only to call or meet. If "
        "the details were shared for another reason, appeal and explain.",
    ),
    ReasonCodeSpec(
        "fee-circumvention",
        "Marketplace fees avoided",
        "TOS-4.2",
        Category.OTHER_VIOLATION_TC,
        "The value of a contract was misstated, or part of the price was paid outside the "
        "contract, so that marketplace fees were avoided.",
        "If the contract value was correct, appeal and show the agreed scope and price, for "
        "example the job post and your messages with the client.",
    ),
    ReasonCodeSpec(
        "payment-fraud",
        "Payments that were not for real work",
        "TOS-4.3",
        Category.SCAMS_AND_FRAUD,
        "Payments to your account came from payment methods their owners did not authorise, or "
        "were made to move money rather than to pay for work.",
        "If the work was real, appeal with the contracts, what you delivered and your messages "
        "with the clients. Held funds are released as described in this statement.",
    ),
    ReasonCodeSpec(
        "chargeback-abuse",
        "Misuse of chargebacks",
        "TOS-4.3",
        Category.SCAMS_AND_FRAUD,
        "You asked a client to dispute or charge back a payment for work you had delivered, or "
        "arranged to be paid twice for the same work.",
        "If the client opened the dispute on their own, appeal and add your messages with them.",
    ),
    ReasonCodeSpec(
        "harassment",
        "Harassing or threatening messages",
        "TOS-5.1",
        Category.CYBER_VIOLENCE,
        "You sent messages that insulted, threatened or harassed a client, another freelancer "
        "or a member of our staff, or kept contacting someone who asked you to stop.",
        "Stop contacting the person. If the messages have been misread or taken out of context, "
        "appeal and explain; we will read the whole conversation again.",
    ),
    ReasonCodeSpec(
        "discriminatory-language",
        "Discriminatory or hateful language",
        "TOS-5.1",
        Category.ILLEGAL_OR_HARMFUL_SPEECH,
        "You used language that attacks people for their origin, religion, gender, sexual "
        "orientation, disability or a similar characteristic.",
        "If you believe the words were misunderstood, appeal and explain the context.",
    ),
    ReasonCodeSpec(
        "proposal-spam",
        "Bulk or copied proposals",
        "TOS-5.2",
        Category.OTHER_VIOLATION_TC,
        "You sent many substantially identical proposals in a short time, which buries the "
        "proposals of other freelancers and wastes clients' time.",
        "Write each proposal for its job. Sending proposals is restored automatically when the "
        "restriction ends; if the proposals were different, appeal and tell us which ones.",
    ),
    ReasonCodeSpec(
        "ip-infringement",
        "Work that infringes someone's rights",
        "TOS-6.1",
        Category.INTELLECTUAL_PROPERTY_INFRINGEMENTS,
        "A rights holder told us that work you delivered or showed in your portfolio copies "
        "their work without permission, and we found the notice valid.",
        "If you created the work or hold a licence, appeal and attach your drafts, source files "
        "or licence; we will reconsider, and you may also send a counter-notice.",
    ),
    ReasonCodeSpec(
        "fake-reviews",
        "Reviews that do not reflect real work",
        "TOS-6.2",
        Category.CONSUMER_INFORMATION,
        "Feedback on your profile came from contracts that were set up to produce reviews rather "
        "than for real work, so it misleads clients.",
        "If the contracts were real, appeal and add what you delivered for them.",
    ),
    ReasonCodeSpec(
        "feedback-pressure",
        "Pressure on a client to change feedback",
        "TOS-6.2",
        Category.CONSUMER_INFORMATION,
        "You offered a client a refund, discount or extra work, or threatened them, in exchange "
        "for changing or removing their feedback.",
        "You may reply publicly to feedback you disagree with. If you did not link an offer to "
        "the feedback, appeal and add the conversation.",
    ),
    ReasonCodeSpec(
        "prohibited-service",
        "Prohibited service offered",
        "TOS-7.1",
        Category.UNSAFE_AND_PROHIBITED_PRODUCTS,
        "A service you offered or performed is on our list of prohibited services.",
        "Remove the listing or proposal named in this statement. If the service was something "
        "else, for example tutoring rather than taking an exam, appeal and explain.",
    ),
    ReasonCodeSpec(
        "client-data-misuse",
        "Client data not protected",
        "TOS-7.2",
        Category.DATA_PROTECTION_AND_PRIVACY_VIOLATIONS,
        "Data a client entrusted to you was used for something else, shared with people who did "
        "not need it, or left exposed.",
        "Delete or return the data and confirm it to the client. If the data was handled as the "
        "client asked, appeal and show the instructions you received.",
    ),
    ReasonCodeSpec(
        "automated-access",
        "Bots or scraping",
        "TOS-8.1",
        Category.OTHER_VIOLATION_TC,
        "Your account was used by software that sent proposals or messages automatically, or "
        "collected data from the marketplace.",
        "Remove the tool and sign out of all sessions in Settings › Security. If you used only "
        "the published API, appeal and tell us which application.",
    ),
)


# --- People ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonSpec:
    email: str
    display_name: str
    role: str
    time_zone: str
    country: str = ""
    marketplace_id: str | None = None
    member_years: float = 0
    is_staff: bool = False
    is_superuser: bool = False
    extra_roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrackRecordSpec:
    """The marketplace's record of a demo freelancer (as its account sync would send it)."""

    earnings: str
    currency: str
    contracts: int
    badges: tuple[str, ...]
    feedback: str


DEMO_FREELANCER = "amara@demo.recourse.test"
SECOND_FREELANCER = "jonas@demo.recourse.test"
DEMO_REVIEWER = "riley@demo.recourse.test"
# Took the original decisions on the demo cases, so the demo reviewer and lead can decide appeals.
DEMO_ENFORCER = "sam@demo.recourse.test"
DEMO_LEAD = "lena@demo.recourse.test"
DEMO_ADMIN = "admin@demo.recourse.test"

# Amara: six years on the marketplace, Top Rated, a long-standing account (a permanent
# termination of it needs a lead's review first). Jonas: under three years, Rising Talent.
TRACK_RECORDS: dict[str, TrackRecordSpec] = {
    DEMO_FREELANCER: TrackRecordSpec("184350.00", "USD", 236, ("top_rated",), "4.94"),
    SECOND_FREELANCER: TrackRecordSpec("21900.00", "EUR", 38, ("rising_talent",), "4.71"),
}

PEOPLE: tuple[PersonSpec, ...] = (
    PersonSpec(
        DEMO_FREELANCER,
        "Amara Okafor",
        "freelancer",
        "Europe/Lisbon",
        country="PT",
        marketplace_id="~01c7e4a9b2f35d6e80",
        member_years=6.1,
    ),
    PersonSpec(
        SECOND_FREELANCER,
        "Jonas Weber",
        "freelancer",
        "Europe/Berlin",
        country="DE",
        marketplace_id="~01f0b83d6a27c94e15",
        member_years=2.8,
    ),
    PersonSpec(DEMO_REVIEWER, "Riley Chen", "reviewer", "Europe/Dublin", is_staff=True),
    PersonSpec(
        DEMO_ENFORCER,
        "Sam Okoro",
        "reviewer",
        "Europe/London",
        is_staff=True,
        extra_roles=("enforcer",),
    ),
    PersonSpec(DEMO_LEAD, "Lena Novak", "lead", "Europe/Prague", is_staff=True),
    PersonSpec(
        DEMO_ADMIN,
        "Ada Lindqvist",
        "admin",
        "Europe/Stockholm",
        is_staff=True,
        is_superuser=True,
    ),
)


# --- Cases -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceSpec:
    signal_category: str
    summary: str
    internal_detail: str = ""
    redaction: str = Redaction.NONE
    redaction_reason: str = ""
    observed_days_before_start: int = 1


@dataclass(frozen=True)
class NoticeSpec:
    """What a client was shown. `{freelancer}` is the short name, `{until}` the end date."""

    client_name: str
    contract_reference: str
    text: str
    client_reference: str = ""
    shown_hours_after_start: int = 1


@dataclass(frozen=True)
class CaseSpec:
    """A complete statement of reasons, with dates relative to the action's start."""

    reason_code: str
    restriction_type: str
    facts: str
    source_type: str
    automated_detection: bool
    automated_decision: str
    evidence: tuple[EvidenceSpec, ...]
    duration_days: int | None = None
    restricted_capabilities: tuple[str, ...] = ()
    decision_visibility: tuple[str, ...] = ()
    decision_visibility_other: str = ""
    decision_monetary: str = ""
    decision_provision: str = ""
    decision_account: str = ""
    content_type: tuple[str, ...] = (ContentType.OTHER,)
    territorial_scope: tuple[str, ...] = tuple(EEA_COUNTRIES)
    funds_held_amount: Decimal = Decimal("0")
    funds_currency: str = ""
    funds_release_condition: str = ""
    funds_release_after_days: int | None = None
    strike_count: int = 0
    strike_days: int = 365
    client_notices: tuple[NoticeSpec, ...] = ()
    # The freelancer is told this many days before the action starts (a termination's notice).
    notice_days_before_start: int = 0
    weight: int = 1

    def ends_at(self, starts_at: datetime) -> datetime | None:
        if self.duration_days is None:
            return None
        return starts_at + timedelta(days=self.duration_days)

    def notified_at(self, starts_at: datetime) -> datetime:
        return starts_at - timedelta(days=self.notice_days_before_start)

    def funds_release_on(self, starts_at: datetime) -> date | None:
        if self.funds_release_after_days is None:
            return None
        return (starts_at + timedelta(days=self.funds_release_after_days)).date()

    def strikes_expire_on(self, starts_at: datetime) -> date | None:
        return (starts_at + timedelta(days=self.strike_days)).date() if self.strike_count else None

    def notice_text(self, notice: NoticeSpec, *, freelancer: str, starts_at: datetime) -> str:
        ends_at = self.ends_at(starts_at)
        until = f"{ends_at.day} {ends_at:%B %Y}" if ends_at else "further notice"
        return notice.text.format(freelancer=freelancer, until=until)

    def request(
        self,
        *,
        account,
        starts_at: datetime,
        reason_code: ReasonCode,
        cited_version: RuleVersion,
        funds_held_amount: Decimal | None = None,
    ) -> ActionRequest:
        """The request `issue_action` checks, for this case against `account` at `starts_at`."""
        freelancer = short_name(account.display_name)
        return ActionRequest(
            account=account,
            restriction_type=self.restriction_type,
            reason_code=reason_code,
            cited_versions=[cited_version],
            facts=self.facts,
            source_type=self.source_type,
            automated_detection=self.automated_detection,
            automated_decision=self.automated_decision,
            evidence=[
                EvidenceInput(
                    signal_category=item.signal_category,
                    summary=item.summary,
                    internal_detail=item.internal_detail,
                    redaction=item.redaction,
                    redaction_reason=item.redaction_reason,
                    observed_at=starts_at - timedelta(days=item.observed_days_before_start),
                )
                for item in self.evidence
            ],
            starts_at=starts_at,
            ends_at=self.ends_at(starts_at),
            restricted_capabilities=list(self.restricted_capabilities),
            decision_visibility=list(self.decision_visibility),
            decision_visibility_other=self.decision_visibility_other,
            decision_monetary=self.decision_monetary,
            decision_provision=self.decision_provision,
            decision_account=self.decision_account,
            content_type=list(self.content_type),
            territorial_scope=list(self.territorial_scope),
            funds_held_amount=(
                self.funds_held_amount if funds_held_amount is None else funds_held_amount
            ),
            funds_currency=self.funds_currency,
            funds_release_condition=self.funds_release_condition,
            funds_release_on=self.funds_release_on(starts_at),
            strike_count=self.strike_count,
            strikes_expire_on=self.strikes_expire_on(starts_at),
            client_notices=[
                ClientNoticeInput(
                    client_name=notice.client_name,
                    client_reference=notice.client_reference,
                    contract_reference=notice.contract_reference,
                    shown_at=starts_at + timedelta(hours=notice.shown_hours_after_start),
                    text=self.notice_text(notice, freelancer=freelancer, starts_at=starts_at),
                )
                for notice in self.client_notices
            ],
            notified_at=self.notified_at(starts_at),
        )


def short_name(display_name: str) -> str:
    """How clients see a freelancer: first name and initial ("Amara O.")."""
    parts = display_name.split()
    if len(parts) < 2:
        return display_name or "The freelancer"
    return f"{parts[0]} {parts[-1][0]}."


_SUSPENSION_NOTICE = (
    "{freelancer} can't work on your contract at the moment because their account is "
    "temporarily suspended until {until}. Your contract is paused and you won't be charged while "
    "it is paused; money in escrow for it stays safe. You can wait for the suspension to end or "
    "end the contract from your Contracts page."
)

LOCATION_SUSPENSION = CaseSpec(
    reason_code="location-misrepresentation",
    restriction_type=Type.TEMPORARY_SUSPENSION,
    facts=(
        "The profile of this account states a country of residence in the European Union. In a "
        "routine review of payout accounts, an automated check found that the identity document "
        "verified on the account was issued by another country and that the last four "
        "withdrawals went to a bank account registered in that other country. A member of the "
        "Trust & Safety team compared these signals with the profile and concluded that the "
        "profile did not state where the account holder lives, contrary to TOS-2.3. Network "
        "location and VPN use were not relied on. The account is suspended for 30 days; the "
        "strike recorded with it counts for 12 months."
    ),
    source_type=SourceType.VOLUNTARY,
    automated_detection=True,
    automated_decision=AutomatedDecision.PARTIALLY,
    evidence=(
        EvidenceSpec(
            Signal.IDENTITY,
            "The identity document verified on your account was issued by a country other than "
            "the one on your profile.",
            internal_detail=(
                "IDV provider ref idv-7Q2M-44810; document type passport; issuing country NG; "
                "document check: genuine; liveness: pass."
            ),
            redaction=Redaction.PARTIAL,
            redaction_reason=(
                "The verification provider's reference and check results are withheld because "
                "they belong to the provider's fraud checks."
            ),
            observed_days_before_start=2,
        ),
        EvidenceSpec(
            Signal.PAYMENT,
            "Your last four withdrawals went to a bank account registered in a country other "
            "than the one on your profile.",
            internal_detail=(
                "Payout method pm_8f2c91 (bank country NG) added 118 days before the action; 4 "
                "withdrawals totalling EUR 6,210.00."
            ),
            observed_days_before_start=2,
        ),
        EvidenceSpec(
            Signal.LOCATION,
            "An automated location check scored the mismatch between your profile and these "
            "signals above the level that sends an account to a person for review.",
            internal_detail=(
                "locmis-v3 score 0.87 (review threshold 0.80). Features: idv_country != profile, "
                "payout_country != profile. 41% of sessions via a commercial VPN ASN; network "
                "features carry weight 0 since the TOS-2.3 v2 change."
            ),
            redaction=Redaction.PARTIAL,
            redaction_reason=(
                "The exact score, threshold and model inputs are withheld so that the check "
                "cannot be evaded. Network location and VPN use carry no weight in it."
            ),
        ),
        EvidenceSpec(
            Signal.OTHER,
            "A member of the Trust & Safety team reviewed your profile and the signals above "
            "before the decision.",
            internal_detail=(
                "Reviewer note: tax form on file (2021) lists a PT address, conflicting with "
                "payout country. Upheld on payout change; consider asking for proof of address "
                "if appealed."
            ),
            redaction=Redaction.WITHHELD,
            redaction_reason=(
                "Internal review notes are withheld; the reasons relied on are stated in full in "
                "the facts."
            ),
            observed_days_before_start=0,
        ),
    ),
    duration_days=30,
    restricted_capabilities=(
        Capability.PROPOSALS,
        Capability.MESSAGING,
        Capability.PAYOUTS,
        Capability.PROFILE_VISIBILITY,
    ),
    decision_visibility=(DecisionVisibility.CONTENT_DISABLED,),
    decision_monetary=DecisionMonetary.SUSPENSION,
    decision_provision=DecisionProvision.TOTAL_SUSPENSION,
    decision_account=DecisionAccount.SUSPENDED,
    content_type=(ContentType.TEXT,),
    funds_held_amount=Decimal("3480.00"),
    funds_currency="EUR",
    funds_release_condition=(
        "Released to your payout method when the suspension ends, or at once if your appeal "
        "succeeds. Money in escrow for your active contracts stays in escrow."
    ),
    funds_release_after_days=30,
    strike_count=1,
    client_notices=(
        NoticeSpec(
            "Northwind Analytics Ltd",
            "C-48213907",
            _SUSPENSION_NOTICE,
            client_reference="~01a93c55e0b7d21f4c",
            shown_hours_after_start=2,
        ),
        NoticeSpec(
            "Casa Verde Interiores, Lda.",
            "C-48377120",
            _SUSPENSION_NOTICE,
            client_reference="~01d2e8f7a4c1690b3e",
            shown_hours_after_start=2,
        ),
        NoticeSpec(
            "Brightlane Learning GmbH",
            "C-49011562",
            "{freelancer} is unavailable until {until} because their account is temporarily "
            "suspended. Your job post is still open and their proposal has been withdrawn, so "
            "you may want to review other proposals.",
            client_reference="~01b4409de6f3c7a852",
            shown_hours_after_start=26,
        ),
    ),
    weight=3,
)

PAYOUT_NAME_HOLD = CaseSpec(
    reason_code="identity-mismatch",
    restriction_type=Type.PAYOUT_HOLD,
    facts=(
        "A new payout method was added to this account. The receiving bank reported that the "
        "name of the account holder does not match the identity verified on this account, and "
        "no business registration linking the two has been provided. Under TOS-1.2, payouts are "
        "held until the holder of the payout method matches the verified identity. Proposals, "
        "messaging and contracts are not affected."
    ),
    source_type=SourceType.VOLUNTARY,
    automated_detection=True,
    automated_decision=AutomatedDecision.FULLY,
    evidence=(
        EvidenceSpec(
            Signal.PAYMENT,
            "The bank of your new payout method reported that its account holder's name does "
            "not match your verified name.",
            internal_detail=(
                "Confirmation-of-payee response PARTIAL_MATCH; returned holder 'A O DESIGN STUDIO "
                "LDA'; provider ref cop-20931-XK."
            ),
            redaction=Redaction.PARTIAL,
            redaction_reason=(
                "The bank's response code and reference are withheld; they belong to the bank's "
                "name-check service."
            ),
            observed_days_before_start=0,
        ),
        EvidenceSpec(
            Signal.IDENTITY,
            "Your identity was verified on this account before and that verification is still "
            "valid; no business registration document is on file.",
            internal_detail="IDV level 2, verified 2021; business documents: none.",
            observed_days_before_start=0,
        ),
    ),
    restricted_capabilities=(Capability.PAYOUTS,),
    decision_monetary=DecisionMonetary.SUSPENSION,
    funds_held_amount=Decimal("1920.50"),
    funds_currency="EUR",
    funds_release_condition=(
        "Released to your payout method within two business days after its holder matches your "
        "verified identity (add an account in your own name, or your company's registration "
        "document), or at once if your appeal succeeds."
    ),
    weight=2,
)

OFF_PLATFORM_WARNING = CaseSpec(
    reason_code="off-platform-payment",
    restriction_type=Type.WARNING,
    facts=(
        "A client reported that, in marketplace messages before a contract started, this "
        "account offered a lower price if the client paid by direct bank transfer. A member of "
        "the Trust & Safety team read the conversation and confirmed the offer. No payment "
        "outside the marketplace was found. As this was the first report of its kind on a "
        "long-standing account, a warning was issued instead of a restriction; the strike "
        "recorded with it counts for 12 months."
    ),
    source_type=SourceType.ARTICLE_16,
    automated_detection=False,
    automated_decision=AutomatedDecision.NOT_AUTOMATED,
    evidence=(
        EvidenceSpec(
            Signal.CLIENT_REPORT,
            "A client reported a request to pay outside the marketplace.",
            internal_detail="Report R-2024-118842 from client ~01e5a1f0c3b97d6420 (off_platform).",
            redaction=Redaction.PARTIAL,
            redaction_reason=(
                "The identity of the client who reported it is withheld to protect them from "
                "retaliation."
            ),
            observed_days_before_start=3,
        ),
        EvidenceSpec(
            Signal.MESSAGES,
            "A message sent from your account before the contract started offered a 10% lower "
            "price for payment by bank transfer.",
            internal_detail="Message m_5510f2 in room r_88a1c0; excerpt quoted in report.",
            observed_days_before_start=4,
        ),
    ),
    duration_days=365,
    decision_visibility=(DecisionVisibility.OTHER,),
    decision_visibility_other=(
        "A warning and one strike were recorded on the account; no feature was restricted."
    ),
    content_type=(ContentType.TEXT,),
    strike_count=1,
    weight=5,
)

PROPOSAL_PAUSE = CaseSpec(
    reason_code="proposal-spam",
    restriction_type=Type.FEATURE_RESTRICTION,
    facts=(
        "Within 24 hours this account sent 64 proposals whose cover letters were substantially "
        "identical, with only the job title changed. TOS-5.2 treats more than 30 such proposals "
        "in 24 hours as bulk proposals. Sending proposals was paused automatically for 14 days; "
        "messaging, active contracts and payouts were not affected."
    ),
    source_type=SourceType.VOLUNTARY,
    automated_detection=True,
    automated_decision=AutomatedDecision.FULLY,
    evidence=(
        EvidenceSpec(
            Signal.MESSAGES,
            "64 proposals sent within 24 hours had cover letters that were at least 90% identical.",
            internal_detail=(
                "dup-proposals v2: 64 of 71 proposals in cluster c_3f9e, min cosine 0.93."
            ),
        ),
        EvidenceSpec(
            Signal.LOGIN,
            "The proposals were sent from your usual device; we found no sign of automation tools.",
            internal_detail="Device d_19ab (first seen 2021); no headless or extension markers.",
        ),
    ),
    duration_days=14,
    restricted_capabilities=(Capability.PROPOSALS,),
    decision_provision=DecisionProvision.PARTIAL_SUSPENSION,
    content_type=(ContentType.TEXT,),
    weight=4,
)

PAYMENT_FRAUD_TERMINATION = CaseSpec(
    reason_code="payment-fraud",
    restriction_type=Type.PERMANENT_TERMINATION,
    facts=(
        "In the months before this action, the account was paid for 11 fixed-price contracts by "
        "three client accounts opened shortly before the contracts began. The cards used for "
        "these payments were later reported as stolen by their issuers, and all 11 payments were "
        "charged back as unauthorised. The files delivered for the contracts were empty or "
        "copies of each other. The payment provider notified us of the chargebacks; a member of "
        "the Trust & Safety team reviewed the contracts, deliverables and messages and concluded "
        "that the payments were not for real work, contrary to TOS-4.3. Notice of the "
        "termination was given 30 days before it took effect."
    ),
    source_type=SourceType.OTHER_NOTIFICATION,
    automated_detection=False,
    automated_decision=AutomatedDecision.NOT_AUTOMATED,
    evidence=(
        EvidenceSpec(
            Signal.PAYMENT,
            "11 payments to your account were charged back as unauthorised card use.",
            internal_detail=(
                "Processor dispute batch db_2026_0917; reason 10.4 "
                "(card-absent fraud); EUR 4,380.00."
            ),
            observed_days_before_start=40,
        ),
        EvidenceSpec(
            Signal.ACCOUNT_LINK,
            "The three client accounts that paid you were opened within ten days before their "
            "first contract with you and are linked to each other.",
            internal_detail=(
                "Clients ~01c0ffee01, ~01c0ffee02, ~01c0ffee03 share device d_77e0 and payout BIN."
            ),
            redaction=Redaction.WITHHELD,
            redaction_reason=(
                "Details about the other accounts are withheld to protect their holders' "
                "personal data."
            ),
            observed_days_before_start=38,
        ),
        EvidenceSpec(
            Signal.WORK_QUALITY,
            "The files delivered for the 11 contracts were empty or copies of each other.",
            internal_detail="3 unique file hashes across 11 deliveries; 8 zero-byte files.",
            observed_days_before_start=38,
        ),
    ),
    restricted_capabilities=tuple(Capability.values),
    decision_monetary=DecisionMonetary.SUSPENSION,
    decision_provision=DecisionProvision.TOTAL_TERMINATION,
    decision_account=DecisionAccount.TERMINATED,
    funds_held_amount=Decimal("612.00"),
    funds_currency="EUR",
    funds_release_condition=(
        "Held for 180 days after the termination to cover further chargebacks on the affected "
        "contracts (TOS-4.3); what remains is then paid to your verified payout method."
    ),
    funds_release_after_days=180,
    client_notices=(
        NoticeSpec(
            "Helios Travel GmbH",
            "C-47720931",
            "{freelancer}'s account has been closed, so your contract with them has ended. Money "
            "in escrow for work you had not approved has been returned to your payment method. "
            "You can hire another freelancer from your Jobs page.",
            client_reference="~01e7f3a2b9c0d41865",
        ),
        NoticeSpec(
            "Fjord & Pine AB",
            "C-47981150",
            "{freelancer}'s account has been closed, so your contract with them has ended. Money "
            "in escrow for work you had not approved has been returned to your payment method. "
            "You can hire another freelancer from your Jobs page.",
            client_reference="~01a5b6c7d8e9f01234",
            shown_hours_after_start=3,
        ),
    ),
    notice_days_before_start=30,
    weight=1,
)


@dataclass(frozen=True)
class DemoCase:
    email: str
    case: CaseSpec
    started_days_ago: int


# Amara: a long-standing freelancer with one action of each kind but termination; the newest is
# the suspension the demo is about. Jonas: a single permanent termination, after 30 days' notice.
DEMO_CASES: tuple[DemoCase, ...] = (
    DemoCase(DEMO_FREELANCER, OFF_PLATFORM_WARNING, started_days_ago=790),
    DemoCase(DEMO_FREELANCER, PROPOSAL_PAUSE, started_days_ago=300),
    DemoCase(DEMO_FREELANCER, PAYOUT_NAME_HOLD, started_days_ago=21),
    DemoCase(DEMO_FREELANCER, LOCATION_SUSPENSION, started_days_ago=5),
    DemoCase(SECOND_FREELANCER, PAYMENT_FRAUD_TERMINATION, started_days_ago=3),
)


# --- More cases for the bulk freelancers -------------------------------------------------------

BULK_ONLY_CASES: tuple[CaseSpec, ...] = (
    CaseSpec(
        reason_code="account-sharing",
        restriction_type=Type.TEMPORARY_SUSPENSION,
        facts=(
            "Over the 30 days before this action, the account was signed in on two devices at "
            "the same time on nine occasions, from places more than 2,000 km apart, and "
            "proposals were sent from both sessions. A video identity check of the person using "
            "the second device did not match the verified account holder, contrary to TOS-2.1."
        ),
        source_type=SourceType.VOLUNTARY,
        automated_detection=True,
        automated_decision=AutomatedDecision.PARTIALLY,
        evidence=(
            EvidenceSpec(
                Signal.LOGIN,
                "Your account was used on two devices at the same time on nine occasions.",
                internal_detail=(
                    "Concurrent sessions s_4a1, s_9c7; device d_aa02 first seen 41 days ago."
                ),
                redaction=Redaction.PARTIAL,
                redaction_reason=(
                    "Device identifiers are withheld so that the check cannot be evaded."
                ),
                observed_days_before_start=3,
            ),
            EvidenceSpec(
                Signal.IDENTITY,
                "A video identity check of the person using the second device did not match "
                "your verified identity.",
                internal_detail="Selfie match 0.31 (pass at 0.75), session s_9c7.",
            ),
        ),
        duration_days=14,
        restricted_capabilities=(
            Capability.PROPOSALS,
            Capability.MESSAGING,
            Capability.PROFILE_VISIBILITY,
        ),
        decision_visibility=(DecisionVisibility.CONTENT_DISABLED,),
        decision_provision=DecisionProvision.TOTAL_SUSPENSION,
        decision_account=DecisionAccount.SUSPENDED,
        strike_count=1,
        client_notices=(NoticeSpec("Lumen Robotics SAS", "C-50010231", _SUSPENSION_NOTICE),),
        weight=2,
    ),
    CaseSpec(
        reason_code="fake-reviews",
        restriction_type=Type.WARNING,
        facts=(
            "Five contracts completed in the 60 days before this action were paid by client "
            "accounts linked to this account, and each left five-star feedback within an hour "
            "of payment. The feedback was removed from the profile, contrary to TOS-6.2."
        ),
        source_type=SourceType.VOLUNTARY,
        automated_detection=True,
        automated_decision=AutomatedDecision.PARTIALLY,
        evidence=(
            EvidenceSpec(
                Signal.WORK_QUALITY,
                "Five pieces of feedback were left within an hour of payment for contracts with "
                "no files or messages exchanged.",
                internal_detail="Contracts C-5100..C-5104; review-ring score 0.92.",
            ),
            EvidenceSpec(
                Signal.ACCOUNT_LINK,
                "The paying client accounts are linked to your account.",
                internal_detail="Shared payment instrument fingerprint pf_0c19.",
                redaction=Redaction.WITHHELD,
                redaction_reason="Details of other accounts are withheld to protect their holders.",
            ),
        ),
        duration_days=365,
        decision_visibility=(DecisionVisibility.CONTENT_REMOVED,),
        content_type=(ContentType.TEXT,),
        strike_count=1,
        weight=3,
    ),
    CaseSpec(
        reason_code="harassment",
        restriction_type=Type.FEATURE_RESTRICTION,
        facts=(
            "After a client ended a contract, this account sent the client 14 messages over two "
            "days, including insults and a threat to post the client's details online. The "
            "client reported the messages and a member of the Trust & Safety team confirmed "
            "them, contrary to TOS-5.1. Messaging is paused for 7 days."
        ),
        source_type=SourceType.ARTICLE_16,
        automated_detection=False,
        automated_decision=AutomatedDecision.NOT_AUTOMATED,
        evidence=(
            EvidenceSpec(
                Signal.CLIENT_REPORT,
                "A client reported threatening messages after ending a contract.",
                internal_detail="Report R-2025-20411.",
                redaction=Redaction.PARTIAL,
                redaction_reason="The client's identity is withheld to protect them.",
            ),
            EvidenceSpec(
                Signal.MESSAGES,
                "14 messages were sent to the client over two days after they asked for no "
                "further contact; two contained a threat to publish their details.",
                internal_detail="Room r_71d2, messages m_01..m_14.",
            ),
        ),
        duration_days=7,
        restricted_capabilities=(Capability.MESSAGING,),
        decision_provision=DecisionProvision.PARTIAL_SUSPENSION,
        content_type=(ContentType.TEXT,),
        strike_count=1,
        weight=2,
    ),
    CaseSpec(
        reason_code="ip-infringement",
        restriction_type=Type.WARNING,
        facts=(
            "A trusted flagger acting for a rights holder notified us that three images in this "
            "account's portfolio reproduce photographs the rights holder owns, without a "
            "licence. The notice was found valid and the images were removed from the "
            "portfolio, as TOS-6.1 provides."
        ),
        source_type=SourceType.TRUSTED_FLAGGER,
        automated_detection=False,
        automated_decision=AutomatedDecision.NOT_AUTOMATED,
        evidence=(
            EvidenceSpec(
                Signal.OTHER,
                "A notice from a trusted flagger identified three portfolio images and the "
                "original photographs.",
                internal_detail="Notice N-2025-3391 from flagger TF-12.",
                redaction=Redaction.PARTIAL,
                redaction_reason="The notifier's contact details are withheld.",
            ),
        ),
        duration_days=180,
        decision_visibility=(DecisionVisibility.CONTENT_REMOVED,),
        content_type=(ContentType.IMAGE,),
        weight=2,
    ),
    CaseSpec(
        reason_code="chargeback-abuse",
        restriction_type=Type.PAYOUT_HOLD,
        facts=(
            "A client disputed a payment through their card issuer after the work was approved. "
            "Messages on the marketplace show that this account suggested the dispute so that "
            "the client could pay again at a lower price outside the marketplace, contrary to "
            "TOS-4.3. Payouts are held for 45 days while the dispute is resolved."
        ),
        source_type=SourceType.OTHER_NOTIFICATION,
        automated_detection=False,
        automated_decision=AutomatedDecision.NOT_AUTOMATED,
        evidence=(
            EvidenceSpec(
                Signal.PAYMENT,
                "A client's card payment for approved work was disputed with their card issuer.",
                internal_detail="Dispute dp_44c1, reason 13.1.",
            ),
            EvidenceSpec(
                Signal.MESSAGES,
                "A message from your account suggested that the client open the dispute.",
                internal_detail="Message m_99e0.",
            ),
        ),
        duration_days=45,
        restricted_capabilities=(Capability.PAYOUTS,),
        decision_monetary=DecisionMonetary.SUSPENSION,
        funds_held_amount=Decimal("740.00"),
        funds_currency="EUR",
        funds_release_condition=(
            "Released when the card dispute is resolved or after 45 days, whichever comes "
            "first, less any amount the card issuer takes back."
        ),
        funds_release_after_days=45,
        weight=1,
    ),
    CaseSpec(
        reason_code="client-data-misuse",
        restriction_type=Type.TEMPORARY_SUSPENSION,
        facts=(
            "A client reported, and the account's delivery messages confirm, that a customer "
            "list the client shared for a data-cleaning contract was placed in a file-sharing "
            "link that anyone could open, and stayed there after the contract ended, contrary "
            "to TOS-7.2. The link has been disabled."
        ),
        source_type=SourceType.ARTICLE_16,
        automated_detection=False,
        automated_decision=AutomatedDecision.NOT_AUTOMATED,
        evidence=(
            EvidenceSpec(
                Signal.CLIENT_REPORT,
                "A client reported that their customer list was reachable through a public link.",
                internal_detail="Report R-2026-0772; DPO informed.",
                redaction=Redaction.PARTIAL,
                redaction_reason="The client's identity is withheld at their request.",
            ),
            EvidenceSpec(
                Signal.MESSAGES,
                "Your delivery message contained the public link.",
                internal_detail="Message m_ab31.",
            ),
        ),
        duration_days=21,
        restricted_capabilities=(
            Capability.PROPOSALS,
            Capability.MESSAGING,
            Capability.PROFILE_VISIBILITY,
        ),
        decision_visibility=(DecisionVisibility.CONTENT_DISABLED,),
        decision_provision=DecisionProvision.TOTAL_SUSPENSION,
        decision_account=DecisionAccount.SUSPENDED,
        strike_count=1,
        client_notices=(
            NoticeSpec("Orbital Data Services Ltd", "C-51208860", _SUSPENSION_NOTICE),
            NoticeSpec(
                "Kestrel Health Oy", "C-51240017", _SUSPENSION_NOTICE, shown_hours_after_start=5
            ),
        ),
        weight=1,
    ),
    CaseSpec(
        reason_code="off-platform-contact",
        restriction_type=Type.WARNING,
        facts=(
            "A proposal sent from this account before any contract started included a messaging "
            "app handle and an invitation to continue there, contrary to TOS-4.1. The handle "
            "was hidden from the proposal."
        ),
        source_type=SourceType.VOLUNTARY,
        automated_detection=True,
        automated_decision=AutomatedDecision.PARTIALLY,
        evidence=(
            EvidenceSpec(
                Signal.MESSAGES,
                "A proposal included a messaging app handle and asked the client to continue "
                "there.",
                internal_detail="contact-detector v4 hit on proposal p_7310.",
            ),
        ),
        duration_days=365,
        decision_visibility=(DecisionVisibility.CONTENT_LABELLED,),
        content_type=(ContentType.TEXT,),
        strike_count=1,
        weight=4,
    ),
)

BULK_CASES: tuple[CaseSpec, ...] = tuple(case.case for case in DEMO_CASES) + BULK_ONLY_CASES

# Names for the bulk freelancers: plausible, varied, and clearly synthetic by their email domain.
FIRST_NAMES = (
    "Ana",
    "Bogdan",
    "Chiara",
    "Dmitri",
    "Elif",
    "Fatima",
    "Goran",
    "Hana",
    "Ines",
    "Jakub",
    "Kofi",
    "Lucia",
    "Mateo",
    "Nadia",
    "Oskar",
    "Priya",
    "Quentin",
    "Rosa",
    "Sanna",
    "Tomasz",
    "Uchenna",
    "Vera",
    "Wiktor",
    "Ximena",
    "Yusuf",
    "Zofia",
    "Aleksander",
    "Beatriz",
    "Carlos",
    "Daria",
    "Emeka",
    "Freya",
)
LAST_NAMES = (
    "Almeida",
    "Brandt",
    "Costa",
    "Dimitrov",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Horvat",
    "Ivanova",
    "Jansen",
    "Kowalski",
    "Lindgren",
    "Moreau",
    "Novak",
    "Oyelaran",
    "Petrov",
    "Quinn",
    "Rossi",
    "Santos",
    "Tanaka",
    "Urban",
    "Varga",
    "Weiss",
    "Yilmaz",
    "Zielinski",
    "Adeyemi",
    "Bianchi",
    "Conti",
    "Dubois",
    "Esposito",
)
# (country, time zone) pairs for EU/EEA freelancers.
HOMES = (
    ("PT", "Europe/Lisbon"),
    ("ES", "Europe/Madrid"),
    ("FR", "Europe/Paris"),
    ("DE", "Europe/Berlin"),
    ("PL", "Europe/Warsaw"),
    ("RO", "Europe/Bucharest"),
    ("IT", "Europe/Rome"),
    ("NL", "Europe/Amsterdam"),
    ("SE", "Europe/Stockholm"),
    ("IE", "Europe/Dublin"),
    ("GR", "Europe/Athens"),
    ("CZ", "Europe/Prague"),
)


# --- Canned replies for reviewers --------------------------------------------------------------

# (title, body): reviewers insert one into the message box and edit it before sending, so each is
# a starting point in plain words, never a final answer.
# (title, body, effect): the body's placeholders are filled in for each appeal (appeals/macros.py).
MACROS: tuple[tuple[str, str, str], ...] = (
    (
        "Acknowledge the appeal",
        "Dear {{ freelancer.first_name }}, thank you for your appeal. I am the reviewer looking at "
        "it, and I did not take the original decision. I have read your statement and the "
        "documents you attached, and I will come back to you with a decision and the reasons for "
        "it by {{ deadline }}.",
        "message",
    ),
    (
        "Ask for proof of address",
        "Dear {{ freelancer.first_name }}, to check the location on your profile under "
        "{{ action.rule }}, could you send us a document that shows where you live and is less "
        "than three months old, such as a utility bill, a bank statement or a tax letter? You may "
        "black out everything except your name, your address and the date.",
        "info_request",
    ),
    (
        "Ask for the payment record",
        "Could you send us the invoice or the payment confirmation for this contract, showing "
        "that the client paid through the marketplace? A screenshot or a PDF from your payout "
        "history is enough.",
        "info_request",
    ),
    (
        "Ask to verify the payout holder",
        "The name on your new payout method does not match your verified identity. If the "
        "account belongs to your business, please send its registration document; otherwise, "
        "remove that payout method in Settings and add one in your own name.",
        "info_request",
    ),
    (
        "Explain that VPN use is not a violation",
        "Using a VPN or travelling is not a violation in itself, and network location was not "
        "relied on for this decision. What matters is that the location on your profile is where "
        "you live and work.",
        "message",
    ),
    (
        "Note: identity documents checked",
        "Identity documents checked against {{ action.rule }} by {{ reviewer.first_name }}: "
        "name and address match the profile.",
        "internal_note",
    ),
)


# --- Queues, reviewers and SLA policies ----------------------------------------------------------

# (email, languages, capacity)
REVIEWER_PROFILES: tuple[tuple[str, tuple[str, ...], int], ...] = (
    (DEMO_REVIEWER, ("en", "pt", "de"), 15),
    (DEMO_ENFORCER, ("en",), 10),
    (DEMO_LEAD, ("en", "de"), 5),
)

SUPPORT_CALENDAR = "EU support hours"
SUPPORT_CALENDAR_ZONE = "Europe/Dublin"
# Monday to Friday, 09:00-12:30 and 13:30-17:30, Dublin time.
SUPPORT_HOURS: tuple[tuple[int, str, str], ...] = tuple(
    (day, start, end) for day in range(5) for start, end in (("09:00", "12:30"), ("13:30", "17:30"))
)
SUPPORT_HOLIDAYS: tuple[tuple[str, str], ...] = (
    ("2026-12-25", "Christmas Day"),
    ("2026-12-26", "St Stephen's Day"),
    ("2027-01-01", "New Year's Day"),
)


@dataclass(frozen=True)
class QueueSpec:
    name: str
    description: str
    priority: int
    languages: tuple[str, ...]
    members: tuple[str, ...]
    # SLA policy: (time basis, first response minutes, decision minutes, escalation)
    policy: tuple[str, int, int, str]
    is_fallback: bool = False


QUEUES: tuple[QueueSpec, ...] = (
    QueueSpec(
        "General appeals",
        "Every appeal that no routing rule sends elsewhere.",
        0,
        ("en", "de", "pt"),
        (DEMO_REVIEWER, DEMO_LEAD),
        ("business", 16 * 60, 70 * 60, "raise_priority"),
        is_fallback=True,
    ),
    QueueSpec(
        "Identity and payments",
        "Identity mismatches, payout holds and off-platform payments: funds are at stake.",
        1,
        ("en", "pt", "de"),
        (DEMO_REVIEWER, DEMO_LEAD),
        ("business", 8 * 60, 40 * 60, "raise_priority"),
    ),
    QueueSpec(
        "Terminations",
        "Permanent terminations: a livelihood is at stake, so the clock runs round the clock.",
        2,
        ("en", "de"),
        (DEMO_REVIEWER, DEMO_LEAD),
        ("calendar", 24 * 60, 7 * 24 * 60, "raise_priority"),
    ),
)

# (position, name, queue, conditions)
ROUTING_RULES: tuple[tuple[int, str, str, dict], ...] = (
    (10, "Terminations first", "Terminations", {"restriction_type": "permanent_termination"}),
    (20, "Identity mismatch", "Identity and payments", {"reason_code": "identity-mismatch"}),
    (30, "Off-platform payment", "Identity and payments", {"reason_code": "off-platform-payment"}),
    (40, "Payout holds", "Identity and payments", {"restriction_type": "payout_hold"}),
)


# --- A year of history for the transparency report ----------------------------------------------

HISTORY_EMAIL_DOMAIN = "history.recourse.test"
HISTORY_FREELANCERS = 300
# New actions per day over the last year (a random number in this range).
HISTORY_ACTIONS_PER_DAY = (3, 7)
HISTORY_APPEAL_SHARE = 0.45
HISTORY_WITHDRAWN_SHARE = 0.04
HISTORY_LATE_NOTICE_SHARE = 0.03
# What those late statements say (issue_action refuses a late notice without a reason).
HISTORY_LATE_NOTICE_REASON = (
    "The restriction was applied at once to stop further payments off the platform; the "
    "statement was written once the reviewer had checked the evidence."
)


@dataclass(frozen=True)
class HistorySource:
    """Where the history's actions come from (None: issued by staff), how often, and how often
    an appeal against them succeeds (overturned or modified). The login-anomaly detector is the
    one the report should flag: people win their appeals against it far more often."""

    name: str | None
    weight: int
    reversal_share: float


HISTORY_SOURCES: tuple[HistorySource, ...] = (
    HistorySource("Payment pattern model", 40, 0.12),
    HistorySource("Login anomaly detector", 20, 0.52),
    HistorySource("Client report triage", 25, 0.20),
    HistorySource(None, 15, 0.15),
)


# --- Translations of the catalogue (issue #18) -------------------------------------------------
# The English text stays binding; these are shown beside it on statements and published, like
# the versions themselves, immutably. Each translates the latest version of its rule and the
# rule's reason codes.


@dataclass(frozen=True)
class ReasonTranslationSpec:
    code: str
    title: str
    explanation: str
    what_you_can_do: str


@dataclass(frozen=True)
class RuleTranslationSpec:
    rule_key: str
    language: str
    title: str
    text: str
    examples: str
    reasons: tuple[ReasonTranslationSpec, ...] = ()


RULE_TRANSLATIONS: tuple[RuleTranslationSpec, ...] = (
    RuleTranslationSpec(
        "TOS-2.3",
        "ru",
        "Достоверный профиль и местоположение",
        "Всё в вашем профиле должно быть правдой и относиться к вам: имя, фото, навыки, опыт "
        "работы, а также страна и город, где вы живёте. Клиенты полагаются на указанное вами "
        "местоположение из-за часовых поясов, налогов и по юридическим причинам, поэтому это "
        "должно быть место, где вы действительно живёте и работаете. Если вы переехали, обновите "
        "профиль в течение 30 дней. Использование VPN или прокси, а также поездки сами по себе не "
        "являются нарушением: это правило касается того, что указано в вашем профиле, а не сети, "
        "через которую вы подключаетесь. Для проверки местоположения мы опираемся на проверку "
        "личности, счета для выплат и налоговые данные, но никогда только на сетевое "
        "местоположение.",
        "Нельзя: указывать город, в котором вы никогда не жили, чтобы попасть в местный поиск.\n"
        "Нельзя: оставлять в профиле прежнюю страну спустя месяцы после переезда.\n"
        "Можно: работать через VPN вашей компании.\n"
        "Можно: работать несколько недель во время поездки за границу.\n"
        "Можно: обновить профиль через три недели после переезда.",
        (
            ReasonTranslationSpec(
                "location-misrepresentation",
                "Местоположение в профиле не соответствует месту вашего проживания",
                "В вашем профиле указаны страна или город, где, согласно перечисленным в этом "
                "решении признакам, вы сейчас не живёте. Использование VPN или поездки сами по "
                "себе не являются нарушением: эта причина касается только того, что указано в "
                "вашем профиле.",
                "Если вы переехали, обновите местоположение в профиле. Если профиль верен, подайте "
                "жалобу и приложите документ, подтверждающий место вашего проживания, например "
                "недавний счёт за коммунальные услуги или налоговую регистрацию (можно скрыть всё, "
                "кроме имени, адреса и даты).",
            ),
        ),
    ),
    RuleTranslationSpec(
        "TOS-2.3",
        "es",
        "Perfil y ubicación veraces",
        "Todo lo que figura en su perfil debe ser cierto y suyo: su nombre, foto, competencias, "
        "experiencia laboral y el país y la ciudad donde vive. Los clientes confían en la "
        "ubicación que indica por motivos de zona horaria, fiscales y jurídicos, así que debe ser "
        "el lugar donde realmente vive y trabaja. Si se muda, actualice su perfil en un plazo de "
        "30 días. Usar una VPN o un proxy, o viajar, no es en sí una infracción: esta norma se "
        "refiere a lo que dice su perfil, no a la red desde la que se conecta. Para comprobar una "
        "ubicación nos basamos en su verificación de identidad, sus cuentas de cobro y sus datos "
        "fiscales, nunca solo en la ubicación de red.",
        "No permitido: indicar una ciudad en la que nunca ha vivido para aparecer en búsquedas "
        "locales.\n"
        "No permitido: mantener su antiguo país en el perfil meses después de mudarse.\n"
        "Permitido: trabajar a través de la VPN de su empresa.\n"
        "Permitido: trabajar unas semanas mientras viaja al extranjero.\n"
        "Permitido: actualizar su perfil tres semanas después de mudarse.",
        (
            ReasonTranslationSpec(
                "location-misrepresentation",
                "La ubicación del perfil no coincide con el lugar donde vive",
                "Su perfil indica un país o una ciudad donde, según los indicios enumerados en "
                "esta exposición de motivos, no vive actualmente. Usar una VPN o viajar no es en "
                "sí una infracción: este motivo se refiere solo a lo que dice su perfil.",
                "Si se ha mudado, actualice la ubicación de su perfil. Si su perfil es correcto, "
                "recurra y añada un documento que muestre dónde vive, como una factura reciente "
                "de suministros o un alta fiscal (puede tachar todo salvo su nombre, su dirección "
                "y la fecha).",
            ),
        ),
    ),
    RuleTranslationSpec(
        "TOS-1.2",
        "ru",
        "Достоверные данные о личности и проверка",
        "Регистрируйтесь под своим юридическим именем и проходите проверку личности, когда мы об "
        "этом просим. Документы и фотографии, которые вы нам предоставляете, должны быть "
        "подлинными, действительными и вашими. Владельцем каждого добавленного вами способа "
        "выплат должны быть вы или компания, принадлежность которой вам вы нам подтвердили. Если "
        "имя в способе выплат не совпадает с вашей подтверждённой личностью, выплаты удерживаются, "
        "пока вы не подтвердите связь или не удалите этот способ выплат.",
        "Нельзя: проходить проверку с отредактированным или чужим документом.\n"
        "Нельзя: выводить заработок на банковский счёт друга.\n"
        "Можно: выводить средства на счёт своей компании после того, как вы добавили её "
        "регистрационный документ в разделе «Настройки › Личность».",
        (
            ReasonTranslationSpec(
                "identity-mismatch",
                "Данные о личности не совпадают",
                "Имя в вашем аккаунте, ваша подтверждённая личность и владелец способа выплат не "
                "совпадают. Пока это так, мы не можем быть уверены, что ваш заработок доходит до "
                "вас.",
                "Пройдите проверку личности ещё раз в разделе «Настройки › Личность», добавьте "
                "способ выплат на своё имя или добавьте регистрационный документ своей компании, "
                "если счёт для выплат принадлежит ей. Если имена различаются по законной причине, "
                "подайте жалобу и приложите документ, подтверждающий связь.",
            ),
        ),
    ),
    RuleTranslationSpec(
        "TOS-1.2",
        "es",
        "Identidad veraz y verificación",
        "Regístrese con su nombre legal y complete la verificación de identidad cuando se la "
        "pidamos. Los documentos y las fotos que nos facilite deben ser auténticos, vigentes y "
        "suyos. El titular de cada método de cobro que añada debe ser usted o una empresa que nos "
        "haya demostrado que es suya. Si el nombre de un método de cobro no coincide con su "
        "identidad verificada, los cobros se retienen hasta que verifique el vínculo o elimine ese "
        "método de cobro.",
        "No permitido: verificarse con un documento editado o que pertenece a otra persona.\n"
        "No permitido: retirar ingresos a la cuenta bancaria de un amigo.\n"
        "Permitido: retirar fondos a la cuenta de su propia empresa una vez añadido su documento "
        "de registro en Ajustes › Identidad.",
        (
            ReasonTranslationSpec(
                "identity-mismatch",
                "Los datos de identidad no coinciden",
                "El nombre de su cuenta, su identidad verificada y el titular de su método de "
                "cobro no coinciden entre sí. Mientras no coincidan, no podemos estar seguros de "
                "que sus ingresos le lleguen.",
                "Vuelva a verificar su identidad en Ajustes › Identidad, añada un método de cobro "
                "a su nombre o añada el documento de registro de su empresa si la cuenta de cobro "
                "es de ella. Si los nombres difieren por un motivo legítimo, recurra y adjunte un "
                "documento que muestre el vínculo.",
            ),
        ),
    ),
)
