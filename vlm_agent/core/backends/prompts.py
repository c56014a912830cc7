"""The backends' default prompts. The grounding node's owl_* and vlm_* settings replace them, also
while it runs; placeholders in braces are filled in by the backend."""

OWL_QUERY_TEMPLATE = "a photo of a {}"  # {}: the object phrase ("red cube")
OWL_PROPOSAL_QUERY = "a photo of an object"
VLM_OBJECTS_PROMPT = ("List every object you can see. Answer with JSON only: {\"objects\": [{\"label\": short noun, "
                      "\"color\": main colour word, \"box\": [x_min, y_min, x_max, y_max] in pixels of this "
                      "{width}x{height} image}]}.")
VLM_DESCRIBE_PROMPT = "Describe the objects in this image and where they are, in one or two sentences."
VLM_ANSWER_PROMPT = "{question} Answer in one short sentence about what this image shows."
