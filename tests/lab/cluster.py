#!/usr/bin/env python3
"""cluster.py: what the lab's cluster says, for tests and the demo.

  cluster.py roles < CRM_MON_XML     "STORE NODE ROLE" per running store instance
  cluster.py failures < CRM_MON_XML  one line per failed action (none: no output)
  cluster.py scores CIB              "STORE NODE SCORE": promotion scores in the status section
  cluster.py slots CIB               "STORE MACHINE..." in failover order (planned master first)
  cluster.py target CIB DOWN...      "STORE MACHINE": where each store should be promoted
                                     with the machines DOWN lost (the first surviving machine
                                     of its failover order), for the stores DOWN mastered
                                     by plan (none: nothing printed)
"""
import sys
import xml.etree.ElementTree as ET


def roles(root):
    for clone in root.iter("clone"):
        store = clone.get("id")
        for res in clone.iter("resource"):
            for node in res.iter("node"):
                print(store, node.get("name"), res.get("role"))


def failures(root):
    for f in root.iter("failure"):
        print(" ".join("%s=%s" % kv for kv in sorted(f.attrib.items())))


def slots(cib):
    out = {}
    for prim in ET.parse(cib).getroot().iter("primitive"):
        if prim.get("type") != "cyrus":
            continue
        params = {nv.get("name"): nv.get("value") for nv in prim.iter("nvpair")}
        if params.get("store"):
            out[params["store"]] = [s.split(":", 1)[0] for s in params.get("slots", "").split()]
    return out


def scores(cib):
    for ns in ET.parse(cib).getroot().iter("node_state"):
        for nv in ns.iter("nvpair"):
            name = nv.get("name") or ""
            if name.startswith("master-") and name.endswith("-cyrus"):
                print(name[len("master-"):-len("-cyrus")], ns.get("uname"), nv.get("value"))


def main(argv):
    if len(argv) == 2 and argv[1] in ("roles", "failures"):
        root = ET.parse(sys.stdin).getroot()
        (roles if argv[1] == "roles" else failures)(root)
        return 0
    if len(argv) == 3 and argv[1] == "scores":
        scores(argv[2])
        return 0
    if len(argv) == 3 and argv[1] == "slots":
        for st, ms in sorted(slots(argv[2]).items()):
            print(st, " ".join(ms))
        return 0
    if len(argv) >= 4 and argv[1] == "target":
        down = set(argv[3:])
        for st, ms in sorted(slots(argv[2]).items()):
            if ms and ms[0] in down:
                alive = [m for m in ms if m not in down]
                print(st, alive[0] if alive else "NONE")
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
