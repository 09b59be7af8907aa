#!/usr/bin/python3
"""Prints pydicom's data dictionary: keyword -> [tag as 8 hex digits, VR, retired]."""
import json

from pydicom.datadict import DicomDictionary

print(json.dumps({entry[4]: [f"{tag:08X}", entry[0], entry[3] == "Retired"] for tag, entry in DicomDictionary.items() if entry[4]}))
