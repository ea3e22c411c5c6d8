"""A label (a choice's display name: "Temporary suspension", "First response") put inside a
sentence of the active language.

English, Russian, Ukrainian and Spanish write it in lower case there ("This temporary
suspension is in effect …"). German writes every noun with a capital wherever it stands, so a
lower-cased label would be misspelt ("vorübergehende sperrung"): it keeps its case, and the
German sentences set it off in brackets or quotes ("Diese Maßnahme (Vorübergehende Sperrung)
gilt …"). Lazy, so that a notice composed for someone else is resolved in their language."""

from django.utils import translation
from django.utils.functional import lazy

# Languages whose nouns are capitalised inside a sentence.
NOUNS_CAPITALISED = {"de"}


def in_sentence(label) -> str:
    text = str(label)
    language = (translation.get_language() or "en").split("-")[0]
    return text if language in NOUNS_CAPITALISED else text.lower()


lazy_in_sentence = lazy(in_sentence, str)
