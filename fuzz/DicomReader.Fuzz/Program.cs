using Imaging.Dicom;
using SharpFuzz;

// Every input must either read or fail with DicomFormatException (or, for a broken deflate stream, the
// inflater's InvalidDataException). Anything else — another exception, a hang, a crash — is a finding.
Fuzzer.OutOfProcess.Run(stream =>
{
    var input = new MemoryStream();
    stream.CopyTo(input);
    input.Position = 0;
    try
    {
        var file = DicomReader.Read(input, new DicomReaderOptions { MaxValueLength = 1 << 24 });
        // Exercise what the services do with what they read: write it back and describe it as JSON.
        if (!file.TransferSyntax.IsBigEndian && !file.TransferSyntax.IsDeflated && file.IsPart10)
        {
            file.Save(Stream.Null);
        }

        _ = DicomJson.Serialize(file.Dataset);
    }
    catch (DicomFormatException)
    {
    }
    catch (InvalidDataException)
    {
    }
    catch (NotSupportedException)
    {
    }
});
