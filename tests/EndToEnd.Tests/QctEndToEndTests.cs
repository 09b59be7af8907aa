using System.Globalization;
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
        Assert.Equal(["sc", "pdf", "sr", "sc_key_slices", "seg", "gsps", "json", "pr", "hl7", "encapsulated_pdf"], links.EnumerateObject().Select(p => p.Name));
        Assert.Equal(12, links.GetProperty("sc").GetArrayLength());
        Assert.Equal(3, links.GetProperty("sc_key_slices").GetArrayLength());
        Assert.Equal(3, links.GetProperty("gsps").GetArrayLength());

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
        // Every DICOM object passes dciodvfy as its IOD, in the source's patient and study.
        var objects = new Dictionary<string, string>();
        foreach (var (kind, iod) in new[] { ("encapsulated_pdf", "EncapsulatedPDF"), ("seg", "Segmentation"), ("sr", "ComprehensiveSR"),
                     ("gsps", "GrayscaleSoftcopyPresentationState"), ("pr", "GrayscaleSoftcopyPresentationState"), ("sc", "SCImage"), ("sc_key_slices", "SCImage") })
        {
            foreach (var (link, i) in links.GetProperty(kind).EnumerateArray().Select((l, i) => (l.GetString()!, i)))
            {
                var file = Path.Combine(_folder, $"{kind}-{i}.dcm");
                await File.WriteAllBytesAsync(file, await anonymous.GetByteArrayAsync(new Uri(link).PathAndQuery, Ct), Ct);
                var (_, verified, verifyErrors) = ExternalTool.RunUnchecked("dciodvfy", file);
                Assert.Contains(iod, verified + verifyErrors, StringComparison.Ordinal);
                Assert.DoesNotContain("Error", verified + verifyErrors, StringComparison.Ordinal);
                objects.TryAdd(kind, file);
            }
        }

        // The SR's numbers are the report's, each group pointing at the SEG's segments.
        var sr = JsonDocument.Parse(ExternalTool.Run("/usr/bin/python3", Path.Combine(AppContext.BaseDirectory, "Oracle", "pydicom_sr.py"), objects["sr"])).RootElement;
        var groups = sr.GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal(report.GetProperty("lungs").GetProperty("volume_ml").GetDouble(), groups[0].GetProperty("measurements").GetProperty("Volume")[0].GetDouble());
        Assert.Equal(Imaging.Dicom.DicomFile.Open(objects["seg"]).Dataset.GetString(Imaging.Dicom.DicomTag.SOPInstanceUID), groups[0].GetProperty("segmentation").GetString());
        Assert.Equal(6, groups.Count);

        // The objects joined the study: QIDO-RS lists their series beside the CT, and a WADO-RS of the SEG gives it back.
        var admin = await whole.LoginAsync(Ct);
        var study = Imaging.Dicom.DicomFile.Open(files[0]).Dataset.GetString(Imaging.Dicom.DicomTag.StudyInstanceUID)!;
        var modalities = JsonDocument.Parse(await admin.GetStringAsync($"/dicom-web/studies/{study}/series", Ct)).RootElement.EnumerateArray()
            .Select(s => s.GetProperty("00080060").GetProperty("Value")[0].GetString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["CT", "DOC", "OT", "OT", "PR", "PR", "SEG", "SR"], modalities);
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
