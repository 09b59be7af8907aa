#!/usr/bin/python3
"""Prints pydicom's DICOM JSON (PS3.18 Annex F) of each file given, binary values inline."""
import json
import sys

import pydicom

print(json.dumps({path: pydicom.dcmread(path, force=True).to_json_dict(bulk_data_threshold=1 << 30) for path in sys.argv[1:]}))
