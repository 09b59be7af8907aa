namespace Imaging.ResultsApi.OpenApi;

/// <summary>
/// Endpoint metadata: a body that has no C# type for the generator to describe: a request body (StatusCode null) the
/// handler reads itself (a form, a raw upload, multipart/related), or a response that is DICOM JSON, a file or a
/// free-form JSON document. <paramref name="FormFields"/> lists a form's fields ("name" a file, "name[]" several files, "name:text" a text field).
/// </summary>
public sealed record DocumentedBody(int? StatusCode, string ContentType, JsonSchemaType Type, string Description, IReadOnlyList<string>? FormFields = null);
