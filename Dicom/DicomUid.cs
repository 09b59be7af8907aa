using System.Numerics;

namespace Imaging.Dicom;

/// <summary>UID generation and validation (PS3.5 §9.1; the 2.25 form from ISO/IEC 9834-8, PS3.5 §B.2).</summary>
public static class DicomUid
{
    /// <summary>A new UID: under <paramref name="root"/> when given (root + "." + a 128-bit random number, trimmed to fit 64 characters), otherwise "2.25." + a UUID as a decimal number.</summary>
    public static string Generate(string? root = null)
    {
        var random = new BigInteger(Guid.NewGuid().ToByteArray(), isUnsigned: true);
        if (string.IsNullOrEmpty(root))
        {
            return "2.25." + random.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (!IsValid(root) || root.Length > 40)
        {
            throw new ArgumentException($"'{root}' is not a usable UID root: it must be a valid UID of at most 40 characters.", nameof(root));
        }

        var suffix = random.ToString(System.Globalization.CultureInfo.InvariantCulture);
        suffix = suffix[..Math.Min(suffix.Length, 64 - root.Length - 1)].TrimStart('0');
        return $"{root}.{(suffix.Length == 0 ? "1" : suffix)}";
    }

    /// <summary>
    /// The same UID every time for the same name: "2.25." and the first 128 bits of the name's SHA-256 (a name-based
    /// UUID in spirit). For UIDs that several writers must agree on without talking, e.g. a series' frame of reference.
    /// </summary>
    public static string FromName(string name)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name));
        return "2.25." + new BigInteger(hash.AsSpan(0, 16), isUnsigned: true).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>At most 64 characters; components of digits separated by single dots; no component with a leading zero.</summary>
    public static bool IsValid(string? uid) => Validate(uid) is null;

    /// <summary>Why a UID is invalid, or null when it is valid.</summary>
    public static string? Validate(string? uid)
    {
        if (string.IsNullOrEmpty(uid))
        {
            return "a UID cannot be empty";
        }

        if (uid.Length > 64)
        {
            return $"a UID has at most 64 characters, this one has {uid.Length}";
        }

        foreach (var component in uid.Split('.'))
        {
            if (component.Length == 0)
            {
                return "a UID cannot have an empty component (two dots, or a dot at either end)";
            }

            if (!component.All(char.IsAsciiDigit))
            {
                return "a UID holds only digits and dots";
            }

            if (component.Length > 1 && component[0] == '0')
            {
                return $"the component '{component}' has a leading zero";
            }
        }

        return null;
    }
}
