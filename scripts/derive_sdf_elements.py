#!/usr/bin/env python3
"""Write the SDF spec entries of every element path an exported world uses, from an sdformat
checkout's description files (sdf/<version>/*.sdf), for test/test_gazebo_export.py.

    python scripts/derive_sdf_elements.py SDFORMAT_CHECKOUT WORLD.sdf [WORLD.sdf ...] > test/data/sdf_1.9_elements.yaml

Each entry: the element's allowed child elements, its attributes, and `any_children` where the
spec copies arbitrary content (plugin). (Required elements are not listed: sdformat fills every
missing required element with its default.)
"""
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml


def describe(element: ET.Element, spec_dir: Path) -> dict:
    children, any_children = {}, False
    for child in element:
        if child.tag == "include":
            included = ET.parse(spec_dir / child.get("filename")).getroot()
            name, node = included.get("name"), included
        elif child.tag == "element":
            if child.get("copy_data") == "true":
                any_children = True
                continue
            name, node = child.get("name"), child
        else:
            continue
        children[name] = node
    attributes = [a.get("name") for a in element.findall("attribute")]
    return {"children": children, "attributes": attributes, "any_children": any_children}


def entries(spec_dir: Path, paths: set[str]) -> dict:
    root = ET.parse(spec_dir / "root.sdf").getroot()
    out = {}
    for path in sorted(paths):
        node, parts = root, path.split("/")
        for name in parts[1:]:
            node = describe(node, spec_dir)["children"].get(name)
            if node is None:
                break
        if node is None:
            continue  # not in the spec: the test reports it
        info = describe(node, spec_dir)
        out[path] = {"children": sorted(info["children"]),
                     "attributes": sorted(info["attributes"]), **({"any_children": True} if info["any_children"] else {})}
    return out


def element_paths(world: Path) -> set[str]:
    paths = set()

    def walk(element, prefix):
        path = f"{prefix}/{element.tag}" if prefix else element.tag
        paths.add(path)
        for child in element:
            walk(child, path)
    walk(ET.parse(world).getroot(), "")
    return paths


def main():
    checkout, worlds = Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]]
    version = ET.parse(worlds[0]).getroot().get("version")
    spec_dir = checkout / "sdf" / version
    paths = set().union(*(element_paths(w) for w in worlds))
    print(f"# SDF {version} spec entries (sdformat sdf/{version}/*.sdf, {sys.argv[1]}) for the element paths an "
          "exported world uses;")
    print("# regenerate with scripts/derive_sdf_elements.py")
    print(yaml.safe_dump({"version": version, "elements": entries(spec_dir, paths)}, sort_keys=False), end="")


if __name__ == "__main__":
    main()
