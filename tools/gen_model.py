#!/usr/bin/env python3
"""Trim botocore's service models to what Cognate's request validator needs.

Reads `data/<service>/<version>/service-2.json` from the installed botocore and
writes `crates/cognate-api/model/<service>.json`: operations (input shape, whether
the SDKs send them unsigned) and shapes (type, members, required, min, max,
pattern, enum), without documentation. Run after `pip install botocore` when
a newer model should be picked up:

    python3 tools/gen_model.py
"""
import gzip
import json
import os
import sys

import botocore

SERVICES = [("cognito-idp", "2016-04-18"), ("cognito-identity", "2014-06-30")]
KEEP = ("type", "min", "max", "pattern", "enum", "required", "sensitive")


def load(service, version):
    base = os.path.join(os.path.dirname(botocore.__file__), "data", service, version)
    for name, opener in (("service-2.json", open), ("service-2.json.gz", gzip.open)):
        path = os.path.join(base, name)
        if os.path.exists(path):
            with opener(path, "rt") as f:
                return json.load(f)
    sys.exit(f"no model for {service} {version} in {base}")


def trim(model):
    ops = {}
    for name, op in model["operations"].items():
        ops[name] = {
            "input": op.get("input", {}).get("shape"),
            "output": op.get("output", {}).get("shape"),
            "unsigned": op.get("authtype") == "none" or "smithy.api#noAuth" in json.dumps(op.get("auth", [])) or op.get("auth") == ["smithy.api#noAuth"],
        }
    shapes = {}
    for name, shape in model["shapes"].items():
        out = {k: shape[k] for k in KEEP if k in shape}
        if shape["type"] == "structure":
            out["members"] = {m: v["shape"] for m, v in shape.get("members", {}).items()}
            if shape.get("exception"):
                out["exception"] = True
        elif shape["type"] == "list":
            out["member"] = shape["member"]["shape"]
        elif shape["type"] == "map":
            out["key"] = shape["key"]["shape"]
            out["value"] = shape["value"]["shape"]
        shapes[name] = out
    return {"metadata": {k: model["metadata"].get(k) for k in ("apiVersion", "targetPrefix", "signingName")},
            "botocore": botocore.__version__, "operations": ops, "shapes": shapes}


# Operations the AWS SDKs already send but the installed botocore does not model
# yet (trimmed shapes, merged in only where botocore has nothing of that name).
EXTRA = {
    "cognito-idp": {
        "operations": {
            "AdminGetUserAuthFactors": {
                "input": "AdminGetUserAuthFactorsRequest",
                "output": "AdminGetUserAuthFactorsResponse",
                "unsigned": False,
            },
        },
        "shapes": {
            "AdminGetUserAuthFactorsRequest": {
                "type": "structure",
                "members": {"UserPoolId": "UserPoolIdType", "Username": "UsernameType"},
                "required": ["UserPoolId", "Username"],
            },
            "AdminGetUserAuthFactorsResponse": {
                "type": "structure",
                "members": {
                    "ConfiguredUserAuthFactors": "ConfiguredUserAuthFactorsListType",
                    "PreferredMfaSetting": "StringType",
                    "UserMFASettingList": "UserMFASettingListType",
                    "Username": "UsernameType",
                },
                "required": ["Username"],
            },
        },
    },
}


def add_extra(service, trimmed):
    extra = EXTRA.get(service, {})
    for kind in ("operations", "shapes"):
        for name, value in extra.get(kind, {}).items():
            trimmed[kind].setdefault(name, value)
    return trimmed


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    outdir = os.path.join(root, "crates", "cognate-api", "model")
    os.makedirs(outdir, exist_ok=True)
    for service, version in SERVICES:
        trimmed = add_extra(service, trim(load(service, version)))
        path = os.path.join(outdir, f"{service}.json")
        with open(path, "w") as f:
            json.dump(trimmed, f, indent=0, sort_keys=True, separators=(",", ":"))
            f.write("\n")
        print(f"{path}: {len(trimmed['operations'])} operations, {len(trimmed['shapes'])} shapes")


if __name__ == "__main__":
    main()
