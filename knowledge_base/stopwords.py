"""Function words and chat filler left out of the lexical index, per language."""

from __future__ import annotations

from bm25s.stopwords import (  # type: ignore[import-untyped]
    STOPWORDS_EN_PLUS,
    STOPWORDS_SWEDISH,
)

from texts import Language

_FINNISH = """
ai aina ainoa alla an en et ette että he heidän heidät heihin heille heillä heiltä heissä
heistä hei hän hänen häneen hänelle hänellä häneltä hänessä hänestä hänet ihan ilman itse
ja jo johon joiden joihin joiksi joilla joille joilta joina joissa joista joita joka jokin
joko joku jolla jolle jolta jona jonka jos jossa josta jota jotka kanssa kaikki kautta
keiden keihin keiksi keille keillä keiltä keinä keissä keistä keitä keneen keneksi kenelle
kenellä keneltä kenen kenenä kenessä kenestä kenet ketkä ketä koska kuin kuinka kuka
kun kuten kyllä me meidän meidät meihin meille meillä meiltä meissä meistä meitä mihin
mikin miksi mikä mille millä miltä minkä minne minua minulla minulle minulta minun minussa
minusta minut minuun minä mitkä mitä miten missä mistä moi mukaan mutta muu ne niiden niihin
niiksi niille niillä niiltä niin niinä niissä niistä niitä noin nuo nyt näiden näihin näiksi
näille näillä näiltä näinä näissä näistä näitä nämä ole olemme olen olet olette oli olimme
olin olisi olisimme olisin olisit olisitte olisivat olit olitte olivat olla olleet ollut
on onko ovat pitää pitäisi saa saada saako saan saanko sama se sekä sen siihen siinä siitä
siksi sille sillä siltä sinua sinulla sinulle sinulta sinun sinussa sinusta sinut sinuun
sinä sitä tai taas te teidän teidät teihin teille teillä teiltä teissä teistä teitä tuo
tuohon tuoksi tuolla tuolle tuolta tuon tuona tuossa tuosta tuota tähän täksi tälle tällä
tältä tämä tämän tänä tässä tästä tätä vaan vai vaikka voi voin voinko voisin voiko voit
voitte voivat ei eikä emme en enkä et ette eivät haluan haluaisin tarvitsen pitäis pitäisikö
kiitos moikka terve hei jne esim ym vielä myös sitten jotain jotenkin mulla mun mä mulle
sulla sun sä siis ihan vain vaan kans joo
"""

_SWEDISH_EXTRA = """
hej tack vill behöver kan få får fick skall ska måste kanske också bara någon hjälp snälla
mitt min mig jag vi ni de hur var vart när vilken vilket vilka varför
"""

_ENGLISH_EXTRA = """
hi hello thanks thank please can could would get got need want wanted also just like
i'm i've i'd im ive dont cant whats wheres hows
"""

_LISTS: dict[Language, frozenset[str]] = {
    "fi": frozenset(_FINNISH.split()),
    "sv": frozenset(STOPWORDS_SWEDISH) | frozenset(_SWEDISH_EXTRA.split()),
    "en": frozenset(STOPWORDS_EN_PLUS) | frozenset(_ENGLISH_EXTRA.split()),
}


def stopwords(lang: Language) -> frozenset[str]:
    """The words of `lang` that carry no topic."""
    return _LISTS[lang]
