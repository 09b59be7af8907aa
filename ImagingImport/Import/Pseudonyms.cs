using System.Security.Cryptography;

namespace Imaging.ImagingImport.Import;

/// <summary>
/// The XNAT subject label of a patient in a project: "SUBJ-" and 16 base32 characters of HMAC-SHA256(key, project, patient
/// id). The same patient gets the same label in one project and unrelated labels in two; without the key a label cannot
/// be traced back to the patient id.
/// </summary>
public static class Pseudonyms
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static string SubjectLabel(string key, string project, string patientId)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes($"{project}\0{patientId}"));
        var label = new StringBuilder("SUBJ-", 21);
        // 16 characters of 5 bits: the first 80 bits of the MAC.
        for (var i = 0; i < 16; i++)
        {
            var bit = i * 5;
            var value = ((mac[bit / 8] << 8) | mac[(bit / 8) + 1]) >> (11 - (bit % 8)) & 31;
            label.Append(Alphabet[value]);
        }

        return label.ToString();
    }
}
