"""Values of the EU DSA Transparency Database's statement-of-reasons API (see PRODUCT.md)."""

from django.db import models


class DecisionVisibility(models.TextChoices):
    CONTENT_REMOVED = "DECISION_VISIBILITY_CONTENT_REMOVED", "Content removed"
    CONTENT_DISABLED = "DECISION_VISIBILITY_CONTENT_DISABLED", "Content disabled"
    CONTENT_DEMOTED = "DECISION_VISIBILITY_CONTENT_DEMOTED", "Content demoted"
    CONTENT_AGE_RESTRICTED = "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED", "Content age-restricted"
    CONTENT_INTERACTION_RESTRICTED = (
        "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
        "Interaction with content restricted",
    )
    CONTENT_LABELLED = "DECISION_VISIBILITY_CONTENT_LABELLED", "Content labelled"
    OTHER = "DECISION_VISIBILITY_OTHER", "Other visibility restriction"


class DecisionMonetary(models.TextChoices):
    SUSPENSION = "DECISION_MONETARY_SUSPENSION", "Payments suspended"
    TERMINATION = "DECISION_MONETARY_TERMINATION", "Payments terminated"
    OTHER = "DECISION_MONETARY_OTHER", "Other monetary restriction"


class DecisionProvision(models.TextChoices):
    PARTIAL_SUSPENSION = "DECISION_PROVISION_PARTIAL_SUSPENSION", "Service partially suspended"
    TOTAL_SUSPENSION = "DECISION_PROVISION_TOTAL_SUSPENSION", "Service totally suspended"
    PARTIAL_TERMINATION = "DECISION_PROVISION_PARTIAL_TERMINATION", "Service partially terminated"
    TOTAL_TERMINATION = "DECISION_PROVISION_TOTAL_TERMINATION", "Service totally terminated"


class DecisionAccount(models.TextChoices):
    SUSPENDED = "DECISION_ACCOUNT_SUSPENDED", "Account suspended"
    TERMINATED = "DECISION_ACCOUNT_TERMINATED", "Account terminated"


class AccountType(models.TextChoices):
    BUSINESS = "ACCOUNT_TYPE_BUSINESS", "Business user"
    PRIVATE = "ACCOUNT_TYPE_PRIVATE", "Private user"


class DecisionGround(models.TextChoices):
    ILLEGAL_CONTENT = "DECISION_GROUND_ILLEGAL_CONTENT", "Illegal content"
    INCOMPATIBLE_CONTENT = (
        "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "Incompatible with the terms of service",
    )


class Category(models.TextChoices):
    ANIMAL_WELFARE = "STATEMENT_CATEGORY_ANIMAL_WELFARE", "Animal welfare"
    CONSUMER_INFORMATION = "STATEMENT_CATEGORY_CONSUMER_INFORMATION", "Consumer information"
    CYBER_VIOLENCE = "STATEMENT_CATEGORY_CYBER_VIOLENCE", "Cyber violence"
    CYBER_VIOLENCE_AGAINST_WOMEN = (
        "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
        "Cyber violence against women",
    )
    DATA_PROTECTION_AND_PRIVACY_VIOLATIONS = (
        "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
        "Data protection and privacy violations",
    )
    ILLEGAL_OR_HARMFUL_SPEECH = (
        "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
        "Illegal or harmful speech",
    )
    INTELLECTUAL_PROPERTY_INFRINGEMENTS = (
        "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
        "Intellectual property infringements",
    )
    NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS = (
        "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
        "Negative effects on civic discourse or elections",
    )
    NOT_SPECIFIED_NOTICE = "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE", "Not specified (notice)"
    OTHER_VIOLATION_TC = (
        "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
        "Other violation of the terms and conditions",
    )
    PROTECTION_OF_MINORS = "STATEMENT_CATEGORY_PROTECTION_OF_MINORS", "Protection of minors"
    RISK_FOR_PUBLIC_SECURITY = (
        "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
        "Risk for public security",
    )
    SCAMS_AND_FRAUD = "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "Scams and fraud"
    SELF_HARM = "STATEMENT_CATEGORY_SELF_HARM", "Self-harm"
    UNSAFE_AND_PROHIBITED_PRODUCTS = (
        "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
        "Unsafe and prohibited products",
    )
    VIOLENCE = "STATEMENT_CATEGORY_VIOLENCE", "Violence"


class ContentType(models.TextChoices):
    APP = "CONTENT_TYPE_APP", "App"
    AUDIO = "CONTENT_TYPE_AUDIO", "Audio"
    IMAGE = "CONTENT_TYPE_IMAGE", "Image"
    PRODUCT = "CONTENT_TYPE_PRODUCT", "Product or service listing"
    SYNTHETIC_MEDIA = "CONTENT_TYPE_SYNTHETIC_MEDIA", "Synthetic media"
    TEXT = "CONTENT_TYPE_TEXT", "Text"
    VIDEO = "CONTENT_TYPE_VIDEO", "Video"
    OTHER = "CONTENT_TYPE_OTHER", "Other"


class SourceType(models.TextChoices):
    ARTICLE_16 = "SOURCE_ARTICLE_16", "A notice from someone else"
    TRUSTED_FLAGGER = "SOURCE_TRUSTED_FLAGGER", "A trusted flagger"
    OTHER_NOTIFICATION = "SOURCE_TYPE_OTHER_NOTIFICATION", "Another kind of notification"
    VOLUNTARY = "SOURCE_VOLUNTARY", "Our own initiative"


class AutomatedDecision(models.TextChoices):
    FULLY = "AUTOMATED_DECISION_FULLY", "Fully automated"
    PARTIALLY = "AUTOMATED_DECISION_PARTIALLY", "Partially automated, reviewed by a person"
    NOT_AUTOMATED = "AUTOMATED_DECISION_NOT_AUTOMATED", "Decided by a person"


# EU/EEA country codes accepted for territorial_scope.
EEA_COUNTRIES = [
    "AT",
    "BE",
    "BG",
    "CY",
    "CZ",
    "DE",
    "DK",
    "EE",
    "ES",
    "FI",
    "FR",
    "GR",
    "HR",
    "HU",
    "IE",
    "IS",
    "IT",
    "LI",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "NO",
    "PL",
    "PT",
    "RO",
    "SE",
    "SI",
    "SK",
]
