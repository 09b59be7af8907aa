namespace Imaging.Dicom;

/// <summary>An instance an SR names as evidence (Hierarchical SOP Instance Reference macro, PS3.3 Table C.17-3).</summary>
public sealed record EvidenceInstance(string StudyInstanceUid, string SeriesInstanceUid, string SopClassUid, string SopInstanceUid);

/// <summary>
/// Comprehensive SR documents (PS3.3 A.35.3): SR Document Series, SR Document General and SR Document Content
/// modules, with content items built by the helpers below (PS3.3 C.17.3: CONTAINER, TEXT, CODE, NUM, UIDREF, IMAGE).
/// Which items go where is the template's business (TID 1500 for measurement reports); this class only encodes them.
/// Checked by dicom3tools' dciodvfy and DCMTK's dsrdump.
/// </summary>
public static class StructuredReports
{
    public const string ComprehensiveSRStorage = "1.2.840.10008.5.1.4.1.1.88.33";

    /// <summary>
    /// A finished, unverified report whose root container is <paramref name="title"/> made by template
    /// <paramref name="templateId"/> (DCMR), holding <paramref name="content"/>; every instance the content names is
    /// listed as evidence.
    /// </summary>
    public static DicomDataset Comprehensive(PatientStudy study, ImageSeries series, int instanceNumber, CodedConcept title, string templateId,
        IEnumerable<DicomDataset> content, IReadOnlyList<EvidenceInstance> evidence, DateTimeOffset contentTime, string? sopInstanceUid = null)
    {
        var dataset = DicomImages.Common(ComprehensiveSRStorage, sopInstanceUid, study, series with { Modality = "SR" }, instanceNumber, contentTime);
        // A document is not an image: General Image's attributes have no place in it.
        dataset.Remove(DicomTag.PatientOrientation);
        dataset.Remove(DicomTag.Laterality);
        dataset.Add(new DicomSequence(DicomTag.ReferencedPerformedProcedureStepSequence, []));
        dataset.AddOrUpdate(DicomTag.CompletionFlag, DicomVR.CS, "COMPLETE")
            .AddOrUpdate(DicomTag.VerificationFlag, DicomVR.CS, "UNVERIFIED");
        dataset.Add(new DicomSequence(DicomTag.PerformedProcedureCodeSequence, []));
        if (evidence.Count > 0)
        {
            dataset.Add(new DicomSequence(DicomTag.CurrentRequestedProcedureEvidenceSequence, evidence.GroupBy(e => e.StudyInstanceUid).Select(byStudy =>
                new DicomDataset()
                    .AddOrUpdate(DicomTag.StudyInstanceUID, DicomVR.UI, byStudy.Key)
                    .Add(new DicomSequence(DicomTag.ReferencedSeriesSequence, byStudy.GroupBy(e => e.SeriesInstanceUid).Select(bySeries => new DicomDataset()
                        .AddOrUpdate(DicomTag.SeriesInstanceUID, DicomVR.UI, bySeries.Key)
                        .Add(new DicomSequence(DicomTag.ReferencedSOPSequence, bySeries.DistinctBy(e => e.SopInstanceUid).Select(e => new DicomDataset()
                            .AddOrUpdate(DicomTag.ReferencedSOPClassUID, DicomVR.UI, e.SopClassUid)
                            .AddOrUpdate(DicomTag.ReferencedSOPInstanceUID, DicomVR.UI, e.SopInstanceUid))))))))));
        }

        dataset.AddOrUpdate(DicomTag.ValueType, DicomVR.CS, "CONTAINER")
            .Add(title.ToSequence(DicomTag.ConceptNameCodeSequence))
            .AddOrUpdate(DicomTag.ContinuityOfContent, DicomVR.CS, "SEPARATE")
            .Add(new DicomSequence(DicomTag.ContentTemplateSequence, [new DicomDataset()
                .AddOrUpdate(DicomTag.MappingResource, DicomVR.CS, "DCMR")
                .AddOrUpdate(DicomTag.TemplateIdentifier, DicomVR.CS, templateId)]))
            .Add(new DicomSequence(DicomTag.ContentSequence, content));
        return dataset;
    }

    /// <summary>A CONTAINER of items, its parts separate.</summary>
    public static DicomDataset Container(string relationship, CodedConcept name, IEnumerable<DicomDataset> children, string? templateId = null)
    {
        var item = Item(relationship, "CONTAINER", name).AddOrUpdate(DicomTag.ContinuityOfContent, DicomVR.CS, "SEPARATE");
        if (templateId is not null)
        {
            item.Add(new DicomSequence(DicomTag.ContentTemplateSequence, [new DicomDataset()
                .AddOrUpdate(DicomTag.MappingResource, DicomVR.CS, "DCMR")
                .AddOrUpdate(DicomTag.TemplateIdentifier, DicomVR.CS, templateId)]));
        }

        return item.Add(new DicomSequence(DicomTag.ContentSequence, children));
    }

    public static DicomDataset Text(string relationship, CodedConcept name, string value) =>
        Item(relationship, "TEXT", name).AddOrUpdate(DicomTag.TextValue, DicomVR.UT, value);

    public static DicomDataset Code(string relationship, CodedConcept name, CodedConcept value) =>
        Item(relationship, "CODE", name).Add(value.ToSequence(DicomTag.ConceptCodeSequence));

    public static DicomDataset UidReference(string relationship, CodedConcept name, string uid) =>
        Item(relationship, "UIDREF", name).AddOrUpdate(DicomTag.UID, DicomVR.UI, uid);

    /// <summary>A NUM: the value (as a decimal string of at most 16 characters) in UCUM units, with optional modifiers under it.</summary>
    public static DicomDataset Number(string relationship, CodedConcept name, double value, CodedConcept unit, IEnumerable<DicomDataset>? children = null)
    {
        var item = Item(relationship, "NUM", name);
        item.Add(new DicomSequence(DicomTag.MeasuredValueSequence, [new DicomDataset()
            .Add(unit.ToSequence(DicomTag.MeasurementUnitsCodeSequence))
            .AddOrUpdate(DicomTag.NumericValue, DicomVR.DS, DicomText.Decimal(value))]));
        if (children?.ToList() is { Count: > 0 } modifiers)
        {
            item.Add(new DicomSequence(DicomTag.ContentSequence, modifiers));
        }

        return item;
    }

    /// <summary>An IMAGE reference; for a Segmentation, the segment meant. An image library's entries have no concept name.</summary>
    public static DicomDataset Image(string relationship, CodedConcept? name, string sopClassUid, string sopInstanceUid, int? segmentNumber = null)
    {
        var reference = new DicomDataset()
            .AddOrUpdate(DicomTag.ReferencedSOPClassUID, DicomVR.UI, sopClassUid)
            .AddOrUpdate(DicomTag.ReferencedSOPInstanceUID, DicomVR.UI, sopInstanceUid);
        if (segmentNumber is { } segment)
        {
            reference.AddOrUpdate<ushort>(DicomTag.ReferencedSegmentNumber, DicomVR.US, (ushort)segment);
        }

        return Item(relationship, "IMAGE", name).Add(new DicomSequence(DicomTag.ReferencedSOPSequence, [reference]));
    }

    private static DicomDataset Item(string relationship, string valueType, CodedConcept? name)
    {
        var item = new DicomDataset()
            .AddOrUpdate(DicomTag.RelationshipType, DicomVR.CS, relationship)
            .AddOrUpdate(DicomTag.ValueType, DicomVR.CS, valueType);
        return name is null ? item : item.Add(name.ToSequence(DicomTag.ConceptNameCodeSequence));
    }
}
