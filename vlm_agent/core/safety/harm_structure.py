"""The structural harm layer: who or what a command acts on, with what and how, read from the
tagged words (harm_lexicon.py). "drop the heavy cylinder onto the toddler": a forceful action
(drop) with a target (onto the toddler) that is a living being -> harm to people. Safety-positive
and everyday uses of the same words ("press the emergency stop", "put the knife in the drawer",
"shoot me a message") name no victim, hazard path or disabled safety function, and pass."""
from __future__ import annotations

from .harm_lexicon import THINGS, HarmLexicon, Span
from ..language.text_normalization import FUNCTION_WORDS

COVERING = {"over", "on", "onto", "around", "across"}
PRESSING = {"press", "push", "hit", "tap", "touch", "slam"}  # "press on the e-stop" uses it
THROWING = {"throw", "toss", "hurl", "fling", "lob", "chuck", "drop", "catapult", "launch", "dunk", "heave"}
REMOVING = {"remove", "take off", "take away", "take out", "clear", "pull off", "peel off", "wipe", "pull out"}
HAZARDS = {"weapon", "chemical", "hot", "heavy", "fire", "loaded", "fire_starter", "robot_part"}
# "away from the kid", "back from the worker", "clear of the operator": the being is what something is kept
# from, the protective direction of a safety-positive command
AWAY = {"away", "back", "clear", "far", "apart", "distance", "safe"}
NEGATIONS = {"not", "never", "t", "cannot", "no", "nobody", "noone"}  # "can t", "won t": normalised "can't"
# "don't ever hit", "never be rough with": words between a negation and the verb it negates
NEGATED_GAP = {"ever", "even", "be", "get", "you", "dare", "accidentally", "please", "to"}  # "careful not to pinch"
# protective acts: forbidding them near a person or a safety device defeats a safety function ("never slow
# down near people", "don't press the e-stop no matter what", "don't let go of his arm")
PROTECTIVE_ACTS = {"stop", "halt", "pause", "freeze", "brake", "slow", "back", "yield", "retreat"}
SAFETY_ACTS = {"press", "push", "hit", "test", "check", "turn on", "switch on", "enable", "activate", "reset",
               "engage", "use", "turn", "switch", "listen", "respond", "react"}
UNLIMITED = {"maximum", "max", "highest", "unlimited", "infinite", "infinity"}
UNCONDITIONAL = {"matter", "whatever", "anything", "even", "regardless", "care"}
# the victim named before the harm: "get the intern stabbed", "i want his hand crushed" (a wish or a cause
# before the being) and "the baby should be hit", "he deserves to be hurt" (an obligation after it);
# "someone got hurt" reports, and is none of these
WISHED = {"want", "wanted", "need", "like", "love", "wish", "see", "get", "have", "let"}
OWED = {"should", "must", "ought", "needs", "deserves", "deserve", "gotta", "has", "have"}
# "cut the kid a slice of pie", "pour him a drink": after "a", what is given, not how often ("hit him a few times")
NOT_GIVEN = {"few", "couple", "lot", "bit", "little", "good", "hard", "quick", "number", "dozen", "hundred",
             "second", "third", "taste", "lesson", "piece", "new"}
DISCARD = {"away", "out"}  # "throw away the broken glass"
POWER = {"power", "electricity", "current", "mains", "power supply", "motors", "motor", "engine"}


class Command:
    """The tagged words of one command and questions about their order."""

    def __init__(self, spans: list[Span], ordered: bool, owner_anywhere: bool = False):
        # "let's play" ("let s", "let us"): a suggestion; letting gives only to a being ("let the kid have it")
        spans = [Span(s.start, s.text, frozenset(t for t in s.tags if not t.startswith("verb:")))
                 if s.text == "let" and not any("living" in n.tags for n in spans[i + 1:i + 4]) else s
                 for i, s in enumerate(spans)]
        self.spans, self.ordered, self.owner_anywhere = spans, ordered, owner_anywhere

    def where(self, *tags: str) -> list[int]:
        return [i for i, span in enumerate(self.spans) if not span.tags.isdisjoint(tags)]

    def has(self, *tags: str) -> bool:
        return bool(self.where(*tags))

    def after(self, first: int, tags: tuple[str, ...], within: int = 99) -> list[int]:
        return [i for i in self.where(*tags) if not self.ordered or first < i <= first + within]

    def victim(self, at: int) -> bool:
        """A living being at `at`, or a body part owned by someone ("my hand", "the foot of the worker",
        not "your hand")."""
        tags = self.spans[at].tags
        if self.spans[at].text == "her" and at + 1 < len(self.spans) and self.spans[at + 1].text not in FUNCTION_WORDS:
            return False  # "tie her shoes": her is whose shoes
        if self.spans[at].text == "back" and not (at > 0 and "possessive" in self.spans[at - 1].tags):
            return False  # "pull your arm back from the worker": an adverb, not someone's back
        if "living" in tags:  # unless a thing is named: "the operator button", "the baby bottle", "glass cleaner"
            return ((at + 1 == len(self.spans) or self.spans[at + 1].tags.isdisjoint(THINGS))
                    and (at == 0 or self.spans[at - 1].tags.isdisjoint(THINGS)))
        if "body_part" in tags and self.owner_anywhere and any("living" in span.tags for span in self.spans):
            return True  # "kipp dem Opa den Kaffee in den Schoß": whose lap is said before
        return "body_part" in tags and (
            any("possessive" in self.spans[j].tags or "living" in self.spans[j].tags for j in range(max(0, at - 2), at))
            or any("living" in span.tags for span in self.spans[at + 1:at + 4]))

    def victims_after(self, first: int, within: int = 99) -> list[int]:
        return [i for i in self.after(first, ("living", "body_part"), within) if self.victim(i)
                and not self.beneficiary(i) and not self.kept_from(i)]

    def kept_from(self, at: int) -> bool:
        """'move the scissors away from the kid', 'pull your arm back from the worker', 'out of the child's
        reach', 'out of reach of the kids': the being is kept from, not acted on."""
        words = [span.text for span in self.spans]
        before = words[max(0, at - 4):at]
        if "from" in before and any(w in AWAY for w in words[max(0, at - 6):at][:-1]):
            start = before.index("from")
            if all(w in FUNCTION_WORDS or "possessive" in self.spans[at - len(before) + start + 1 + j].tags
                   for j, w in enumerate(before[start + 1:])):
                return True
        reach_after = at + 1 < len(words) and words[at + 1] == "reach" or at + 2 < len(words) and words[at + 2] == "reach"
        return ("out" in before and reach_after) or " ".join(before[-3:]).endswith(("out of reach of", "reach of the"))

    def negated(self, at: int) -> bool:
        """'so it can't fall on anyone', 'never move the knife near the kid', 'don't ever hit': the act at
        `at` is forbidden or said not to happen ("don't stop, hit him": the hit is not)."""
        if not self.ordered:
            return False
        before = [span.text for span in self.spans[max(0, at - 3):at]]
        while before and before[-1] in NEGATED_GAP:
            before.pop()
        return bool(before) and before[-1] in NEGATIONS

    def forbidden(self, at: int) -> bool:
        """The nearest act before `at` is negated: 'never move the knife near the kid'."""
        verbs = [i for i in range(at, -1, -1) if any(t.startswith("verb:") for t in self.spans[i].tags)]
        return bool(verbs) and self.negated(verbs[0])

    def given(self, at: int) -> bool:
        """'cut the kid a slice of pie': the being is who something is made or given for."""
        nxt = [span.text for span in self.spans[at + 1:at + 3]]
        return (len(nxt) == 2 and nxt[0] in ("a", "an", "some") and nxt[1] not in NOT_GIVEN
                and "blow" not in self.spans[at + 2].tags)

    def beneficiary(self, at: int) -> bool:
        """'cut the cake for the kids': a being the act is done for, not to."""
        before = [span.text for span in self.spans[max(0, at - 3):at]]
        return "for" in before and not {"at", "on", "onto", "into", "over"} & set(before[before.index("for"):])

    def ends_phrase(self, at: int) -> bool:
        """The word at `at` ends its noun phrase ("the camera", not "the camera box")."""
        return at + 1 == len(self.spans) or self.spans[at + 1].text in FUNCTION_WORDS

    def reached(self, destination: int) -> bool:
        """The destination is where something goes ("against the wall", "onto the floor"), not what is
        acted on ("spray the window")."""
        if "target_preposition" in self.spans[destination].tags or self.spans[destination].text.split()[0] in (
                "through", "off", "out"):
            return True
        return any("target_preposition" in span.tags or span.text in ("to", "through", "out", "off")
                   for span in self.spans[max(0, destination - 3):destination])

    def idiom_follows(self, verb: int) -> bool:
        """'shoot me a message', 'kill the music': the verb's object is harmless."""
        return any("idiom_objects" in span.tags for span in self.spans[verb + 1:verb + 4])


def _harm_to_people(c: Command) -> str | None:
    for verb in c.where("verb:harm"):
        if c.negated(verb):
            continue  # "so it won't splash the nurse", "never hit anyone"
        joined = verb > 0 and c.spans[verb - 1].text in ("and", "then")  # "grab the kid's arm and squeeze"
        victims = [i for i in c.victims_after(-1 if joined else verb) if not c.given(i)]
        if not c.idiom_follows(verb) and victims:
            return f"'{c.spans[verb].text}' acts on a living being"
    for verb in c.where("verb:harm"):
        if c.negated(verb) or not c.ordered:
            continue
        for being in (i for i in range(max(0, verb - 5), verb) if c.victim(i)):
            wished = any(span.text in WISHED and not c.negated(j)
                         for j, span in enumerate(c.spans[max(0, being - 4):being], start=max(0, being - 4)))
            owed = any(span.text in OWED for span in c.spans[being + 1:verb])
            if wished or owed:
                return f"'{c.spans[verb].text}' is wished on a living being"
    for verb in c.where("verb:give"):
        if any(c.after(being, ("blow",), within=4) for being in c.victims_after(verb, within=4)):
            return f"'{c.spans[verb].text}' deals a blow to a living being"
    if any(not c.negated(i) for i in c.where("fall")) and c.has("heavy", "hot", "weapon") and c.where("living"):
        return "something heavy, hot or sharp falls where a living being is"
    for verb in (i for i in c.where("verb:project") if c.spans[i].text in THROWING and not c.owner_anywhere):
        # "throw the kitten into the pool": the living being is what is thrown ("throw the dog a bone", "drop
        # the kids' toys" are not); English only, a gloss keeps no articles to tell the objects apart
        thrown = [i for i in c.victims_after(verb, within=3) if "living" in c.spans[i].tags
                  and all(s.text in FUNCTION_WORDS or "possessive" in s.tags for s in c.spans[verb + 1:i])]
        after = c.spans[thrown[0] + 1].text if thrown and thrown[0] + 1 < len(c.spans) else ""
        if thrown and not c.idiom_follows(verb) and (after == "" or after in FUNCTION_WORDS and after not in (
                "off", "a", "an", "some", "the", "his", "her", "its", "their", "my", "your")):
            return f"'{c.spans[verb].text}' throws a living being"
    for verb in c.where("verb:project", "verb:place"):
        forceful = "verb:project" in c.spans[verb].tags
        if not (forceful or c.has(*HAZARDS)) or c.idiom_follows(verb) or c.negated(verb):
            continue
        # "throw the boiling water to the postman": a hazard thrown to someone is thrown at them
        to = [i for i in c.after(verb, ("living",)) if forceful and c.has(*HAZARDS) and c.spans[i - 1].text == "to"]
        if [i for i in to if c.victim(i)]:
            return f"'{c.spans[verb].text}' sends a hazard at a living being"
        for prep in c.after(verb, ("target_preposition",)):
            if any(c.negated(i) for i in range(verb + 1, prep + 1)):
                continue  # "move the box away so it can't fall on anyone"
            victims = c.victims_after(prep, within=3)
            # into a hand is a handover unless the thing is a hazard; at a hand or a face is not
            if c.spans[prep].text in ("in", "into") and not c.has(*HAZARDS):
                victims = [i for i in victims if "living" in c.spans[i].tags]
            if victims or not c.ordered and c.where("living"):
                return f"'{c.spans[verb].text}' sends something at a living being"
    for verb in c.where("verb:put_in", "verb:harm"):
        for being in c.after(verb, ("living",), within=3):
            if c.after(being, ("enclosure", "appliance")):
                return f"a living being is shut into '{c.spans[c.after(being, ('enclosure', 'appliance'))[0]].text}'"
    for airway in (i for i in c.where("airway") if c.victim(i)):
        before = c.spans[max(0, airway - 4):airway]
        covered = any(span.text in COVERING for span in before) and c.has("suffocation", "verb:smother")
        if covered or any("verb:smother" in span.tags and span.text != "put" for span in before):
            return "something is put over a person's airway"
    return None


def _weapons_hazards(c: Command) -> str | None:
    if c.has("fire"):
        return "the command starts a fire"
    dangers = c.where("weapon", "chemical", "hot", "fire_starter", "loaded", "toxic_to_pets", "microwave_hazard",
                      "electric")
    if c.ordered and dangers and all(c.forbidden(i) for i in dangers):
        return None  # "never move the knife near the kid", "don't mix the bleach and the ammonia"
    if c.has("verb:give") and c.has("toxic_to_pets") and any(
            "vulnerable" in c.spans[i].tags and "body_part" not in c.spans[i].tags for i in c.where("living")):
        return "food that poisons animals is given to a pet"
    if c.has("verb:give") and c.has("weapon", "chemical", "fire_starter", "loaded", "hot", "medicine") and c.has(
            "vulnerable"):
        return "a hazard is handed to a child or an animal"
    for verb in c.where("verb:wield"):
        if verb + 1 < len(c.spans) and c.spans[verb + 1].text in DISCARD:
            continue  # "throw away the broken glass"
        for weapon in c.after(verb, ("weapon",)):
            if not c.ordered or not any(c.spans[j].text in ("at", "to") for j in range(max(0, weapon - 2), weapon)):
                return f"'{c.spans[verb].text}' handles a weapon or blade dangerously"
    for weapon in c.where("weapon"):
        for prep in c.after(weapon, ("near_preposition",), within=4):
            if c.victims_after(prep, within=3):
                return "a weapon or blade is brought at a person"
    for hazard in c.where("chemical", "hot", "fire_starter", "loaded"):  # left within a child's or a pet's reach
        for prep in c.after(hazard, ("near_preposition",), within=5):
            if any("vulnerable" in c.spans[i].tags for i in c.victims_after(prep, within=3)):
                return "a hazard is left within a child's or an animal's reach"
    drinks = [i for i in c.where("food_drink") if not (i > 0 and "chemical" in c.spans[i - 1].tags)]  # "acid bottle"
    if c.has("chemical") and drinks and (
            c.has("verb:mix", "verb:project", "verb:put_in") or any(s.text in ("fill", "refill") for s in c.spans)):
        return "a chemical goes into food or drink"
    served = any(c.after(i, ("food_drink",), within=4) for chemical in c.where("chemical")
                 for i in c.after(chemical, ("target_preposition",)))
    if c.has("chemical") and (served or len({c.spans[i].text for i in c.where("chemical")}) > 1
                              or c.has("verb:project") and c.has("living", "food_drink", "electronics")):
        return "a chemical is poured, mixed or served"
    if c.has("flammable") and c.has("ignition"):
        return "something that burns meets a flame"
    if c.has("verb:mix") and c.has("chemical"):
        return "chemicals are mixed"
    if c.has("verb:put_in", "verb:place") and c.has("weapon", "chemical", "fire_starter") and c.has("child_place"):
        return "a hazard is left where a child can reach it"
    hazards = [i for i in c.where("microwave_hazard")  # "can you ...": a modal, not a tin can
               if not (c.spans[i].text == "can" and i + 1 < len(c.spans) and c.spans[i + 1].text in FUNCTION_WORDS)]
    taken_out = any(c.spans[j].text in ("out", "from") for i in c.where("heating_appliance") for j in range(max(0, i - 3), i))
    if c.has("heating_appliance") and hazards and not taken_out:
        return "something that burns or explodes goes into an appliance"
    if c.has("electric") and c.has("liquid", "conductor") and c.has("verb:project", "verb:put_in", "verb:place"):
        return "liquid or metal goes into an electrical outlet"
    if any(not c.idiom_follows(i) for i in c.where("verb:burn")) or any(
            c.spans[i].text == "burn" and not c.idiom_follows(i) for i in c.where("verb:harm", "verb:destroy")):
        return "the command burns something"
    return None


def _safety_sabotage(c: Command) -> str | None:
    words = [span.text for span in c.spans]
    for i in (i for i in range(len(c.spans)) if c.negated(i)):
        if words[i] in PROTECTIVE_ACTS and (c.has("living", "safety_system") or UNCONDITIONAL & set(words)):
            return f"the protective act '{words[i]}' is forbidden"
        if words[i] in SAFETY_ACTS and (c.after(i, ("safety_system",), within=5) or UNCONDITIONAL & set(words)
                                        and words[i] in ("listen", "respond", "react")):
            return f"'{words[i]}' on a safety device is forbidden"
        if (words[i] == "release" or words[i:i + 2] == ["let", "go"]) and c.victims_after(i, within=5):
            return "letting go of a person is forbidden"
    if c.has("continue_despite") and c.has("living"):
        return "the robot is told to keep moving with a person in its way"
    for system in c.where("safety_system"):  # "set the force threshold to its maximum": a limit that no longer limits
        if any(w in UNLIMITED for w in words[system + 1:system + 6]) and not c.forbidden(system):
            return f"the {words[system]} is set to no limit"
    for verb in c.where("verb:disable"):
        if c.negated(verb):
            continue  # "never turn off the light curtain"
        systems = c.after(verb, ("safety_system",))
        if systems and c.spans[verb].text in REMOVING and any(
                "obstruction" in span.tags for span in c.spans[verb + 1:systems[0]]):
            continue  # "remove the dust cover from the camera" gives the camera back its sight
        if systems:
            return f"'{c.spans[verb].text}' defeats the {c.spans[systems[0]].text}"
    for verb in c.where("verb:place", "verb:project"):
        covering = ("over",) if c.spans[verb].text in PRESSING else ("over", "on", "onto")
        for over in (i for i in c.after(verb, ("target_preposition",)) if c.spans[i].text in covering):
            systems = [i for i in c.after(over, ("safety_system",), within=3) if c.ends_phrase(i)]
            if systems:
                return f"something is put over the {c.spans[systems[0]].text}"
    return None


def _property_damage(c: Command) -> str | None:
    if c.has("worthless"):
        return None
    for verb in c.where("verb:ruin"):
        if not c.idiom_follows(verb) and len(c.spans) > verb + 1 and not c.negated(verb):
            return f"'{c.spans[verb].text}' damages something"
    for verb in c.where("verb:destroy"):
        objects = [span.text for span in c.spans[verb + 1:verb + 4] if span.text not in FUNCTION_WORDS]
        if objects and objects[0] in POWER:
            continue  # "cut the power to the robot" stops it (cutting a safety device's power is sabotage, above)
        if c.after(verb, ("property", "electronics")) and not c.negated(verb):
            return f"'{c.spans[verb].text}' damages property"
    for verb in c.where("verb:deface"):
        if any(c.after(prep, ("property", "electronics"), within=3) for prep in c.after(verb, ("target_preposition",))):
            return f"'{c.spans[verb].text}' marks property"
    if c.has("electronics") and c.has("water_place") and c.has("verb:project", "verb:put_in"):
        return "electronics go into water"
    for verb in c.where("verb:project"):
        if any(c.reached(d) for d in c.after(verb, ("destination",))) and not c.idiom_follows(verb):
            return f"'{c.spans[verb].text}' sends something against a wall, a window or the floor"
    if c.has("liquid") and c.has("electronics") and c.has("verb:project"):
        return "liquid is poured on electronics"
    return None


def _self_harm(c: Command) -> str | None:
    if c.has("self_harm_intent") or c.has("self") and c.has("verb:harm", "weapon", "chemical"):
        return "the command is about self-harm"
    if c.has("medicine") and any(s.text == "all" for s in c.spans) and any(s.text in ("me", "my", "i") for s in c.spans):
        return "all of someone's medicine at once"
    return None


RULES = (("self_harm", _self_harm),
         ("safety_sabotage", _safety_sabotage), ("harm_to_people", _harm_to_people),
         ("weapons_hazards", _weapons_hazards), ("property_damage", _property_damage))


class StructuralHarmCheck:
    def __init__(self, lexicon: HarmLexicon | None = None):
        self.lexicon = lexicon or HarmLexicon()

    def check(self, words: list[str], ordered: bool = True, owner_anywhere: bool = False) -> tuple[str, str] | None:
        """(category, reason) of the first harm found in the command's structure, or None.
        `owner_anywhere`: a body part belongs to any living being the command names (a gloss of German,
        Spanish or French, which name the owner apart: "dem Opa ... in den Schoß")."""
        command = Command(self.lexicon.tag(words), ordered, owner_anywhere)
        for category, rule in RULES:
            reason = rule(command)
            if reason:
                return category, reason
        return None
