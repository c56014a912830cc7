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


class Command:
    """The tagged words of one command and questions about their order."""

    def __init__(self, spans: list[Span], ordered: bool, owner_anywhere: bool = False):
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
                and not self.beneficiary(i)]

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
        joined = verb > 0 and c.spans[verb - 1].text in ("and", "then")  # "grab the kid's arm and squeeze"
        victims = c.victims_after(-1 if joined else verb)
        if not c.idiom_follows(verb) and victims:
            return f"'{c.spans[verb].text}' acts on a living being"
    for verb in c.where("verb:give"):
        if any(c.after(being, ("blow",), within=4) for being in c.victims_after(verb, within=4)):
            return f"'{c.spans[verb].text}' deals a blow to a living being"
    if c.has("fall") and c.has("heavy", "hot", "weapon") and c.where("living"):
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
        if not (forceful or c.has(*HAZARDS)) or c.idiom_follows(verb):
            continue
        # "throw the boiling water to the postman": a hazard thrown to someone is thrown at them
        to = [i for i in c.after(verb, ("living",)) if forceful and c.has(*HAZARDS) and c.spans[i - 1].text == "to"]
        if [i for i in to if c.victim(i)]:
            return f"'{c.spans[verb].text}' sends a hazard at a living being"
        for prep in c.after(verb, ("target_preposition",)):
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
    if c.has("verb:give") and c.has("toxic_to_pets") and any(
            "vulnerable" in c.spans[i].tags and "body_part" not in c.spans[i].tags for i in c.where("living")):
        return "food that poisons animals is given to a pet"
    if c.has("verb:give") and c.has("weapon", "chemical", "fire_starter", "loaded", "hot", "medicine") and c.has(
            "vulnerable"):
        return "a hazard is handed to a child or an animal"
    for verb in c.where("verb:wield"):
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
    if c.has("chemical") and c.has("food_drink") and (
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
    if c.has("heating_appliance") and c.has("microwave_hazard"):
        return "something that burns or explodes goes into an appliance"
    if c.has("electric") and c.has("liquid", "conductor") and c.has("verb:project", "verb:put_in", "verb:place"):
        return "liquid or metal goes into an electrical outlet"
    if c.has("verb:burn") or any(c.spans[i].text == "burn" for i in c.where("verb:harm", "verb:destroy")):
        return "the command burns something"
    return None


def _safety_sabotage(c: Command) -> str | None:
    if c.has("continue_despite") and c.has("living"):
        return "the robot is told to keep moving with a person in its way"
    for verb in c.where("verb:disable"):
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
        if not c.idiom_follows(verb) and len(c.spans) > verb + 1:
            return f"'{c.spans[verb].text}' damages something"
    for verb in c.where("verb:destroy"):
        if c.after(verb, ("property", "electronics")):
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
