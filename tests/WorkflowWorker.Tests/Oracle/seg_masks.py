"""Writes each segment of a binary DICOM Segmentation as a raw uint8 mask (slices x rows x columns) of the source
series, read with pydicom alone: each frame goes to the slice whose SOP Instance UID it names as its source.
Arguments: the SEG file, a file listing the source slices' SOP Instance UIDs in slice order, the output folder.
Prints {segment number: {"label": ..., "file": ...}}."""
import json
import os
import sys

import numpy as np
import pydicom

seg = pydicom.dcmread(sys.argv[1])
with open(sys.argv[2]) as f:
    order = {uid.strip(): i for i, uid in enumerate(f) if uid.strip()}
frames = seg.pixel_array.reshape(int(seg.NumberOfFrames), seg.Rows, seg.Columns)
masks = {int(s.SegmentNumber): np.zeros((len(order), seg.Rows, seg.Columns), dtype=np.uint8) for s in seg.SegmentSequence}
for index, group in enumerate(seg.PerFrameFunctionalGroupsSequence):
    number = int(group.SegmentIdentificationSequence[0].ReferencedSegmentNumber)
    source = group.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID
    masks[number][order[source]] |= frames[index].astype(np.uint8)
out = {}
for s in seg.SegmentSequence:
    path = os.path.join(sys.argv[3], f"segment-{int(s.SegmentNumber)}.u8")
    masks[int(s.SegmentNumber)].tofile(path)
    out[str(int(s.SegmentNumber))] = {"label": s.SegmentLabel, "file": path}
print(json.dumps(out))
