namespace Imaging.Dicom;

/// <summary>An image a presentation state applies to: its series, SOP class and instance, and its size in pixels.</summary>
public sealed record PresentedImage(string SeriesInstanceUid, string SopClassUid, string SopInstanceUid, int Rows, int Columns);

/// <summary>
/// A line drawn on an image, through points given in image pixels (column, row; the top left pixel's centre is
/// 0.5, 0.5 as PS3.3 C.10.5.1.2 counts); closed when the first point is repeated at the end.
/// </summary>
public sealed record PolylineMark(IReadOnlyList<(double Column, double Row)> Points)
{
    public bool Closed => Points.Count > 2 && Points[0] == Points[^1];
}

/// <summary>Text shown beside a point of the image (pixels, as for <see cref="PolylineMark"/>).</summary>
public sealed record TextMark(string Text, double Column, double Row);

/// <summary>What one image shows: its lines and its texts.</summary>
public sealed record ImageMarks(PresentedImage Image, IReadOnlyList<PolylineMark> Lines, IReadOnlyList<TextMark> Texts);

/// <summary>How stored values become the values windowed: Rescale Slope, Intercept and Type (HU for CT).</summary>
public sealed record ModalityRescale(double Slope, double Intercept, string Type);

/// <summary>
/// Grayscale Softcopy Presentation State (PS3.3 A.33.1): how a viewer should show images of a series — a window
/// (Softcopy VOI LUT), the whole image scaled to fit, and annotations (lines and text) on one graphic layer per
/// state. Leaves the images as they are. Checked by dicom3tools' dciodvfy.
/// </summary>
public static class PresentationStates
{
    public const string GrayscaleSoftcopyPresentationStateStorage = "1.2.840.10008.5.1.4.1.1.11.1";

    public static DicomDataset Grayscale(PatientStudy study, ImageSeries series, int instanceNumber, string contentLabel, string description,
        IReadOnlyList<ImageMarks> images, ModalityRescale rescale, double windowCenter, double windowWidth, string windowExplanation, string layer,
        DateTimeOffset contentTime, string? sopInstanceUid = null)
    {
        if (images.Count == 0 || images.Any(i => i.Lines.Any(l => l.Points.Count < 2)))
        {
            throw new ArgumentException("A presentation state applies to at least one image; each line has at least two points.", nameof(images));
        }

        if (contentLabel.Length is 0 or > 16 || contentLabel.Any(c => c is not (>= 'A' and <= 'Z' or >= '0' and <= '9' or '_' or ' '))
            || layer.Length is 0 or > 16 || layer.Any(c => c is not (>= 'A' and <= 'Z' or >= '0' and <= '9' or '_' or ' ')))
        {
            throw new ArgumentException("Content label and graphic layer are code strings: 1 to 16 of A-Z, 0-9, space and underscore.", nameof(contentLabel));
        }

        var dataset = DicomImages.Common(GrayscaleSoftcopyPresentationStateStorage, sopInstanceUid, study, series with { Modality = "PR" }, instanceNumber, contentTime);
        // Not an image: no Patient Orientation, and its creation date and time stand for the content's.
        dataset.Remove(DicomTag.PatientOrientation);
        dataset.Remove(DicomTag.ContentDate);
        dataset.Remove(DicomTag.ContentTime);
        // Presentation State Identification.
        dataset.AddOrUpdate(DicomTag.ContentLabel, DicomVR.CS, contentLabel)
            .AddOrUpdate(DicomTag.ContentDescription, DicomVR.LO, description)
            .AddOrUpdate(DicomTag.PresentationCreationDate, DicomVR.DA, DicomText.Date(contentTime))
            .AddOrUpdate(DicomTag.PresentationCreationTime, DicomVR.TM, DicomText.Time(contentTime))
            .AddOrUpdate(DicomTag.ContentCreatorName, DicomVR.PN, "");

        // Presentation State Relationship: the images, by series.
        dataset.Add(new DicomSequence(DicomTag.ReferencedSeriesSequence, images.GroupBy(i => i.Image.SeriesInstanceUid).Select(bySeries => new DicomDataset()
            .AddOrUpdate(DicomTag.SeriesInstanceUID, DicomVR.UI, bySeries.Key)
            .Add(new DicomSequence(DicomTag.ReferencedImageSequence, bySeries.Select(i => Reference(i.Image)))))));

        // Displayed Area: each whole image, scaled to fit, square pixels.
        dataset.Add(new DicomSequence(DicomTag.DisplayedAreaSelectionSequence, images.Select(i => new DicomDataset()
            .Add(new DicomSequence(DicomTag.ReferencedImageSequence, [Reference(i.Image)]))
            .AddOrUpdate(DicomTag.DisplayedAreaTopLeftHandCorner, DicomVR.SL, 1, 1)
            .AddOrUpdate(DicomTag.DisplayedAreaBottomRightHandCorner, DicomVR.SL, i.Image.Columns, i.Image.Rows)
            .AddOrUpdate(DicomTag.PresentationSizeMode, DicomVR.CS, "SCALE TO FIT")
            .AddOrUpdate(DicomTag.PresentationPixelAspectRatio, DicomVR.IS, "1", "1"))));

        // Graphic Annotation, on one layer; both modules are there only when something is drawn.
        var annotated = images.Where(i => i.Lines.Count + i.Texts.Count > 0).ToList();
        if (annotated.Count > 0)
        {
            dataset.Add(new DicomSequence(DicomTag.GraphicAnnotationSequence, annotated.Select(i => Annotation(i, layer))));
            dataset.Add(new DicomSequence(DicomTag.GraphicLayerSequence, [new DicomDataset()
                .AddOrUpdate(DicomTag.GraphicLayer, DicomVR.CS, layer)
                .AddOrUpdate(DicomTag.GraphicLayerOrder, DicomVR.IS, "1")
                .AddOrUpdate<ushort>(DicomTag.GraphicLayerRecommendedDisplayGrayscaleValue, DicomVR.US, 0xFFFF)
                .AddOrUpdate(DicomTag.GraphicLayerDescription, DicomVR.LO, description)]));
        }

        // Modality LUT, Softcopy VOI LUT and Presentation LUT.
        dataset.AddOrUpdate(DicomTag.RescaleIntercept, DicomVR.DS, DicomText.Decimal(rescale.Intercept))
            .AddOrUpdate(DicomTag.RescaleSlope, DicomVR.DS, DicomText.Decimal(rescale.Slope))
            .AddOrUpdate(DicomTag.RescaleType, DicomVR.LO, rescale.Type);
        dataset.Add(new DicomSequence(DicomTag.SoftcopyVOILUTSequence, [new DicomDataset()
            .AddOrUpdate(DicomTag.WindowCenter, DicomVR.DS, DicomText.Decimal(windowCenter))
            .AddOrUpdate(DicomTag.WindowWidth, DicomVR.DS, DicomText.Decimal(windowWidth))
            .AddOrUpdate(DicomTag.WindowCenterWidthExplanation, DicomVR.LO, windowExplanation)]));
        dataset.AddOrUpdate(DicomTag.PresentationLUTShape, DicomVR.CS, "IDENTITY");
        return dataset;
    }

    private static DicomDataset Reference(PresentedImage image) => new DicomDataset()
        .AddOrUpdate(DicomTag.ReferencedSOPClassUID, DicomVR.UI, image.SopClassUid)
        .AddOrUpdate(DicomTag.ReferencedSOPInstanceUID, DicomVR.UI, image.SopInstanceUid);

    private static DicomDataset Annotation(ImageMarks marks, string layer)
    {
        var annotation = new DicomDataset()
            .Add(new DicomSequence(DicomTag.ReferencedImageSequence, [Reference(marks.Image)]))
            .AddOrUpdate(DicomTag.GraphicLayer, DicomVR.CS, layer);
        if (marks.Texts.Count > 0)
        {
            annotation.Add(new DicomSequence(DicomTag.TextObjectSequence, marks.Texts.Select(t => new DicomDataset()
                .AddOrUpdate(DicomTag.AnchorPointAnnotationUnits, DicomVR.CS, "PIXEL")
                .AddOrUpdate(DicomTag.UnformattedTextValue, DicomVR.ST, t.Text)
                .AddOrUpdate(DicomTag.AnchorPoint, DicomVR.FL, (float)t.Column, (float)t.Row)
                .AddOrUpdate(DicomTag.AnchorPointVisibility, DicomVR.CS, "N"))));
        }

        if (marks.Lines.Count > 0)
        {
            annotation.Add(new DicomSequence(DicomTag.GraphicObjectSequence, marks.Lines.Select(line =>
            {
                var item = new DicomDataset()
                    .AddOrUpdate(DicomTag.GraphicAnnotationUnits, DicomVR.CS, "PIXEL")
                    .AddOrUpdate<ushort>(DicomTag.GraphicDimensions, DicomVR.US, 2)
                    .AddOrUpdate<ushort>(DicomTag.NumberOfGraphicPoints, DicomVR.US, (ushort)line.Points.Count)
                    .AddOrUpdate(DicomTag.GraphicData, DicomVR.FL, [.. line.Points.SelectMany(p => new[] { (float)p.Column, (float)p.Row })])
                    .AddOrUpdate(DicomTag.GraphicType, DicomVR.CS, "POLYLINE");
                // Type 1C: said for closed lines (an outline), whose inside could be filled.
                return line.Closed ? item.AddOrUpdate(DicomTag.GraphicFilled, DicomVR.CS, "N") : item;
            })));
        }

        return annotation;
    }
}
