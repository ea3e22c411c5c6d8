"""Redress outside Recourse: the certified out-of-court dispute settlement bodies (DSA Art. 21)
that the redress page, every statement of reasons and the case bundle list."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import get_language_info


@dataclass(frozen=True)
class OutOfCourtBody:
    name: str
    languages: tuple[str, ...]
    url: str

    def language_names(self) -> list[str]:
        names = []
        for code in self.languages:
            try:
                names.append(get_language_info(code)["name"])
            except KeyError:
                names.append(code)
        return names

    def as_json(self) -> dict:
        return {"name": self.name, "languages": list(self.languages), "url": self.url}


def out_of_court_bodies() -> list[OutOfCourtBody]:
    """The configured list (`OUT_OF_COURT_BODIES`, validated when settings load)."""
    return [
        OutOfCourtBody(name=body["name"], languages=tuple(body["languages"]), url=body["url"])
        for body in settings.OUT_OF_COURT_BODIES
    ]


def register_url() -> str:
    """The European Commission's register of certified bodies."""
    return settings.OUT_OF_COURT_BODIES_REGISTER_URL
