using System.Text;
using Imaging.Dicom;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using SharpFuzz;

// The input is a STOW-RS request: its first line is the Content-Type header, the rest the body. The harness walks it as
// ResultsApi's STOW-RS does: the media type and boundary, then each part's headers and its DICOM instance. Every input
// must end in a part read or refused with the errors the endpoint turns into a Failed SOP or a 400 (DicomFormatException,
// InvalidDataException for a malformed body or stream, IOException); anything else is a finding.
Fuzzer.OutOfProcess.Run(stream =>
{
    var input = new MemoryStream();
    stream.CopyTo(input);
    var bytes = input.ToArray();
    var newline = Array.IndexOf(bytes, (byte)'\n');
    if (newline < 0)
    {
        return;
    }

    var header = Encoding.Latin1.GetString(bytes, 0, newline).TrimEnd('\r');
    if (!MediaTypeHeaderValue.TryParse(header, out var contentType))
    {
        return;
    }

    var boundary = HeaderUtilities.RemoveQuotes(contentType.Boundary).ToString();
    if (boundary.Length is 0 or > 200)
    {
        return;
    }

    var reader = new MultipartReader(boundary, new MemoryStream(bytes, newline + 1, bytes.Length - newline - 1))
    {
        BodyLengthLimit = 1 << 20,
    };
    try
    {
        while (reader.ReadNextSectionAsync().GetAwaiter().GetResult() is { } section)
        {
            if (section.ContentType is { } partType && !partType.StartsWith("application/dicom", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var part = new MemoryStream();
            section.Body.CopyTo(part);
            part.Position = 0;
            try
            {
                var file = DicomReader.Read(part, new DicomReaderOptions { MaxValueLength = 1 << 20 });
                _ = DicomJson.Serialize(file.Dataset);
            }
            catch (DicomFormatException)
            {
            }
            catch (NotSupportedException)
            {
            }
        }
    }
    catch (InvalidDataException)
    {
    }
    catch (IOException)
    {
    }
});
