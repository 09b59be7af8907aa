"""Reads a TID 1500 measurement report with pydicom alone and prints its title, template and, per measurement
group, the tracking identifier, the finding, the referenced segment and each numeric measurement with its unit."""
import json
import sys

import pydicom

sr = pydicom.dcmread(sys.argv[1])


def named(item, meaning):
    return [c for c in item.get("ContentSequence", []) if c.ConceptNameCodeSequence[0].CodeMeaning == meaning]


out = {
    "title": sr.ConceptNameCodeSequence[0].CodeValue,
    "template": sr.ContentTemplateSequence[0].TemplateIdentifier,
    "modality": sr.Modality,
    "evidence": sorted(r.ReferencedSOPInstanceUID for s in sr.CurrentRequestedProcedureEvidenceSequence
                       for se in s.ReferencedSeriesSequence for r in se.ReferencedSOPSequence),
    "groups": [],
}
for measurements in named(sr, "Imaging Measurements"):
    for group in named(measurements, "Measurement Group"):
        segment = named(group, "Referenced Segment")[0].ReferencedSOPSequence[0]
        entry = {
            "tracking": named(group, "Tracking Identifier")[0].TextValue,
            "finding": named(group, "Finding")[0].ConceptCodeSequence[0].CodeValue,
            "segmentation": segment.ReferencedSOPInstanceUID,
            "segment": int(segment.ReferencedSegmentNumber),
            "measurements": {},
        }
        for item in group.ContentSequence:
            if item.ValueType == "NUM":
                value = item.MeasuredValueSequence[0]
                entry["measurements"][item.ConceptNameCodeSequence[0].CodeMeaning] = [
                    float(value.NumericValue), value.MeasurementUnitsCodeSequence[0].CodeValue]
        out["groups"].append(entry)
print(json.dumps(out))
