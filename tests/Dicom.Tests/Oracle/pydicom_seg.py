"""Reads a binary DICOM Segmentation with pydicom alone and prints, per segment, its label, codes and the voxels
it marks, placed by each frame's Image Position (Patient) among the source slices given: the oracle for our writer."""
import json
import sys

import numpy as np
import pydicom

seg = pydicom.dcmread(sys.argv[1])
positions = json.loads(sys.argv[2])  # the source slices' z, in the grid's order
frames = seg.pixel_array.reshape(int(seg.NumberOfFrames), seg.Rows, seg.Columns)
out = {"segments": {}, "sop_class": seg.SOPClassUID, "modality": seg.Modality, "type": seg.SegmentationType,
       "frame_of_reference": seg.FrameOfReferenceUID}
for s in seg.SegmentSequence:
    type_item = s.SegmentedPropertyTypeCodeSequence[0]
    modifier = type_item.get("SegmentedPropertyTypeModifierCodeSequence")
    out["segments"][str(s.SegmentNumber)] = {
        "label": s.SegmentLabel,
        "category": s.SegmentedPropertyCategoryCodeSequence[0].CodeValue,
        "type": type_item.CodeValue,
        "modifier": modifier[0].CodeValue if modifier else None,
        "voxels": [],
    }
for index, group in enumerate(seg.PerFrameFunctionalGroupsSequence):
    number = group.SegmentIdentificationSequence[0].ReferencedSegmentNumber
    z = float(group.PlanePositionSequence[0].ImagePositionPatient[2])
    slice_index = min(range(len(positions)), key=lambda i: abs(positions[i] - z))
    source = group.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID
    rows, columns = np.nonzero(frames[index])
    out["segments"][str(number)]["voxels"] += [[int(slice_index), int(r), int(c)] for r, c in zip(rows, columns)]
    out.setdefault("sources", {})[str(slice_index)] = source
print(json.dumps(out))
