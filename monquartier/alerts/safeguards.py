"""Safeguards against vigilantism: what an alert's text must not say before it is sent.

An alert reaches a whole neighbourhood in a minute. Three things in it can get an
innocent person hurt, and are checked on every channel (services.send_alert):

- **group**: a word that names a group of people — an ethnicity, a nationality, a
  religion ("un Burkinabè", "les Dioulas"). Where someone comes from or what they believe
  says nothing of what they did, and a crowd looking for "the Malien" finds any Malien.
- **violence**: a call to hurt, punish or burn ("on va le frapper", "brûlez-le",
  "article 125", "venez avec des machettes").
- **gather**: a call to gather or hunt someone down ("rassemblez-vous", "tous dehors",
  "attrapez-le"). A crowd is how a theft becomes a lynching.
- **phone**: the phone number of a third party (the sender's own is allowed). Plate
  numbers are allowed: they mix letters and digits ("1234 AB 01", "AB-123-CD").

How text is compared (the same for the text and for the word lists): lower case, no
accents, elisions written out (l' → le, qu' → que), the pronouns le/la/les/lui/leur as
one, common SMS spellings expanded (ts → tous, vs → vous, ki → qui, tlm → tout le monde),
doubled letters as one ("frapper" = "fraper"), then plural and feminine endings dropped
("Maliennes" = "malien"). Words are matched whole and phrases word after word: "dioula"
is found in "un Dioula", never inside another word.

What must pass, by design (tests/alerts/test_safeguards.py has the table):
- descriptions of clothes, size, vehicle, direction: "un homme en boubou bleu", "un jeune
  en maillot de l'Asec", "une femme voilée" name no group (no list contains them);
- a victim: a group word in a clause that describes a victim ("un commerçant malien a été
  agressé", "victime : une femme peule") passes, unless the group word follows "par" or
  "victime de/des/du" (the attacker: "agressé par des Guinéens", "victime des Maliens"
  are caught). A clause ends at . , ; ! ? ( ) or a
  line break;
- places and ordinary words that contain a watched word ("Abobo Baoulé", "la lagune
  Ébrié", "une bête", "devant la mosquée"): the [allowed] list;
- reporting a danger is not calling for it: "il a été battu à mort", "ils veulent le
  lyncher" pass; only calls (imperatives, "on va…", "il faut…") are listed.

The lists live in the database (SafeguardTerm, edited by staff in the admin, seeded from
alerts/data/safeguards.txt); each process keeps them compiled and rebuilds them when
the table changes (one aggregate query per check tells).
"""

import re
import threading
import unicodedata
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from django.db.models import Count, Max, Q
from django.utils.translation import gettext as _

from monquartier.alerts.models import SafeguardRule, SafeguardTerm

DATA_FILE = Path(__file__).parent / "data" / "safeguards.txt"
PHONE = "phone"
# The rules that stop an alert, in the order the explanation gives them.
BLOCKING = (SafeguardRule.VIOLENCE, SafeguardRule.GATHER, SafeguardRule.GROUP, PHONE)

_ELISION = re.compile(r"\b(qu|l|d|j|m|n|s|t|c)'")
_ELIDED = {"qu": "que", "l": "le", "d": "de", "j": "je", "m": "me", "n": "ne", "s": "se"}
_ELIDED |= {"t": "te", "c": "ce"}
# Whole words as SMS write them, and the pronouns that make no difference to a call.
_SPELLINGS = {
    "ts": "tous",
    "tt": "tout",
    "tte": "toute",
    "ttes": "toutes",
    "tlm": "tout le monde",
    "vs": "vous",
    "ns": "nous",
    "ki": "qui",
    "k": "que",
    "ke": "que",
    "koi": "quoi",
    "pr": "pour",
    "ds": "dans",
    "ac": "avec",
    "avc": "avec",
    "mm": "meme",
    "dehor": "dehors",
    "la": "le",
    "les": "le",
    "lui": "le",
    "leur": "le",
    "leurs": "le",
    "ces": "ce",
    "cet": "ce",
    "cette": "ce",
}
_CLAUSE = re.compile(r"[.,;!?\n()]+")
_WORD = re.compile(r"[a-z0-9]+")
_DOUBLED = re.compile(r"([a-z])\1+")
# Words before a group word that make it the attacker, not the victim.
_AGENT = frozenset({"par"})
_AGENT_REACH = 3
_VICTIM_OF = ("victim", frozenset({"de", "des", "du"}))  # "victime" as words() writes it


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower().replace("’", "'").replace("`", "'"))
    return "".join(char for char in text if not unicodedata.combining(char)).replace("œ", "oe")


def _stem(word: str) -> str:
    word = _DOUBLED.sub(r"\1", word)
    if len(word) > 3 and word[-1] in "sx":
        word = word[:-1]
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    if len(word) > 3 and word.endswith("s"):
        word = word[:-1]
    return word


def words(text: str) -> list[str]:
    """The text's words as the safeguards compare them."""
    text = _ELISION.sub(lambda match: _ELIDED[match.group(1)] + " ", _plain(text))
    result = []
    for word in _WORD.findall(text):
        for part in _SPELLINGS.get(word, word).split():
            result.append(part if part.isdigit() else _stem(part))
    return result


def clauses(text: str) -> list[list[str]]:
    return [clause for clause in (words(part) for part in _CLAUSE.split(text[:2000])) if clause]


@dataclass(frozen=True)
class Finding:
    rule: str
    phrase: str  # the list's entry, in its usual spelling (or the number found)


class Matcher:
    """The word lists, compiled: for each first word, the phrases starting with it."""

    def __init__(self, terms):
        self.index: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
        for rule, phrase in terms:
            key = tuple(words(phrase))
            if key:
                self.index.setdefault(key[0], []).append((key, rule, phrase))
        for entries in self.index.values():
            entries.sort(key=lambda entry: -len(entry[0]))

    def _matches(self, clause: list[str]):
        for start, word in enumerate(clause):
            for key, rule, phrase in self.index.get(word, ()):
                if tuple(clause[start : start + len(key)]) == key:
                    yield start, start + len(key), rule, phrase

    def findings(self, text: str) -> list[Finding]:
        found: dict[tuple, Finding] = {}  # ordered, once each
        for clause in clauses(text):
            matches = list(self._matches(clause))
            allowed = {
                index
                for start, end, rule, _phrase in matches
                if rule == SafeguardRule.ALLOWED
                for index in range(start, end)
            }
            victim = any(rule == SafeguardRule.VICTIM for _s, _e, rule, _p in matches)
            covered: set[int] = set()  # "brûlez-le" is one finding, not also "brûlez"
            for start, end, rule, phrase in sorted(matches, key=lambda m: (m[0], m[0] - m[1])):
                span = range(start, end)
                if rule not in BLOCKING or allowed.intersection(span) or covered >= set(span):
                    continue
                if rule == SafeguardRule.GROUP and victim and not _is_agent(clause, start):
                    continue
                covered.update(span)
                found.setdefault((rule, tuple(clause[start:end])), Finding(rule, phrase))
        return list(found.values())


def _is_agent(clause: list[str], start: int) -> bool:
    """The group word names who did it: "agressé par des Guinéens", "victime des Maliens"."""
    before = clause[max(0, start - _AGENT_REACH) : start]
    if _AGENT.intersection(before):
        return True
    return any(
        word == _VICTIM_OF[0] and following in _VICTIM_OF[1] for word, following in pairwise(before)
    )


# --- third parties' phone numbers

# Digits in groups separated by one space, dot or dash, with an optional +225 / 00225.
_NUMBER = re.compile(r"(?<![\w+])(?:(?:\+|00)\s?225[\s.\-]?)?\d(?:[\s.\-]?\d){7,11}(?![\w])")
_MONEY_AFTER = re.compile(r"^\s*(?:f\b|fcfa|cfa|francs?\b|frs?\b|€)", re.IGNORECASE)


def phone_numbers(text: str, *, own: str = "") -> list[str]:
    """Phone numbers in the text (Ivorian: ten digits, or the eight of before 2021),
    except the sender's own; amounts ("15 000 000 F") and dates (01.12.2026) are not."""
    own_digits = re.sub(r"\D", "", own)[-8:]
    found = []
    for match in _NUMBER.finditer(text[:2000]):
        digits = re.sub(r"\D", "", match.group())
        if match.group().lstrip().startswith(("+", "00225")) and digits.startswith("225"):
            digits = digits[3:]
        groups = re.split(r"[\s.\-]+", match.group().strip())
        if [len(group) for group in groups] == [2, 2, 4]:
            continue  # a date
        if _MONEY_AFTER.match(text[match.end() : match.end() + 8]):
            continue
        if len(digits) not in (8, 10):
            continue
        if own_digits and digits.endswith(own_digits):
            continue
        found.append(match.group().strip())
    return found


# --- the lists, compiled once per process and rebuilt when staff change them

_lock = threading.Lock()
_compiled: tuple[tuple, Matcher] | None = None


def _fingerprint() -> tuple:
    # Any edit moves updated_at; a deletion changes the count.
    summary = SafeguardTerm.objects.aggregate(
        total=Count("pk"), active=Count("pk", filter=Q(active=True)), changed=Max("updated_at")
    )
    return summary["total"], summary["active"], summary["changed"]


def matcher() -> Matcher:
    global _compiled
    fingerprint = _fingerprint()
    compiled = _compiled
    if compiled is not None and compiled[0] == fingerprint:
        return compiled[1]
    with _lock:
        terms = SafeguardTerm.objects.filter(active=True).values_list("rule", "phrase")
        built = Matcher(list(terms))
        _compiled = (fingerprint, built)
    return built


def check(text: str, *, sender_mobile: str = "", lists: Matcher | None = None) -> list[Finding]:
    """What in the text stops the alert; empty when it may go. `lists`: the matcher()
    already fetched, when checking many texts at once."""
    findings = (lists or matcher()).findings(text)
    findings += [Finding(PHONE, number) for number in phone_numbers(text, own=sender_mobile)]
    return sorted(findings, key=lambda finding: BLOCKING.index(finding.rule))


def explain(findings: list[Finding]) -> str:
    """Why, in plain French and without accusing anyone: one sentence per rule."""
    by_rule: dict[str, list[str]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding.phrase)
    sentences = []
    for rule, phrases in by_rule.items():
        quoted = ", ".join(f"« {phrase} »" for phrase in phrases[:3])
        if rule == SafeguardRule.GROUP:
            sentences.append(
                _(
                    "Le message nomme un groupe de personnes (%(words)s). L'origine, l'ethnie, la nationalité ou la religion ne disent pas ce qu'une personne a fait, et peuvent mettre des innocents en danger : décrivez plutôt ses vêtements, sa taille, le véhicule, la direction prise."
                )
                % {"words": quoted}
            )
        elif rule == SafeguardRule.VIOLENCE:
            sentences.append(
                _(
                    "Le message contient un appel à la violence (%(words)s). MonQuartier sert à prévenir, jamais à punir : personne ne doit intervenir, la police s'en charge (110, 111 ou 170)."
                )
                % {"words": quoted}
            )
        elif rule == SafeguardRule.GATHER:
            sentences.append(
                _(
                    "Le message appelle à se rassembler ou à poursuivre quelqu'un (%(words)s). Un attroupement met les voisins en danger : chacun reste à l'abri et prévient la police (110, 111 ou 170)."
                )
                % {"words": quoted}
            )
        elif rule == PHONE:
            sentences.append(
                _(
                    "Le message contient un numéro de téléphone. Ne diffusez pas le numéro d'une autre personne : la police le demandera si besoin. Les plaques d'immatriculation, elles, sont permises."
                )
            )
    return " ".join(sentences)


def rules_summary(findings: list[Finding]) -> str:
    return ",".join(dict.fromkeys(finding.rule for finding in findings))


# --- the starting lists (alerts/data/safeguards.txt)


def read_data_file(path: Path = DATA_FILE) -> list[tuple[str, str, str]]:
    """(rule, phrase, note) for each entry of the file."""
    entries, rule = [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        text, _hash, note = line.partition(" #")
        text = text.strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith("[") and text.endswith("]"):
            rule = text[1:-1]
            if rule not in SafeguardRule.values:
                raise ValueError(f"{path}: unknown section [{rule}]")
            continue
        if rule is None:
            raise ValueError(f"{path}: {text!r} comes before any section")
        entries.append((rule, text, note.strip()))
    return entries


def load_terms(model=SafeguardTerm, path: Path = DATA_FILE) -> int:
    """Add the file's entries that are missing (a data migration, and the tests after a
    flush); those staff changed or switched off stay as they are."""
    existing = set(model.objects.values_list("rule", "phrase"))
    new = [
        model(rule=rule, phrase=phrase, note=note)
        for rule, phrase, note in read_data_file(path)
        if (rule, phrase) not in existing
    ]
    model.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)
