using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace ResultsApi.Tests;

/// <summary>No secret is kept as given: access tokens and source tokens as SHA-256 hashes, passwords as PasswordHasher v3 hashes.</summary>
public sealed class SecretsAtRestTests(ResultsApiFactory api) : IClassFixture<ResultsApiFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task No_row_of_any_table_holds_an_issued_access_token_a_source_token_or_a_password()
    {
        var admin = await api.LoginAsync();
        var accessToken = admin.DefaultRequestHeaders.Authorization!.Parameter!;
        using var created = await admin.PostAsJsonAsync("/api/v1/sources/tokens", new { name = "at rest" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var sourceToken = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("token").GetString()!;
        // Used once each, so whatever a use records is in the database too.
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/exam/all", Ct)).StatusCode);
        using var vendor = new HttpRequestMessage(HttpMethod.Get, "/results/1.2.3") { Headers = { { "Authorization", "Token " + sourceToken }, { "Source", "default" } } };
        Assert.Equal(HttpStatusCode.NotFound, (await api.CreateClient().SendAsync(vendor, Ct)).StatusCode);

        var secrets = new Dictionary<string, string>
        {
            ["access token"] = accessToken,
            ["access token bytes"] = Convert.ToHexStringLower(Base64UrlDecode(accessToken)),
            ["source token"] = sourceToken,
            ["source token bytes"] = Convert.ToHexStringLower(Encoding.ASCII.GetBytes(sourceToken)),
            ["admin password"] = ResultsApiFactory.AdminPassword,
            ["admin password bytes"] = Convert.ToHexStringLower(Encoding.UTF8.GetBytes(ResultsApiFactory.AdminPassword)),
            ["worker password"] = ResultsApiFactory.WorkerPassword,
            ["other's password"] = "other-password",
        };

        var rows = await AllRowsAsync();

        // A row as PostgreSQL prints it: text as is, bytea as \x followed by lower-case hex.
        Assert.Contains(rows, row => row.Text.Contains("workflow-worker", StringComparison.Ordinal));
        Assert.Equal(["public.access_tokens", "public.source_api_tokens", "public.users"],
            rows.Select(r => r.Table).Where(t => t is "public.access_tokens" or "public.source_api_tokens" or "public.users").Distinct().Order(StringComparer.Ordinal));
        var found = rows.SelectMany(row => secrets.Where(secret => row.Text.Contains(secret.Value, StringComparison.OrdinalIgnoreCase)).Select(secret => $"{secret.Key} in {row.Table}"))
            .Distinct().ToList();
        Assert.True(found.Count == 0, string.Join("\n", found));
    }

    [Fact]
    public async Task Passwords_are_stored_as_PasswordHasher_v3_hashes_that_verify()
    {
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        var hasher = scope.ServiceProvider.GetRequiredService<IPasswordHasher<User>>();
        var users = await db.Users.AsNoTracking().ToListAsync(Ct);
        var passwords = new Dictionary<string, string>
        {
            ["admin"] = ResultsApiFactory.AdminPassword,
            ["workflow-worker"] = ResultsApiFactory.WorkerPassword,
            ["other"] = "other-password",
        };

        Assert.All(passwords, known => Assert.Contains(users, user => user.Username == known.Key));
        foreach (var user in users.Where(u => passwords.ContainsKey(u.Username)))
        {
            var hash = Convert.FromBase64String(user.PasswordHash);
            // Format marker 0x01 (v3: PBKDF2 with HMAC-SHA512 in .NET 10's defaults), then PRF, iteration count, salt length, salt and subkey.
            Assert.Equal(0x01, hash[0]);
            Assert.True(ReadNetworkOrder(hash, 5) >= 100_000, $"{user.Username}: {ReadNetworkOrder(hash, 5)} iterations");
            Assert.True(ReadNetworkOrder(hash, 9) >= 16, $"{user.Username}: a salt of {ReadNetworkOrder(hash, 9)} bytes");
            Assert.Equal(PasswordVerificationResult.Success, hasher.VerifyHashedPassword(user, user.PasswordHash, passwords[user.Username]));
        }
    }

    private async Task<List<(string Table, string Text)>> AllRowsAsync()
    {
        await using var connection = new NpgsqlConnection(api.ConnectionStrings["ConnectionStrings__resultsdb"]);
        await connection.OpenAsync(Ct);
        List<string> tables = [];
        await using (var list = new NpgsqlCommand("SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables "
            + "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')", connection))
        await using (var reader = await list.ExecuteReaderAsync(Ct))
        {
            while (await reader.ReadAsync(Ct))
            {
                tables.Add(reader.GetString(0));
            }
        }

        List<(string, string)> rows = [];
        foreach (var table in tables)
        {
            await using var select = new NpgsqlCommand($"SELECT t::text FROM {table} t", connection);
            await using var reader = await select.ExecuteReaderAsync(Ct);
            while (await reader.ReadAsync(Ct))
            {
                rows.Add((table, reader.GetString(0)));
            }
        }

        return rows;
    }

    private static uint ReadNetworkOrder(byte[] bytes, int offset) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(offset, 4));

    private static byte[] Base64UrlDecode(string text) =>
        Convert.FromBase64String(text.Replace('-', '+').Replace('_', '/') + new string('=', (4 - text.Length % 4) % 4));
}
