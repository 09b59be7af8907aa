#!/usr/bin/python3
"""Prints, as JSON, every element pydicom reads from each file given: tag, VR and the value's raw bytes (hex) as
they are encoded in the file, or the items of a sequence. Encapsulated pixel data is given as its items' bytes.
Also prints pydicom's own DICOM JSON (to_json_dict) for comparison with ours."""
import json
import struct
import sys

import pydicom
from pydicom.dataelem import RawDataElement


STRING_VRS = {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI", "UR", "UT"}


def encode_converted(elem, encoding):
    """Bytes of an element pydicom already converted while reading (a few strings and numbers), padded as the standard says."""
    value = elem.value
    if value is None or value == "" or value == b"":
        return b""
    if elem.VR in STRING_VRS:
        values = value if isinstance(value, (list, pydicom.multival.MultiValue)) else [value]
        text = "\\".join(str(getattr(v, "original_string", v)) for v in values)
        data = text.encode(encoding)
        if len(data) % 2:
            data += b"\0" if elem.VR == "UI" else b" "
        return data
    if elem.VR in ("UL", "US"):
        fmt = ("<" if elem_little else ">") + ("I" if elem.VR == "UL" else "H")
        values = value if isinstance(value, (list, pydicom.multival.MultiValue)) else [value]
        return b"".join(struct.pack(fmt, v) for v in values)
    return bytes(value)


def walk(ds, encoding="latin-1"):
    out = []
    for tag in sorted(ds.keys()):
        raw = ds._dict[tag]
        raw_bytes = raw.value if isinstance(raw, RawDataElement) else None
        elem = ds[tag]
        if raw_bytes is None and elem.VR != "SQ":
            raw_bytes = encode_converted(elem, encoding)
        entry = {"tag": f"{tag.group:04X}{tag.element:04X}", "vr": elem.VR}
        if elem.VR == "SQ":
            entry["items"] = [walk(item, encoding) for item in elem.value]
        else:
            entry["hex"] = raw_bytes.hex() if raw_bytes is not None else None
            entry["undefined"] = bool(getattr(raw, "length", 0) == 0xFFFFFFFF)
        out.append(entry)
    return out


result = {}
for path in sys.argv[1:]:
    ds = pydicom.dcmread(path, force=True)
    elem_little = True
    meta = walk(ds.file_meta) if hasattr(ds, "file_meta") else []
    elem_little = ds.is_little_endian
    result[path] = {
        "meta": meta,
        "dataset": walk(ds, "utf-8" if "ISO_IR 192" in str(ds.get("SpecificCharacterSet", "")) else "latin-1"),
        "little_endian": ds.is_little_endian,
    }
print(json.dumps(result))
