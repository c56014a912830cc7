"""Words the command parser knows: categories with synonyms, colours, sizes, actions."""
from __future__ import annotations

CATEGORY_SYNONYMS = {
    "cube": ("cube", "block", "brick", "dice", "die"),
    "box": ("box", "carton", "crate", "package", "parcel"),
    "sphere": ("sphere", "ball", "orb", "globe", "marble"),
    "cylinder": ("cylinder", "can", "tin", "tube", "canister", "soda can"),
    "plate": ("plate", "dish", "tray", "saucer", "platter"),
    "cup": ("cup", "mug", "coffee cup", "teacup", "coffee mug"),
    "bottle": ("bottle", "flask"),
    "bowl": ("bowl",),
    "book": ("book", "notebook"),
    "laptop": ("laptop", "computer"),
    "phone": ("phone", "cellphone", "smartphone"),
    "mouse": ("mouse", "computer mouse"),
    "person": ("person", "human", "man", "woman", "people", "someone", "child", "kid"),
}
# Objects that other labels can stand in for (a detector's "Mug" is a cup).
CATEGORY_OF = {syn: cat for cat, syns in CATEGORY_SYNONYMS.items() for syn in syns}
GENERIC_NOUNS = {"object", "objects", "thing", "things", "item", "items", "one", "ones", "stuff", "something",
                 "anything", "shape", "shapes", "toy", "toys", "scene", "table", "everything",
                 "workspace", "see"}

COLOR_WORDS = {
    "red": "red", "crimson": "red", "scarlet": "red", "maroon": ("red", "dark"),
    "orange": "orange", "yellow": "yellow", "gold": "yellow", "golden": "yellow",
    "green": "green", "lime": ("green", "light"), "olive": ("green", "dark"),
    "blue": "blue", "navy": ("blue", "dark"), "cyan": "blue", "teal": "blue", "turquoise": "blue",
    "purple": "purple", "violet": "purple", "magenta": "pink", "pink": "pink",
    "brown": "brown", "white": "white", "black": "black", "gray": "gray", "grey": "gray", "silver": "gray",
}
SHADE_WORDS = {"dark": "dark", "deep": "dark", "light": "light", "pale": "light", "bright": ""}

SIZE_WORDS = {"small": "small", "little": "small", "tiny": "small", "smaller": "small",
              "large": "large", "big": "large", "huge": "large", "bigger": "large", "larger": "large"}
SUPERLATIVES = {
    "smallest": ("size", "min"), "tiniest": ("size", "min"), "biggest": ("size", "max"),
    "largest": ("size", "max"), "tallest": ("height", "max"), "highest": ("height", "max"),
    "shortest": ("height", "min"), "lowest": ("height", "min"), "flattest": ("height", "min"),
    "leftmost": ("left", "max"), "rightmost": ("left", "min"),
    "frontmost": ("forward", "min"), "backmost": ("forward", "max"),
}
# comparative height words rank by height like the superlatives ("the tall cylinder" of two)
HEIGHT_WORDS = {"tall": ("height", "max"), "taller": ("height", "max"), "high": ("height", "max"),
                "short": ("height", "min"), "shorter": ("height", "min"), "low": ("height", "min")}
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
            "fifth": 5, "5th": 5, "sixth": 6, "6th": 6, "seventh": 7, "eighth": 8, "last": -1}

# verb (or phrase) -> action; multi-word keys are matched before single words
ACTION_WORDS = {
    "pick up": "pick", "pick": "pick", "grab": "pick", "take": "pick", "get": "pick", "lift": "pick",
    "grasp": "pick", "fetch": "pick", "hold": "pick", "collect": "pick",
    "put": "place", "place": "place", "set": "place", "drop": "place", "move": "place", "bring": "place",
    "stack": "place", "transfer": "place", "carry": "place",
    "give": "give", "hand over": "give", "hand": "give", "pass": "give",
    "push": "push", "shove": "push", "slide": "push", "nudge": "push",
    "point at": "point_at", "point to": "point_at", "point": "point_at", "show me": "point_at",
    "look at": "look_at", "look": "look_at", "focus on": "look_at", "watch": "look_at",
    "find": "find", "locate": "find", "where is": "find", "where": "find", "search for": "find", "search": "find",
    "how many": "count", "count": "count",
    "describe": "describe", "what do you see": "describe", "what is on the table": "describe",
    "what is there": "describe", "what can you see": "describe", "list": "describe",
}
FILLER = ("please", "could you", "can you", "would you", "will you", "kindly", "hey", "now", "for me",
          "go ahead and", "i want you to", "i would like you to", "id like you to", "i need you to", "just",
          "carefully", "quickly", "slowly", "then", "ok", "okay", "thanks", "thank you")
ARTICLES = {"the", "a", "an", "any", "some", "that", "this", "those", "these", "it", "its"}
ROBOT_WORDS = {"robot", "you", "yourself", "camera", "gripper", "base"}
