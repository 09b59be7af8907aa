using Imaging.TestSupport.Browser;
using Imaging.TestSupport.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ResultsApi.Tests;

/// <summary>ResultsApi on Kestrel, for a real browser to load /viewer from it.</summary>
public sealed class ViewerFactory : ResultsApiFactory
{
    public ViewerFactory(TestServers servers)
        : base(servers)
    {
        UseKestrel(0);
    }

    public Uri Address { get; private set; } = null!;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        Address = new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }
}

/// <summary>
/// The viewer's shell in Debian's chromium (Playwright): log in, find a study through QIDO-RS by patient and modality,
/// open it (also from its link) and see its series; a user of another source sees none of it. Screenshots are saved
/// under artifacts/screenshots/viewer for docs/viewer.md.
/// </summary>
public sealed class ViewerTests(ViewerFactory api) : IClassFixture<ViewerFactory>, IAsyncLifetime
{
    private static readonly float Patience = 30_000;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ChromiumBrowser _chromium = null!;

    public async ValueTask InitializeAsync() => _chromium = await ChromiumBrowser.LaunchAsync("viewer");

    public ValueTask DisposeAsync() => _chromium.DisposeAsync();

    [Fact]
    public async Task A_user_finds_a_study_by_patient_and_modality_opens_it_and_sees_its_series()
    {
        var (patient, study) = await StoreStudyAsync(await api.LoginAsync(), "CT", series: 2);
        var page = await NewPageAsync();

        await LogInAsync(page, "admin", ResultsApiFactory.AdminPassword);
        await page.GetByLabel("Patient name").FillAsync(patient);
        await page.GetByLabel("Modality").FillAsync("CT");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();

        var rows = page.Locator("#studies tbody tr");
        await Expect(rows).ToHaveCountAsync(1, new() { Timeout = Patience });
        await Expect(rows.First).ToContainTextAsync(patient);
        await Expect(rows.First).ToContainTextAsync("CT");
        await ScreenshotAsync(page, "1-studies");

        await rows.First.ClickAsync();
        await Expect(page.Locator("#series tbody tr")).ToHaveCountAsync(2, new() { Timeout = Patience });
        await Expect(page.Locator("#study-title")).ToContainTextAsync(patient);
        Assert.Contains($"StudyInstanceUIDs={study}", page.Url, StringComparison.Ordinal);
        await ScreenshotAsync(page, "2-study");

        // The same study from its link, as the dashboard and the results' JSON will give it.
        var linked = await NewPageAsync();
        await linked.GotoAsync(new Uri(api.Address, $"/viewer/?StudyInstanceUIDs={study}").ToString());
        await LogInAsync(linked, "admin", ResultsApiFactory.AdminPassword, navigate: false);
        await Expect(linked.Locator("#series tbody tr")).ToHaveCountAsync(2, new() { Timeout = Patience });
    }

    [Fact]
    public async Task A_series_opens_in_the_viewport_and_the_canvas_shows_its_pixels()
    {
        // 64×64 pixels: the left half 0, the right half 1000. Drawn on the 512×512 viewport, the left half must be dark
        // and the right half bright; a blank or uniform canvas fails.
        var patient = $"Viewer^{Guid.NewGuid():N}"[..20];
        var study = DicomUid.Generate();
        var pixels = ImagePixels.Gray16([.. Enumerable.Range(0, 64 * 64).Select(i => (ushort)(i % 64 < 32 ? 0 : 1000))], 64, 64);
        var dataset = DicomImages.SecondaryCapture(new PatientStudy("P-VIEW", patient, study, DateTimeOffset.UnixEpoch), new ImageSeries(DicomUid.Generate(), 1, "MR"), 1,
            pixels, DateTimeOffset.UnixEpoch);
        using var buffer = new MemoryStream();
        DicomFile.Create(dataset).Save(buffer);
        using var stored = await (await api.LoginAsync()).PostAsync("/dicom-web/studies", StowTests.Related(buffer.ToArray()), Ct);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        var page = await NewPageAsync();
        List<string> errors = [];
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };
        page.PageError += (_, error) => errors.Add(error);

        await page.GotoAsync(new Uri(api.Address, $"/viewer/?StudyInstanceUIDs={study}").ToString());
        await LogInAsync(page, "admin", ResultsApiFactory.AdminPassword, navigate: false);
        await page.Locator("#series tbody tr").First.ClickAsync();

        await Expect(page.Locator("#image-status")).ToHaveTextAsync("Image 1 of 1", new() { Timeout = Patience });
        var means = await HalvesAsync(page, m => m[1] - m[0] >= 100);

        Assert.True(means[0] < 40, $"the left half, 0 in the DICOM, is drawn at grey {means[0]:F0}");
        Assert.True(means[1] > 200, $"the right half, the maximum in the DICOM, is drawn at grey {means[1]:F0}");
        Assert.Empty(errors);
        await ScreenshotAsync(page, "3-image");
    }

    [Fact]
    public async Task A_CT_series_scrolls_by_keys_and_wheel_and_its_window_presets_draw_the_Hounsfield_units_they_should()
    {
        // Three CT slices, each with lung (-700 HU) on the left and soft tissue (40 HU) on the right, stored with the
        // usual rescale intercept of -1024.
        var patient = $"Viewer^{Guid.NewGuid():N}"[..20];
        var study = DicomUid.Generate();
        var series = new ImageSeries(DicomUid.Generate(), 1, "CT");
        var client = await api.LoginAsync();
        for (var slice = 1; slice <= 3; slice++)
        {
            var pixels = ImagePixels.Gray16([.. Enumerable.Range(0, 64 * 64).Select(i => (ushort)(1024 + (i % 64 < 32 ? -700 : 40)))], 64, 64);
            var dataset = DicomImages.SecondaryCapture(new PatientStudy("P-VIEW", patient, study, DateTimeOffset.UnixEpoch), series, slice, pixels, DateTimeOffset.UnixEpoch)
                .AddOrUpdate(DicomTag.RescaleIntercept, DicomVR.DS, "-1024")
                .AddOrUpdate(DicomTag.RescaleSlope, DicomVR.DS, "1");
            using var buffer = new MemoryStream();
            DicomFile.Create(dataset).Save(buffer);
            using var stored = await client.PostAsync("/dicom-web/studies", StowTests.Related(buffer.ToArray()), Ct);
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        }

        var page = await NewPageAsync();
        await page.GotoAsync(new Uri(api.Address, $"/viewer/?StudyInstanceUIDs={study}").ToString());
        await LogInAsync(page, "admin", ResultsApiFactory.AdminPassword, navigate: false);
        await page.Locator("#series tbody tr").First.ClickAsync();
        await Expect(page.Locator("#image-status")).ToHaveTextAsync("Image 1 of 3", new() { Timeout = Patience });

        // Scroll: an arrow key, then the wheel over the image.
        await page.Locator("#viewport").PressAsync("ArrowDown");
        await Expect(page.Locator("#image-status")).ToHaveTextAsync("Image 2 of 3", new() { Timeout = Patience });
        await page.Locator("#viewport").HoverAsync();
        await page.Mouse.WheelAsync(0, 120);
        await Expect(page.Locator("#image-status")).ToHaveTextAsync("Image 3 of 3", new() { Timeout = Patience });

        // Lung (center -600, width 1500): -700 HU at about 43% grey (110), 40 HU near white (236).
        await page.GetByRole(AriaRole.Button, new() { Name = "Lung" }).ClickAsync();
        var lung = await HalvesAsync(page, m => m[0] is > 80 and < 140 && m[1] > 210);
        // Mediastinum (center 50, width 350): -700 HU black, 40 HU at about 47% grey (120).
        await page.GetByRole(AriaRole.Button, new() { Name = "Mediastinum" }).ClickAsync();
        var mediastinum = await HalvesAsync(page, m => m[0] < 20 && m[1] is > 90 and < 150);

        Assert.True(lung[0] is > 80 and < 140 && lung[1] > 210, $"lung window: {lung[0]:F0} and {lung[1]:F0}");
        Assert.True(mediastinum[0] < 20 && mediastinum[1] is > 90 and < 150, $"mediastinum window: {mediastinum[0]:F0} and {mediastinum[1]:F0}");
        await ScreenshotAsync(page, "4-ct-mediastinum");
    }

    [Fact]
    public async Task A_user_of_another_source_sees_none_of_this_sources_studies_not_even_from_a_link()
    {
        var (patient, study) = await StoreStudyAsync(await api.LoginAsync(), "MR", series: 1);
        var (otherPatient, _) = await StoreStudyAsync(await api.LoginAsync("other", "other-password"), "MR", series: 1);
        var page = await NewPageAsync();

        await LogInAsync(page, "other", "other-password");
        await page.GetByLabel("Patient name").FillAsync("Viewer");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();

        await Expect(page.Locator("#studies tbody tr", new() { HasText = otherPatient })).ToHaveCountAsync(1, new() { Timeout = Patience });
        await Expect(page.Locator("#studies tbody tr", new() { HasText = patient })).ToHaveCountAsync(0);
        await page.GotoAsync(new Uri(api.Address, $"/viewer/?StudyInstanceUIDs={study}").ToString());
        await Expect(page.Locator("#study-status")).ToHaveTextAsync("No study with this UID that you may see.", new() { Timeout = Patience });
        await Expect(page.Locator("#series tbody tr")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_viewer_is_served_under_its_own_policy_with_every_asset_from_this_service()
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = api.Address };

        using var bare = await client.GetAsync("/viewer", Ct);
        using var index = await client.GetAsync("/viewer/", Ct);
        var html = await index.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.MovedPermanently, bare.StatusCode);
        Assert.EndsWith("/viewer/", bare.Headers.Location?.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal("text/html", index.Content.Headers.ContentType?.MediaType);
        Assert.Empty(SecurityHeaderChecks.Problems(index, SecurityDefaults.ViewerContentSecurityPolicy));
        // No CDN, no font or script from elsewhere: every src and href is this service's own.
        var references = System.Text.RegularExpressions.Regex.Matches(html, "(?:src|href)=\"([^\"]+)\"").Select(m => m.Groups[1].Value)
            .Where(reference => !reference.StartsWith("data:", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(references);
        Assert.All(references, reference => Assert.DoesNotContain("//", reference, StringComparison.Ordinal));
        foreach (var reference in references)
        {
            using var asset = await client.GetAsync(new Uri(new Uri(api.Address, "/viewer/"), reference), Ct);
            Assert.True(asset.StatusCode == HttpStatusCode.OK, $"{reference}: {(int)asset.StatusCode}");
        }

        // And the page runs under that policy: nothing it does is refused.
        var page = await NewPageAsync();
        List<string> refused = [];
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                refused.Add($"{message.Text} ({message.Location})");
            }
        };
        await page.GotoAsync(new Uri(api.Address, "/viewer/").ToString());
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Log in" })).ToBeVisibleAsync(new() { Timeout = Patience });
        Assert.Empty(refused);
    }

    /// <summary>
    /// The mean grey of the middle of the viewport's left and right halves, as Pillow reads a screenshot of it; taken
    /// again for up to 10 s until <paramref name="settled"/> holds (drawing follows a click by a frame or more).
    /// </summary>
    private static async Task<double[]> HalvesAsync(IPage page, Func<double[], bool> settled)
    {
        var png = Path.Combine(Directory.CreateTempSubdirectory("viewer-canvas-").FullName, "viewport.png");
        double[] means = [];
        for (var attempt = 0; attempt < 50 && (means.Length == 0 || !settled(means)); attempt++)
        {
            await Task.Delay(attempt == 0 ? 0 : 200, Ct);
            await page.Locator("#viewport").ScreenshotAsync(new LocatorScreenshotOptions { Path = png });
            means = JsonSerializer.Deserialize<double[]>(ExternalTool.Run("/usr/bin/python3", Path.Combine(AppContext.BaseDirectory, "Oracle", "image_regions.py"),
                png, "64,192,192,320", "320,192,448,320"))!;
        }

        return means;
    }

    private Task<IPage> NewPageAsync() => _chromium.NewPageAsync(1400, 900);

    private async Task LogInAsync(IPage page, string username, string password, bool navigate = true)
    {
        if (navigate)
        {
            await page.GotoAsync(new Uri(api.Address, "/viewer").ToString());
        }

        await page.GetByLabel("User").FillAsync(username);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Log out" })).ToBeVisibleAsync(new() { Timeout = Patience });
    }

    /// <summary>A study of <paramref name="series"/> series of one instance each, stored by STOW-RS as the client's user; its patient name and UID.</summary>
    private static async Task<(string Patient, string Study)> StoreStudyAsync(HttpClient client, string modality, int series)
    {
        var patient = $"Viewer^{Guid.NewGuid():N}"[..20];
        var study = DicomUid.Generate();
        var context = new PatientStudy("P-VIEW", patient, study, new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero), "ACC-V1", StudyDescription: "Viewer test");
        for (var number = 1; number <= series; number++)
        {
            var dataset = DicomImages.SecondaryCapture(context, new ImageSeries(DicomUid.Generate(), number, modality), 1,
                ImagePixels.Gray16([.. Enumerable.Range(0, 32 * 32).Select(i => (ushort)i)], 32, 32), DateTimeOffset.UnixEpoch);
            using var buffer = new MemoryStream();
            DicomFile.Create(dataset).Save(buffer);
            using var stored = await client.PostAsync("/dicom-web/studies", StowTests.Related(buffer.ToArray()), Ct);
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        }

        return (patient, study);
    }

    private Task ScreenshotAsync(IPage page, string name) => _chromium.ScreenshotAsync(page, name);
}
