using System.Diagnostics;
using Microsoft.Extensions.Hosting;

namespace ServiceDefaults.Tests;

/// <summary>A span's URL tags lose the values of secret query parameters and keep everything else.</summary>
public sealed class SecretQueryRedactionTests
{
    [Theory]
    [InlineData("expires=1700000000&signature=0a1b2c", "expires=1700000000&signature=Redacted")]
    [InlineData("http://h:1/results/files/x.json?expires=1&Signature=ab&token=cd", "http://h:1/results/files/x.json?expires=1&Signature=Redacted&token=Redacted")]
    [InlineData("/a?access_token=xyz&page=2", "/a?access_token=Redacted&page=2")]
    [InlineData("page=2&limit=10", "page=2&limit=10")]
    [InlineData("signaturex=1&keys=2", "signaturex=1&keys=2")]
    [InlineData("sig%6Eature=abc", "sig%6Eature=Redacted")]
    public void Secret_parameters_lose_their_values(string url, string expected) =>
        Assert.Equal(expected, SecretQueryRedaction.Redact(url));

    [Fact]
    public void A_span_ends_with_its_url_tags_redacted_and_other_tags_untouched()
    {
        using var activity = new Activity("GET /results/files").Start();
        activity.SetTag("url.query", "expires=9&signature=0123456789abcdef");
        activity.SetTag("url.full", "http://localhost:5080/results/files/a.json?expires=9&signature=0123456789abcdef");
        activity.SetTag("url.path", "/results/files/a.json");
        activity.Stop();

        new SecretQueryRedaction().OnEnd(activity);

        Assert.Equal("expires=9&signature=Redacted", activity.GetTagItem("url.query"));
        Assert.Equal("http://localhost:5080/results/files/a.json?expires=9&signature=Redacted", activity.GetTagItem("url.full"));
        Assert.Equal("/results/files/a.json", activity.GetTagItem("url.path"));
    }
}
