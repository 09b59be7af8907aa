using System.Net;

namespace Imaging.TestSupport;

/// <summary>A client of the app host's dashboard API, logged in through the run's login link as a browser would be.</summary>
public static class DashboardSession
{
    public static async Task<HttpClient> LoginAsync(Uri loginUrl, CancellationToken cancellationToken)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = new Uri(loginUrl.GetLeftPart(UriPartial.Authority)),
        };
        using var login = await client.GetAsync(loginUrl, cancellationToken);
        if (login.StatusCode != HttpStatusCode.Redirect)
        {
            client.Dispose();
            throw new InvalidOperationException($"The dashboard refused its own login link: {(int)login.StatusCode}.");
        }

        return client;
    }
}
