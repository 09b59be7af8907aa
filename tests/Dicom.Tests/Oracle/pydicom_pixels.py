#!/usr/bin/python3
"""Prints what pydicom decodes from each file's pixel data: shape, dtype and the SHA-256 of the array's bytes."""
import hashlib
import json
import sys

import numpy as np
import pydicom

out = {}
for path in sys.argv[1:]:
    ds = pydicom.dcmread(path)
    array = np.ascontiguousarray(ds.pixel_array)
    out[path] = {"shape": list(array.shape), "dtype": str(array.dtype), "sha256": hashlib.sha256(array.astype(array.dtype.newbyteorder("<")).tobytes()).hexdigest()}
print(json.dumps(out))
