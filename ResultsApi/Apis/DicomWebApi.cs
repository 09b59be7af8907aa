namespace Imaging.ResultsApi.Apis;

/// <summary>
/// DICOMweb (PS3.18) on the instance store, scoped to the caller's source: the routes and what the three services
/// share here; STOW-RS in DicomWebApi.Store.cs, WADO-RS in DicomWebApi.Retrieve.cs, QIDO-RS in DicomWebApi.Query.cs.
/// </summary>
public static partial class DicomWebApi
{
    public const string Prefix = "/dicom-web";

    public static RouteGroupBuilder MapDicomWebApi(this RouteGroupBuilder dicomWeb)
    {
        dicomWeb.WithTags("dicomweb");
        dicomWeb.MapPost("/studies", (HttpRequest request, ResultsDbContext db, DicomInstanceStore store, IOptions<StorageOptions> options, ILoggerFactory loggers,
            CancellationToken ct) => StoreAsync(request, null, db, store, options, loggers, ct)).WithName("stow_rs").DisableAntiforgery().AcceptsUpload()
            .WithSummary("STOW-RS: store instances (multipart/related; type=\"application/dicom\").").Stow();
        dicomWeb.MapPost("/studies/{study}", (string study, HttpRequest request, ResultsDbContext db, DicomInstanceStore store, IOptions<StorageOptions> options,
            ILoggerFactory loggers, CancellationToken ct) => StoreAsync(request, study, db, store, options, loggers, ct)).WithName("stow_rs_study").DisableAntiforgery().AcceptsUpload()
            .WithSummary("STOW-RS: store instances of one study.").Stow();

        dicomWeb.MapGet("/studies/{study}", (string study, HttpContext http, ResultsDbContext db, ResultStorage storage, CancellationToken ct) =>
            RetrieveAsync(http, db, storage, study, null, null, ct)).WithName("wado_rs_study").WithSummary("WADO-RS: a study's instances.").Wado();
        dicomWeb.MapGet("/studies/{study}/series/{series}", (string study, string series, HttpContext http, ResultsDbContext db, ResultStorage storage,
            CancellationToken ct) => RetrieveAsync(http, db, storage, study, series, null, ct)).WithName("wado_rs_series").WithSummary("WADO-RS: a series' instances.")
            .Wado();
        dicomWeb.MapGet("/studies/{study}/series/{series}/instances/{instance}", (string study, string series, string instance, HttpContext http,
            ResultsDbContext db, ResultStorage storage, CancellationToken ct) => RetrieveAsync(http, db, storage, study, series, instance, ct))
            .WithName("wado_rs_instance").WithSummary("WADO-RS: one instance.").Wado();
        dicomWeb.MapGet("/studies/{study}/series/{series}/instances/{instance}/frames/{frames}", FramesAsync)
            .WithName("wado_rs_frames").WithSummary("WADO-RS: uncompressed frames (1-based, comma-separated) as application/octet-stream parts.")
            .WithHeader("Accept", "multipart/related; type=\"application/octet-stream\" (or */*); anything else is 406.")
            .ProducesBody(StatusCodes.Status200OK, "multipart/related", JsonSchemaType.String, "One application/octet-stream part per frame, in the order asked.")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status406NotAcceptable,
                StatusCodes.Status422UnprocessableEntity, StatusCodes.Status501NotImplemented);
        dicomWeb.MapGet("/studies/{study}/metadata", (string study, HttpContext http, ResultsDbContext db, ResultStorage storage, CancellationToken ct) =>
            MetadataAsync(http, db, storage, study, null, null, ct)).WithName("wado_rs_study_metadata").WithSummary("WADO-RS: a study's metadata as DICOM JSON.")
            .Metadata();
        dicomWeb.MapGet("/studies/{study}/series/{series}/metadata", (string study, string series, HttpContext http, ResultsDbContext db, ResultStorage storage,
            CancellationToken ct) => MetadataAsync(http, db, storage, study, series, null, ct)).WithName("wado_rs_series_metadata")
            .WithSummary("WADO-RS: a series' metadata as DICOM JSON.").Metadata();
        dicomWeb.MapGet("/studies/{study}/series/{series}/instances/{instance}/metadata", (string study, string series, string instance, HttpContext http,
            ResultsDbContext db, ResultStorage storage, CancellationToken ct) => MetadataAsync(http, db, storage, study, series, instance, ct))
            .WithName("wado_rs_instance_metadata").WithSummary("WADO-RS: one instance's metadata as DICOM JSON.").Metadata();

        dicomWeb.MapGet("/studies", (HttpContext http, ResultsDbContext db, ResultStorage storage, CancellationToken ct) => SearchAsync(http, db, storage, QueryLevel.Study, null, null, ct))
            .WithName("qido_rs_studies").WithSummary("QIDO-RS: search studies.").Qido();
        dicomWeb.MapGet("/series", (HttpContext http, ResultsDbContext db, ResultStorage storage, CancellationToken ct) => SearchAsync(http, db, storage, QueryLevel.Series, null, null, ct))
            .WithName("qido_rs_series").WithSummary("QIDO-RS: search series.").Qido();
        dicomWeb.MapGet("/studies/{study}/series", (string study, HttpContext http, ResultsDbContext db, ResultStorage storage, CancellationToken ct) =>
            SearchAsync(http, db, storage, QueryLevel.Series, study, null, ct)).WithName("qido_rs_study_series")
            .WithSummary("QIDO-RS: search the series of a study.").Qido();
        dicomWeb.MapGet("/studies/{study}/series/{series}/instances", (string study, string series, HttpContext http, ResultsDbContext db, ResultStorage storage,
            CancellationToken ct) =>
            SearchAsync(http, db, storage, QueryLevel.Instance, study, series, ct)).WithName("qido_rs_series_instances")
            .WithSummary("QIDO-RS: search the instances of a series.").Qido();
        dicomWeb.MapGet("/instances", (HttpContext http, ResultsDbContext db, ResultStorage storage, CancellationToken ct) => SearchAsync(http, db, storage, QueryLevel.Instance, null, null, ct))
            .WithName("qido_rs_instances").WithSummary("QIDO-RS: search instances.").Qido();
        return dicomWeb;
    }

    private static RouteHandlerBuilder Stow(this RouteHandlerBuilder builder) => builder
        .WithDescription("Each part is one instance. The answer is the Store Instances Response (DICOM JSON): 200 when every instance was "
            + "stored, 202 when some were, 409 when none was (its FailedSOPSequence says why for each).")
        .AcceptsRaw("multipart/related", "multipart/related; type=\"application/dicom\"; boundary=…, one DICOM Part-10 instance per part.")
        .ProducesBody(StatusCodes.Status200OK, DicomJsonType, JsonSchemaType.Object, "Store Instances Response: every instance stored (ReferencedSOPSequence).")
        .ProducesBody(StatusCodes.Status202Accepted, DicomJsonType, JsonSchemaType.Object, "Store Instances Response: some instances stored, the others in FailedSOPSequence.")
        .ProducesBody(StatusCodes.Status409Conflict, DicomJsonType, JsonSchemaType.Object, "Store Instances Response: no instance stored; FailedSOPSequence says why.")
        .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);

    private static RouteHandlerBuilder Wado(this RouteHandlerBuilder builder) => builder
        .WithHeader("Accept", "multipart/related; type=\"application/dicom\" (or */*); anything else is 406.")
        .ProducesBody(StatusCodes.Status200OK, "multipart/related", JsonSchemaType.String, "multipart/related; type=\"application/dicom\": one Part-10 instance per part.")
        .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status406NotAcceptable);

    private static RouteHandlerBuilder Metadata(this RouteHandlerBuilder builder) => builder
        .ProducesBody(StatusCodes.Status200OK, DicomJsonType, JsonSchemaType.Array, "One DICOM JSON dataset per instance, without bulk data.")
        .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);

    private static RouteHandlerBuilder Qido(this RouteHandlerBuilder builder) => builder
        .WithDescription("Matching keys: PatientID, PatientName, StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID, AccessionNumber, Modality "
            + "(ModalitiesInStudy), StudyDate (yyyymmdd or a range); includefield (keywords, tags or 'all'), limit (1 to 1000), offset, fuzzymatching.")
        .WithQueryParameter("PatientID", "Match this patient id.")
        .WithQueryParameter("StudyDate", "A DICOM date or range: yyyymmdd, yyyymmdd-, -yyyymmdd or yyyymmdd-yyyymmdd.")
        .WithQueryParameter("includefield", "Further attributes to answer: keywords, eight-digit tags, or 'all'; comma-separated.")
        .WithQueryParameter("limit", "How many matches to answer at most (1 to 1000).")
        .WithQueryParameter("offset", "How many matches to skip, for paging.")
        .ProducesBody(StatusCodes.Status200OK, DicomJsonType, JsonSchemaType.Array, "The matches, one DICOM JSON dataset each.")
        .ProducesProblems(StatusCodes.Status400BadRequest);

    private const string DicomJsonType = "application/dicom+json";

    private static async Task<(List<DicomInstance>? Found, ProblemHttpResult? Refusal)> FindAsync(HttpContext http, ResultsDbContext db, string study, string? series,
        string? instance, CancellationToken ct)
    {
        foreach (var uid in new[] { study, series, instance }.OfType<string>())
        {
            if (DicomUid.Validate(uid) is { } invalid)
            {
                return (null, ApiProblems.BadRequest("Invalid UID", $"'{uid.Shorten(70)}': {invalid}. Use a UID of digits and dots, at most 64 characters."));
            }
        }

        var source = CurrentUser.From(http.User).SourceId;
        var found = await db.Instances.AsNoTracking()
            .Where(i => i.SourceId == source && i.StudyInstanceUid == study && (series == null || i.SeriesInstanceUid == series) && (instance == null || i.SopInstanceUid == instance))
            .OrderBy(i => i.SeriesInstanceUid).ThenBy(i => i.InstanceNumber).ThenBy(i => i.SopInstanceUid).ToListAsync(ct);
        // Another source's study is as absent as one never stored: its existence is not revealed.
        return found.Count == 0
            ? (null, TypedResults.Problem(title: $"{(instance is not null ? "Instance" : series is not null ? "Series" : "Study")} not found",
                detail: $"Your source has no {(instance is not null ? "instance" : series is not null ? "series" : "study")} with that UID; check the UID, or store the instances first (POST /dicom-web/studies).",
                statusCode: StatusCodes.Status404NotFound))
            : (found, null);
    }

    private static bool Accepts(HttpRequest request, string mediaType)
    {
        var accept = request.Headers.Accept.ToString();
        return accept.Length == 0 || accept.Contains("*/*", StringComparison.Ordinal) || accept.Contains(mediaType, StringComparison.OrdinalIgnoreCase);
    }
}
