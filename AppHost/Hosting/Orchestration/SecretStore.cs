using System.Security.Cryptography;
using System.Text.Json;

namespace AppHost.Hosting.Orchestration;

/// <summary>
/// Passwords generated on first use and kept in {data}/secrets.json (mode 600), so a server initialised on the first
/// run accepts the same password on every later run. Aspire keeps them in user secrets; the effect is the same.
/// </summary>
public sealed class SecretStore(string dataDirectory)
{
    private readonly Lock _gate = new();
    private Dictionary<string, string>? _secrets;

    /// <summary>The length of every generated password (also what the manifest asks a deployment tool to generate).</summary>
    public const int GeneratedLength = 24;

    public string FilePath { get; } = Path.Combine(dataDirectory, "secrets.json");

    public string GetOrCreatePassword(string key)
    {
        lock (_gate)
        {
            _secrets ??= Load();
            if (!_secrets.TryGetValue(key, out var value))
            {
                // Letters and digits only: the value goes into URIs and connection strings unescaped.
                value = RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", GeneratedLength);
                _secrets[key] = value;
                Save(_secrets);
            }

            return value;
        }
    }

    private Dictionary<string, string> Load()
    {
        if (!File.Exists(FilePath))
        {
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }

        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(FilePath))
                ?? new Dictionary<string, string>(StringComparer.Ordinal);
        }
        catch (JsonException ex)
        {
            throw new DistributedApplicationException(
                $"The app host's secrets file {FilePath} is not valid JSON ({ex.Message}). Restore it, or delete the whole data folder "
                + $"{Path.GetDirectoryName(FilePath)} to start from scratch (its servers' data goes with it).", ex);
        }
    }

    private void Save(Dictionary<string, string> secrets)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var temporary = FilePath + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(secrets, new JsonSerializerOptions { WriteIndented = true }));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, FilePath, overwrite: true);
    }
}
