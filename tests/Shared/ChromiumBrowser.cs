using Microsoft.Playwright;

namespace Imaging.TestSupport.Browser;

/// <summary>
/// Debian's chromium (/usr/bin/chromium), headless, driven by Playwright, for the tests that look at a page as a person
/// does; screenshots go to artifacts/screenshots/{folder}. Compiled into each test project that uses it (linked from
/// tests/Shared), so only those projects carry Playwright's driver.
/// </summary>
public sealed class ChromiumBrowser : IAsyncDisposable
{
    public const string Executable = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly string _screenshots;

    private ChromiumBrowser(IPlaywright playwright, IBrowser browser, string screenshots)
    {
        _playwright = playwright;
        Browser = browser;
        _screenshots = screenshots;
    }

    public IBrowser Browser { get; }

    /// <summary>Starts chromium without the background calls this machine's closed network refuses.</summary>
    public static async Task<ChromiumBrowser> LaunchAsync(string screenshotFolder)
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing: install Debian's chromium (scripts/prerequisites.sh test does).");
        }

        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Executable,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        return new ChromiumBrowser(playwright, browser, Path.Combine(RepositoryRoot(), "artifacts", "screenshots", screenshotFolder));
    }

    public Task<IPage> NewPageAsync(int width, int height) =>
        Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });

    /// <summary>The whole page as artifacts/screenshots/{folder}/{name}.png, for the docs.</summary>
    public async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(_screenshots);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(_screenshots, name + ".png"), FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "aspire.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? AppContext.BaseDirectory;
    }
}
