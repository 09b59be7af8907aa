using System.Globalization;
using System.Net;
using System.Text.Json;
using WorkflowWorker.Tests.ChestCt;

namespace EndToEnd.Tests;

/// <summary>
/// qCT through the whole application: a chest CT phantom with known truth, written by pydicom in a shuffled order,
/// uploaded through the vendor form, answers the seed's 202 at once, is queued by itself once complete, and answers 200
/// with usecase qct, its images and a report whose figures match the phantom's truth.
/// </summary>
[Collection(WholeApplicationCollection.Name)]
public sealed class QctEndToEndTests(WholeApplication whole) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qct-e2e-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_chest_CT_is_analysed_without_a_compute_call_and_its_report_matches_the_phantom()
    {
        var phantom = new ChestPhantom { SliceMm = 5, Size = 128, PixelMm = 2.5, NoiseSd = 25 };
        var volume = phantom.Build();
        var raw = Path.Combine(_folder, "volume.f32");
        await File.WriteAllBytesAsync(raw, System.Runtime.InteropServices.MemoryMarshal.AsBytes(volume.Hounsfield.AsSpan()).ToArray(), Ct);
        var series = Directory.CreateDirectory(Path.Combine(_folder, "series")).FullName;
        ExternalTool.Run("/usr/bin/python3", Path.Combine(AppContext.BaseDirectory, "Oracle", "chest_ct.py"), raw, $"{volume.Columns}", $"{volume.Rows}",
            $"{volume.Slices}", phantom.PixelMm.ToString(CultureInfo.InvariantCulture), phantom.SliceMm.ToString(CultureInfo.InvariantCulture), series);
        var files = Directory.GetFiles(series).Order(StringComparer.Ordinal).ToList();
        var seriesUid = Imaging.Dicom.DicomFile.Open(files[0]).Dataset.GetString(Imaging.Dicom.DicomTag.SeriesInstanceUID)!;
        var vendor = await whole.VendorClientAsync("qct end-to-end", Ct);

        using (var form = new MultipartFormDataContent())
        {
            for (var i = 0; i < files.Count; i++)
            {
                form.Add(new ByteArrayContent(await File.ReadAllBytesAsync(files[i], Ct)), $"file_{i}", Path.GetFileName(files[i]));
            }

            using var upload = await vendor.PostAsync("/studies", form, Ct);
            Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        }

        using (var waiting = await vendor.GetAsync($"/results/{seriesUid}", Ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, waiting.StatusCode);
        }

        var results = await WaitForResultsAsync(vendor, seriesUid);
        Assert.Equal("qct", results.GetProperty("usecase").GetString());
        Assert.Equal("Critical", results.GetProperty("triage_status").GetString());
        var links = results.GetProperty("result").GetProperty("files");
        Assert.Equal(["sc", "pdf", "sc_key_slices", "json", "hl7", "encapsulated_pdf"], links.EnumerateObject().Select(p => p.Name));
        Assert.Equal(12, links.GetProperty("sc").GetArrayLength());
        Assert.Equal(3, links.GetProperty("sc_key_slices").GetArrayLength());

        var anonymous = whole.App.CreateHttpClient("resultsapi");
        var report = JsonDocument.Parse(await anonymous.GetByteArrayAsync(new Uri(links.GetProperty("json")[0].GetString()!).PathAndQuery, Ct)).RootElement;
        var total = ChestPhantom.EllipsoidMl(phantom.RightLung) + ChestPhantom.EllipsoidMl(phantom.LeftLung);
        Assert.InRange(report.GetProperty("lungs").GetProperty("volume_ml").GetDouble(), 0.95 * total, 1.05 * total);
        Assert.InRange(report.GetProperty("lungs").GetProperty("laa950_percent").GetDouble(), phantom.TrueLaa950Percent - 1, phantom.TrueLaa950Percent + 1);
        var diameters = report.GetProperty("nodules").EnumerateArray().Select(n => n.GetProperty("longest_diameter_mm").GetDouble()).ToList();
        var truth = phantom.Nodules.Select(n => n.DiameterMm).OrderDescending().ToList();
        Assert.Equal(truth.Count, diameters.Count);
        Assert.All(truth.Zip(diameters), p => Assert.InRange(p.Second, p.First - 1.5, p.First + 1.5));
        var hl7 = System.Text.Encoding.UTF8.GetString(await anonymous.GetByteArrayAsync(new Uri(links.GetProperty("hl7")[0].GetString()!).PathAndQuery, Ct));
        Assert.StartsWith("MSH|^~\\&|IMAGING-RESULTS|", hl7, StringComparison.Ordinal);
        Assert.Contains("\rPID|1||QCT-PHANTOM^^^^PI||Phantom^Chest|", hl7, StringComparison.Ordinal);
        Assert.True(hl7.Split('\r').Count(s => s.StartsWith("OBX|", StringComparison.Ordinal)) >= 3);
        var pdf = Path.Combine(_folder, "report.pdf");
        await File.WriteAllBytesAsync(pdf, await anonymous.GetByteArrayAsync(new Uri(links.GetProperty("pdf")[0].GetString()!).PathAndQuery, Ct), Ct);
        Assert.Contains("Patient: Phantom Chest", ExternalTool.Run("pdftotext", pdf, "-"), StringComparison.Ordinal);
        var encapsulated = Path.Combine(_folder, "report-pdf.dcm");
        await File.WriteAllBytesAsync(encapsulated, await anonymous.GetByteArrayAsync(new Uri(links.GetProperty("encapsulated_pdf")[0].GetString()!).PathAndQuery, Ct), Ct);
        var (_, verified, verifyErrors) = ExternalTool.RunUnchecked("dciodvfy", encapsulated);
        Assert.Contains("EncapsulatedPDF", verified + verifyErrors, StringComparison.Ordinal);
        Assert.DoesNotContain("Error", verified + verifyErrors, StringComparison.Ordinal);
        var key = await anonymous.GetByteArrayAsync(new Uri(links.GetProperty("sc_key_slices")[0].GetString()!).PathAndQuery, Ct);
        Assert.Equal("QCT-PHANTOM", Imaging.Dicom.DicomReader.Read(new MemoryStream(key)).Dataset.GetString(Imaging.Dicom.DicomTag.PatientID));
    }

    private static async Task<JsonElement> WaitForResultsAsync(HttpClient vendor, string series)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            using var response = await vendor.GetAsync($"/results/{series}", Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return JsonDocument.Parse(body).RootElement.Clone();
            }

            // Never a 409 after a normal upload: only the seed's 202 on the way.
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"/results answered {(int)response.StatusCode}: {body}");
            Assert.True(DateTime.UtcNow < deadline, $"series {series} still processing after 120 s");
            await Task.Delay(250, Ct);
        }
    }
}
