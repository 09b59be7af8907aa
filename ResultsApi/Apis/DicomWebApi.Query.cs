namespace Imaging.ResultsApi.Apis;

/// <summary>QIDO-RS: studies, series and instances searched in the index, answered as DICOM JSON.</summary>
public static partial class DicomWebApi
{
    /// <summary>
    /// QIDO-RS on the index: the standard matching keys by keyword or tag (PatientID, PatientName, StudyInstanceUID,
    /// AccessionNumber, StudyDate with ranges, Modality, SeriesInstanceUID, SOPInstanceUID), * and ? wildcards on
    /// text keys, limit and offset; one DICOM JSON dataset per match with the level's attributes.
    /// </summary>
    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> SearchAsync(HttpContext http, ResultsDbContext db, ResultStorage storage, QueryLevel level, string? study, string? series,
        CancellationToken ct)
    {
        var source = CurrentUser.From(http.User).SourceId;
        var query = db.Instances.AsNoTracking().Where(i => i.SourceId == source);
        if (study is not null)
        {
            query = query.Where(i => i.StudyInstanceUid == study);
        }

        if (series is not null)
        {
            query = query.Where(i => i.SeriesInstanceUid == series);
        }

        var parameters = http.Request.Query;
        var limit = 100;
        var offset = 0;
        var includeAll = false;
        List<DicomTag> included = [];
        foreach (var (key, values) in parameters)
        {
            var value = values.ToString();
            switch (Keyword(key))
            {
                case "limit" when int.TryParse(value, out var l) && l is > 0 and <= 1000:
                    limit = l;
                    break;
                case "offset" when int.TryParse(value, out var o) && o >= 0:
                    offset = o;
                    break;
                case "limit" or "offset":
                    return ApiProblems.BadRequest("Invalid paging", $"'{key}' must be a whole number (limit 1 to 1000, offset 0 or more).");
                case "includefield":
                    foreach (var field in values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
                    {
                        if (field == "all")
                        {
                            includeAll = true;
                        }
                        else if (TagOf(field) is { } tag)
                        {
                            included.Add(tag);
                        }
                        else
                        {
                            return ApiProblems.BadRequest("Unknown attribute", $"includefield '{field}' is neither 'all', a keyword nor an eight-digit tag; use one of those, such as PatientAge or 00101010.");
                        }
                    }

                    break;
                case "fuzzymatching":
                    break;
                case "PatientID":
                    query = query.Where(Match<DicomInstance>(i => i.PatientId, value));
                    break;
                case "PatientName":
                    query = query.Where(Match<DicomInstance>(i => i.PatientName, value));
                    break;
                case "StudyInstanceUID":
                    query = query.Where(i => value.Split(',', StringSplitOptions.None).Contains(i.StudyInstanceUid));
                    break;
                case "SeriesInstanceUID":
                    query = query.Where(i => value.Split(',', StringSplitOptions.None).Contains(i.SeriesInstanceUid));
                    break;
                case "SOPInstanceUID":
                    query = query.Where(i => value.Split(',', StringSplitOptions.None).Contains(i.SopInstanceUid));
                    break;
                case "AccessionNumber":
                    query = query.Where(Match<DicomInstance>(i => i.AccessionNumber, value));
                    break;
                case "Modality" or "ModalitiesInStudy":
                    query = query.Where(i => i.Modality == value);
                    break;
                case "StudyDate":
                    if (!TryDateRange(value, out var from, out var to))
                    {
                        return ApiProblems.BadRequest("Invalid StudyDate", $"'{value}' is not a DICOM date or range (yyyymmdd, yyyymmdd-, -yyyymmdd, yyyymmdd-yyyymmdd).");
                    }

                    query = query.Where(i => i.StudyDate != null && string.Compare(i.StudyDate, from) >= 0 && string.Compare(i.StudyDate, to) <= 0);
                    break;
                default:
                    return ApiProblems.BadRequest("Unsupported query key", $"'{key}' is not a matching key this server supports; use PatientID, PatientName, StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID, AccessionNumber, Modality, ModalitiesInStudy or StudyDate.");
            }
        }

        var rows = await query.ToListAsync(ct);
        var groups = level switch
        {
            QueryLevel.Study => rows.GroupBy(i => i.StudyInstanceUid).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.ToList()),
            QueryLevel.Series => rows.GroupBy(i => i.SeriesInstanceUid).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.ToList()),
            _ => rows.OrderBy(i => i.SeriesInstanceUid, StringComparer.Ordinal).ThenBy(i => i.InstanceNumber).ThenBy(i => i.SopInstanceUid, StringComparer.Ordinal)
                .Select(i => new List<DicomInstance> { i }),
        };
        var baseUrl = $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{Prefix}";
        var page = groups.Skip(offset).Take(limit).Select(g =>
        {
            var described = Describe(level, g, baseUrl);
            if (includeAll || included.Count > 0)
            {
                Include(described, storage, g[0], includeAll, included);
            }

            return DicomJson.Serialize(described);
        });
        return TypedResults.Text("[" + string.Join(",", page) + "]", "application/dicom+json", System.Text.Encoding.UTF8);
    }

    /// <summary>
    /// includefield (PS3.18 8.3.4): the attributes beyond the level's defaults come from the group's first stored
    /// instance (study and series attributes are the same in all of them); "all" adds every attribute but the pixel data.
    /// </summary>
    private static void Include(DicomDataset described, ResultStorage storage, DicomInstance first, bool all, List<DicomTag> tags)
    {
        var stored = DicomReader.ReadFile(storage.DicomPath(first.SourceId, first.StudyInstanceUid, first.SeriesInstanceUid, first.SopInstanceUid),
            new DicomReaderOptions { StopAt = DicomTag.PixelData }).Dataset;
        foreach (var item in stored)
        {
            if (!described.Contains(item.Tag) && item.Tag != DicomTag.PixelData && (all || tags.Contains(item.Tag)))
            {
                described.Add(item);
            }
        }
    }

    private static DicomTag? TagOf(string field)
    {
        if (field.Length == 8 && uint.TryParse(field, System.Globalization.NumberStyles.HexNumber, null, out var number))
        {
            return new DicomTag((ushort)(number >> 16), (ushort)number);
        }

        return DicomDictionary.TryGetByKeyword(field, out var entry) ? entry.Tag : null;
    }

    private static DicomDataset Describe(QueryLevel level, List<DicomInstance> group, string baseUrl)
    {
        var first = group[0];
        var dataset = new DicomDataset()
            .AddOrUpdate(DicomTag.StudyInstanceUID, DicomVR.UI, first.StudyInstanceUid)
            .AddOrUpdate(DicomTag.PatientID, DicomVR.LO, first.PatientId ?? "")
            .AddOrUpdate(DicomTag.PatientName, DicomVR.PN, first.PatientName ?? "")
            .AddOrUpdate(DicomTag.StudyDate, DicomVR.DA, first.StudyDate ?? "")
            .AddOrUpdate(DicomTag.AccessionNumber, DicomVR.SH, first.AccessionNumber ?? "")
            .AddOrUpdate(DicomTag.StudyDescription, DicomVR.LO, first.StudyDescription ?? "");
        var studyUrl = $"{baseUrl}/studies/{first.StudyInstanceUid}";
        switch (level)
        {
            case QueryLevel.Study:
                dataset.AddOrUpdate(DicomTag.ModalitiesInStudy, DicomVR.CS, [.. group.Select(i => i.Modality ?? "").Where(m => m.Length > 0).Distinct().Order(StringComparer.Ordinal)])
                    .AddOrUpdate(DicomTag.NumberOfStudyRelatedSeries, DicomVR.IS, group.Select(i => i.SeriesInstanceUid).Distinct().Count().ToString(System.Globalization.CultureInfo.InvariantCulture))
                    .AddOrUpdate(DicomTag.NumberOfStudyRelatedInstances, DicomVR.IS, group.Count.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    .AddOrUpdate(DicomTag.RetrieveURL, DicomVR.UR, studyUrl);
                break;
            case QueryLevel.Series:
                dataset.AddOrUpdate(DicomTag.SeriesInstanceUID, DicomVR.UI, first.SeriesInstanceUid)
                    .AddOrUpdate(DicomTag.Modality, DicomVR.CS, first.Modality ?? "")
                    .AddOrUpdate(DicomTag.SeriesDescription, DicomVR.LO, first.SeriesDescription ?? "")
                    .AddOrUpdate(DicomTag.SeriesNumber, DicomVR.IS, first.SeriesNumber?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "")
                    .AddOrUpdate(DicomTag.NumberOfSeriesRelatedInstances, DicomVR.IS, group.Count.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    .AddOrUpdate(DicomTag.RetrieveURL, DicomVR.UR, $"{studyUrl}/series/{first.SeriesInstanceUid}");
                break;
            default:
                dataset.AddOrUpdate(DicomTag.SeriesInstanceUID, DicomVR.UI, first.SeriesInstanceUid)
                    .AddOrUpdate(DicomTag.Modality, DicomVR.CS, first.Modality ?? "")
                    .AddOrUpdate(DicomTag.SOPClassUID, DicomVR.UI, first.SopClassUid)
                    .AddOrUpdate(DicomTag.SOPInstanceUID, DicomVR.UI, first.SopInstanceUid)
                    .AddOrUpdate(DicomTag.InstanceNumber, DicomVR.IS, first.InstanceNumber?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "")
                    .AddOrUpdate(DicomTag.NumberOfFrames, DicomVR.IS, first.NumberOfFrames.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    .AddOrUpdate(DicomTag.RetrieveURL, DicomVR.UR, $"{studyUrl}/series/{first.SeriesInstanceUid}/instances/{first.SopInstanceUid}");
                break;
        }

        return dataset;
    }


    private static string Keyword(string key) =>
        key.Length == 8 && uint.TryParse(key, System.Globalization.NumberStyles.HexNumber, null, out var tag) && DicomDictionary.TryGet(new DicomTag((ushort)(tag >> 16), (ushort)tag), out var entry)
            ? entry.Keyword
            : key;

    // DICOM matching: exact, or with * and ? as wildcards (translated to SQL LIKE, escaping LIKE's own specials).
    private static System.Linq.Expressions.Expression<Func<T, bool>> Match<T>(System.Linq.Expressions.Expression<Func<T, string?>> field, string value)
    {
        var parameter = field.Parameters[0];
        if (!value.Contains('*') && !value.Contains('?'))
        {
            return System.Linq.Expressions.Expression.Lambda<Func<T, bool>>(
                System.Linq.Expressions.Expression.Equal(field.Body, System.Linq.Expressions.Expression.Constant(value, typeof(string))), parameter);
        }

        var pattern = value.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_").Replace('*', '%').Replace('?', '_');
        var like = typeof(DbFunctionsExtensions).GetMethod(nameof(DbFunctionsExtensions.Like), [typeof(DbFunctions), typeof(string), typeof(string)])!;
        return System.Linq.Expressions.Expression.Lambda<Func<T, bool>>(
            System.Linq.Expressions.Expression.Call(like, System.Linq.Expressions.Expression.Constant(EF.Functions), field.Body,
                System.Linq.Expressions.Expression.Constant(pattern)), parameter);
    }

    private static bool TryDateRange(string value, out string from, out string to)
    {
        var parts = value.Split('-');
        (from, to) = parts.Length switch
        {
            1 => (parts[0], parts[0]),
            2 => (parts[0].Length == 0 ? "00000000" : parts[0], parts[1].Length == 0 ? "99999999" : parts[1]),
            _ => ("", ""),
        };
        return IsDate(from) && IsDate(to);

        static bool IsDate(string text) => text.Length == 8 && text.All(char.IsAsciiDigit);
    }
}
