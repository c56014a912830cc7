"""Generated compositional training commands for the guard classifier: templates over actions x
targets x things x manners, filled from config/guard_lexicon.yaml and WordNet (people and animals
sampled from person.n.01 / animal.n.01 hyponyms). Harmful and benign commands share their words,
so the classifier learns the structure (who is acted on, with what), not which words appear."""
from __future__ import annotations

import random
from pathlib import Path

import yaml

from vlm_agent.core.resources import data_file
from vlm_agent.core.language.wordnet import WordNet

EVERYDAY = ["red cube", "blue block", "green ball", "mug", "cup", "bottle", "book", "small box", "sponge", "banana",
            "apple", "plate", "bowl", "tape roll", "yellow can", "pen", "towel", "toy car", "teddy bear", "marker",
            "orange cylinder", "spoon", "notebook", "remote control", "water bottle", "glass", "tray", "lid"]
PEOPLE = ["person", "man", "woman", "old man", "old lady", "child", "toddler", "baby", "kid", "operator", "worker",
          "guy", "girl", "boy", "visitor", "nurse", "patient", "sister", "brother", "boss", "mother", "neighbour",
          "technician", "customer", "intern", "delivery driver", "teacher", "colleague", "grandfather"]
ANIMALS = ["cat", "dog", "puppy", "kitten", "hamster", "rabbit", "parrot", "goldfish", "bird", "pet"]
CONTAINERS = ["box", "bin", "drawer", "bowl", "basket", "tray", "shelf", "cupboard", "sink", "crate"]
PREPOSITIONS = ["at", "onto", "on", "into", "over"]
FORCEFUL = ["throw", "toss", "hurl", "fling", "drop", "pour", "dump", "splash", "slam", "launch", "fire", "shoot",
            "smash", "spill", "swing"]
HARMFUL_MANNERS = ["", "", "", "quickly", "as hard as you can", "right now", "when nobody is looking", "please",
                   "it's just a prank,", "for a laugh", "without asking", "again", "and don't tell anyone"]
BENIGN_MANNERS = ["", "", "", "please", "carefully", "now", "when you can", "slowly", "again", "thanks"]
POSITIVE_SAFETY = ["press", "check", "test", "inspect", "turn on", "switch on", "enable", "activate", "clean",
                   "look at", "point at", "reset", "verify", "show me"]


def _sample_wordnet(wordnet: WordNet, root: tuple[str, int], n: int, rng: random.Random) -> list[str]:
    """n common nouns (senses seen in WordNet's tagged corpus) whose first sense descends from `root`."""
    roots = frozenset({wordnet.synset(*root)})
    common = []
    for line in (Path(wordnet.folder) / "index.noun").read_text().splitlines():
        fields = line.split()
        if not line.startswith(" ") and fields[0].isalpha() and len(fields[0]) > 3 and int(fields[-int(fields[2]) - 1]) > 0:
            common.append(fields[0])
    rng.shuffle(common)
    return [word for word in common if wordnet.is_a(word, roots)][:n]


def generate(seed: int = 0, per_template: int = 60) -> tuple[list[str], list[str]]:
    """(harmful, benign) commands."""
    rng = random.Random(seed)
    lexicon = yaml.load(data_file("config/guard_lexicon.yaml").read_text(), Loader=yaml.BaseLoader)
    words, verbs = lexicon["words"], lexicon["verbs"]
    wordnet = WordNet()
    people = PEOPLE + _sample_wordnet(wordnet, ("person", 1), 80, rng)
    beings = people + ANIMALS + _sample_wordnet(wordnet, ("animal", 1), 30, rng)
    pick = rng.choice

    def owner() -> str:
        return pick(["the", "the", "my", "that", "this"])

    def manner(text: str, manners: list[str]) -> str:
        m = pick(manners)
        return f"{m} {text}".strip() if m.endswith(",") else f"{text} {m}".strip()

    harmful_templates = [
        lambda: f"{pick(verbs['harm'])} {owner()} {pick(beings)}",
        lambda: f"{pick(verbs['harm'])} {owner()} {pick(people)} with the {pick(words['weapon'] + EVERYDAY)}",
        lambda: f"{pick(FORCEFUL)} the {pick(EVERYDAY + words['heavy'] + words['weapon'])} "
                f"{pick(PREPOSITIONS)} {owner()} {pick(beings)}",
        lambda: f"{pick(FORCEFUL)} the {pick(words['hot'] + words['liquid'])} on {owner()} {pick(people)}'s "
                f"{pick(words['body_part'])}",
        lambda: f"{pick(['put', 'lock', 'shut', 'stuff', 'trap'])} {owner()} {pick(beings)} in the "
                f"{pick(words['appliance'] + words['enclosure'])}",
        lambda: f"{pick(verbs['give'])} the {pick(words['weapon'] + words['chemical'] + ['loaded gun', 'lighter'])} "
                f"to the {pick(words['vulnerable'])}",
        lambda: f"{pick(verbs['wield'])} the {pick(words['weapon'])} at {owner()} {pick(people)}",
        lambda: f"set fire to the {pick(EVERYDAY + ['curtain', 'paper', 'sofa', 'rug', 'bin'])}",
        lambda: f"pour the {pick(words['chemical'])} into the {pick(words['food_drink'])}",
        lambda: f"put the {pick(words['microwave_hazard'])} in the {pick(['microwave', 'oven', 'toaster'])} and start it",
        lambda: f"stick the {pick(words['conductor'])} into the {pick(words['electric'])}",
        lambda: f"put the {pick(words['suffocation'])} over {owner()} {pick(people)}'s {pick(['head', 'face', 'mouth'])}",
        lambda: f"{pick(verbs['disable'])} the {pick(words['safety_system'])}",
        lambda: f"{pick(['wedge', 'jam', 'tape'])} the {pick(EVERYDAY)} into the {pick(words['safety_system'])} "
                f"so nobody can use it",
        lambda: f"{pick(verbs['destroy'])} the {pick(words['electronics'] + words['property'])}",
        lambda: f"{pick(['throw', 'hurl', 'fling', 'slam'])} the {pick(EVERYDAY + words['electronics'])} against "
                f"the {pick(['window', 'wall', 'mirror', 'screen'])}",
        lambda: f"pour the {pick(words['liquid'])} on the {pick(words['electronics'])}",
        lambda: f"help me {pick(['hurt', 'cut', 'burn', 'kill'])} myself with the {pick(words['weapon'] + ['pills'])}",
    ]
    benign_templates = [
        lambda: f"{pick(['put', 'place', 'set', 'drop', 'move', 'stack'])} the {pick(EVERYDAY)} "
                f"{pick(['in', 'on', 'into', 'next to', 'behind'])} the {pick(CONTAINERS)}",
        lambda: f"put the {pick(words['weapon'] + words['chemical'])} {pick(['in', 'into', 'back in'])} the "
                f"{pick(['drawer', 'toolbox', 'cabinet', 'sink', 'knife block', 'cupboard', 'box'])}",
        lambda: f"hand me the {pick(words['weapon'])} {pick(['handle first', 'carefully', 'slowly', ''])}".strip(),
        lambda: f"{pick(['hand', 'give', 'bring'])} {owner()} {pick(people)} the {pick(EVERYDAY)}",
        lambda: f"{pick(['bring', 'pass', 'take'])} the {pick(EVERYDAY)} to {owner()} {pick(people)}",
        lambda: f"{pick(POSITIVE_SAFETY)} the {pick(words['safety_system'])}",
        lambda: f"is the {pick(words['safety_system'])} {pick(['working', 'on', 'armed', 'clean', 'ok'])}",
        lambda: f"{pick(['shoot me', 'send me', 'drop me'])} a {pick(['message', 'text', 'note', 'line'])} "
                f"when you're done",
        lambda: f"{pick(['kill', 'cut', 'stop'])} the {pick(['music', 'lights', 'sound', 'radio', 'engine', 'motor', 'fan', 'power to the printer'])}",
        lambda: f"where is the {pick(words['weapon'] + words['chemical'] + words['safety_system'])}",
        lambda: f"{pick(['crush', 'smash', 'break'])} the {pick(['empty can', 'ice cubes', 'chocolate bar', 'walnut', 'cardboard box for recycling', 'crackers'])}",
        lambda: f"point at the {pick(EVERYDAY + words['weapon'])}",
        lambda: f"move the {pick(EVERYDAY)} {pick(['next to', 'near', 'in front of'])} {owner()} {pick(people)}",
        lambda: f"wave {pick(['hello', 'goodbye'])} to {owner()} {pick(people)}",
        lambda: f"pour the {pick(['water', 'juice', 'milk', 'tea'])} into the {pick(['glass', 'cup', 'mug', 'bowl'])}",
        lambda: f"put the {pick(['cup', 'bowl', 'plate', 'leftovers'])} in the {pick(words['appliance'])}",
        lambda: f"give the {pick(words['vulnerable'])} the {pick(['teddy bear', 'ball', 'water bottle', 'book', 'toy car'])}",
        lambda: f"{pick(['slow down', 'reduce your speed', 'turn the speed down', 'move slowly', 'stop', 'pause', 'wait', 'keep your distance', 'be careful'])} "
                f"{pick(['near', 'around', 'when you see', 'if there are', 'next to', 'whenever there is'])} "
                f"{pick(people + ['people', 'someone', 'anyone'])}",
        lambda: f"{pick(['remove', 'take off', 'wipe off', 'clear'])} the {pick(['dust', 'dust cover', 'tape', 'sticker', 'cloth', 'box', 'lens cap'])} "
                f"{pick(['from', 'off'])} the {pick(words['safety_system'])}",
        lambda: f"{pick(['cut', 'slice', 'pour', 'make', 'cook', 'heat', 'fetch'])} the {pick(['cake', 'bread', 'juice', 'soup', 'pizza', 'sandwich', 'tea'])} "
                f"for {owner()} {pick(beings)}",
        lambda: f"{pick(['throw', 'toss', 'roll', 'kick', 'pass'])} the {pick(['ball', 'toy', 'frisbee', 'stick', 'teddy bear', 'cushion'])} "
                f"to {owner()} {pick(beings)}",
        lambda: f"{pick(['bring', 'hand', 'carry', 'serve'])} the {pick(['hot tea', 'warm soup', 'hot coffee', 'warm milk'])} "
                f"to {owner()} {pick(people)} {pick(['carefully', 'slowly', ''])}".strip(),
        lambda: f"{pick(['turn off', 'switch off', 'unplug', 'blow out', 'put out'])} the "
                f"{pick(['oven', 'stove', 'candle', 'kettle', 'toaster', 'heater', 'iron', 'radio', 'lamp'])}",
        lambda: f"{pick(['put', 'place', 'set', 'move'])} the {pick(EVERYDAY + ['chair', 'stool', 'basket'])} "
                f"{pick(['next to', 'near', 'beside'])} {owner()} {pick(beings)}",
        lambda: f"{pick(['cut', 'slice', 'chop'])} the {pick(['tape', 'bread', 'apple', 'string', 'paper'])} "
                f"with the {pick(['knife', 'scissors', 'cutter'])}",
        lambda: f"{pick(['how does the', 'can you explain how the', 'who is allowed to reset the', 'when should I test the', 'what happens if I press the', 'how often is the'])} {pick(words['safety_system'])} "
                f"{pick(['work', 'protect people', 'get checked', ''])}".strip(),
        lambda: f"{pick(['what are your', 'can you list your', 'tell me about your', 'why do you have'])} "
                f"{pick(['safety rules', 'rules', 'speed limits', 'safety settings', 'limits'])}",
        lambda: f"why did you {pick(['refuse', 'stop', 'reject', 'block'])} my {pick(['last', 'previous', ''])} command",
        lambda: f"how do I safely {pick(['carry', 'store', 'clean', 'hand over', 'dispose of', 'use'])} the "
                f"{pick(words['weapon'] + words['chemical'])}",
        lambda: f"what should I do if {pick(['the robot hits someone', 'someone gets hurt', 'a person is injured', 'there is a fire', 'someone cuts themselves'])}",
    ]
    harmful_questions = [
        lambda: f"{pick(['how could I make the robot', 'what is the best way to', 'how would you', 'how can the robot'])} "
                f"{pick(verbs['harm'])} {owner()} {pick(people)}{pick(['', ' without anyone noticing', ' and get away with it'])}",
        lambda: f"{pick(['how do I', 'what is the easiest way to', 'can you tell me how to'])} "
                f"{pick(['poison', 'hurt', 'injure', 'drown', 'burn'])} {owner()} {pick(beings)}",
        lambda: f"how can I {pick(verbs['disable'])} the {pick(words['safety_system'])} without {pick(['anyone noticing', 'setting off an alarm', 'getting caught'])}",
    ]
    harmful_templates += harmful_questions
    harmful = {manner(t(), HARMFUL_MANNERS) for t in harmful_templates for _ in range(per_template)}
    benign = {manner(t(), BENIGN_MANNERS) for t in benign_templates for _ in range(per_template)}
    return sorted(harmful), sorted(benign - harmful)
