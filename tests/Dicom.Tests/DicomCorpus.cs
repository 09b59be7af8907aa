using System.Text.Json.Nodes;

[assembly: AssemblyFixture(typeof(Dicom.Tests.DicomCorpus))]

namespace Dicom.Tests;

/// <summary>
/// The test files, made at test time by pydicom and DCMTK (nothing downloaded): every transfer syntax the reader
/// supports, sequences of defined and undefined length, private tags, multi-frame, raw datasets, encapsulated
/// pixel data. Also pydicom's reading of each, to compare with ours.
/// </summary>
public sealed class DicomCorpus : IAsyncLifetime
{
    /// <summary>Part-10 files and raw datasets, by name (the same names the tests' theories list).</summary>
    public static readonly string[] Files =
    [
        "pydicom-explicit-le-undefined-sq.dcm", "pydicom-explicit-le-defined-sq.dcm", "pydicom-implicit-le.dcm",
        "pydicom-implicit-le-defined-sq.dcm", "pydicom-big-endian.dcm", "pydicom-deflated.dcm", "pydicom-raw-implicit.raw",
        "pydicom-raw-explicit.raw", "pydicom-multiframe.dcm", "pydicom-nested.dcm",
        "img2dcm-sc.dcm", "dcmconv-implicit.dcm", "dcmconv-explicit.dcm", "dcmconv-big-endian.dcm", "dcmconv-deflated.dcm",
        "dcmodify-private-and-sequence.dcm", "dcmcrle-rle.dcm", "dcmcjpeg-jpeg-lossless.dcm",
    ];

    private JsonObject? _pydicom;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "dicom-corpus-" + Guid.NewGuid().ToString("N")[..8]);

    public string PathOf(string name) => Path.Combine(Directory, name);

    /// <summary>pydicom's reading of a corpus file: {meta: [...], dataset: [...], little_endian}.</summary>
    public JsonObject Pydicom(string name) => _pydicom![PathOf(name)]!.AsObject();

    public ValueTask InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        Tools.RunChecked(Tools.Python, Tools.OracleScript("pydicom_corpus.py"), Directory);

        var bitmap = PathOf("image.bmp");
        File.WriteAllBytes(bitmap, Bitmap.Gradient(33, 17));
        Tools.RunChecked("img2dcm", "-i", "BMP", bitmap, PathOf("img2dcm-sc.dcm"), "-k", "PatientName=Doe^Jane", "-k", "PatientID=IMG-1");
        Tools.RunChecked("dcmconv", "+ti", PathOf("img2dcm-sc.dcm"), PathOf("dcmconv-implicit.dcm"));
        Tools.RunChecked("dcmconv", "+te", PathOf("dcmconv-implicit.dcm"), PathOf("dcmconv-explicit.dcm"));
        Tools.RunChecked("dcmconv", "+tb", PathOf("img2dcm-sc.dcm"), PathOf("dcmconv-big-endian.dcm"));
        Tools.RunChecked("dcmconv", "+td", PathOf("img2dcm-sc.dcm"), PathOf("dcmconv-deflated.dcm"));
        File.Copy(PathOf("img2dcm-sc.dcm"), PathOf("dcmodify-private-and-sequence.dcm"));
        Tools.RunChecked("dcmodify", "-nb",
            "-i", "(0009,0010)=GEMS_IDEN_01", // a private block DCMTK's private dictionary knows, so it can give the VR
            "-i", "(0009,1001)=private value",
            "-i", "(0008,1110)[0].(0008,1150)=1.2.840.10008.3.1.2.3.1",
            "-i", "(0008,1110)[0].(0008,1155)=1.2.3.4.5",
            "-i", "(0008,1110)[1].(0008,1150)=1.2.840.10008.3.1.2.3.1",
            PathOf("dcmodify-private-and-sequence.dcm"));
        Tools.RunChecked("dcmcrle", PathOf("img2dcm-sc.dcm"), PathOf("dcmcrle-rle.dcm"));
        Tools.RunChecked("dcmcjpeg", "+e1", PathOf("img2dcm-sc.dcm"), PathOf("dcmcjpeg-jpeg-lossless.dcm"));

        var dump = Tools.RunChecked(Tools.Python, [Tools.OracleScript("pydicom_dump.py"), .. Files.Select(PathOf)]);
        _pydicom = JsonNode.Parse(dump)!.AsObject();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        return ValueTask.CompletedTask;
    }
}

/// <summary>A 24-bit BMP, the input img2dcm takes.</summary>
internal static class Bitmap
{
    public static byte[] Gradient(int width, int height)
    {
        var stride = (width * 3 + 3) & ~3;
        var pixels = new byte[stride * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = y * stride + x * 3;
                pixels[i] = (byte)(x * 7);
                pixels[i + 1] = (byte)(y * 13);
                pixels[i + 2] = (byte)(x * y);
            }
        }

        var file = new byte[54 + pixels.Length];
        "BM"u8.CopyTo(file);
        BitConverter.TryWriteBytes(file.AsSpan(2), file.Length);
        BitConverter.TryWriteBytes(file.AsSpan(10), 54);
        BitConverter.TryWriteBytes(file.AsSpan(14), 40);
        BitConverter.TryWriteBytes(file.AsSpan(18), width);
        BitConverter.TryWriteBytes(file.AsSpan(22), height);
        BitConverter.TryWriteBytes(file.AsSpan(26), (short)1);
        BitConverter.TryWriteBytes(file.AsSpan(28), (short)24);
        BitConverter.TryWriteBytes(file.AsSpan(34), pixels.Length);
        pixels.CopyTo(file, 54);
        return file;
    }
}
