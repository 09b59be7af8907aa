using Imaging.ImagingImport.Cohort;

namespace ImagingImport.Tests;

/// <summary>Cohort queries as a caller sends them: encoded by Python's base64 module (the seed's platform), with and without padding.</summary>
public sealed class CohortQueryTests
{
    private const string Query = """{"accession_numbers": ["ACC-1", "ACC-2"], "modalities": ["CT"], "study_date_from": "20240101", "study_date_to": "20241231", "study_description": "CHEST*", "patient_ids": []}""";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_query_encoded_by_python_decodes_with_or_without_its_padding(bool keepPadding)
    {
        // Python's urlsafe_b64encode of UTF-8 text with an é, whose bytes make '-' and '_' likely and need padding.
        var encoded = ExternalTool.Run("/usr/bin/python3", "-c",
            "import base64,sys;e=base64.urlsafe_b64encode(sys.argv[1].encode()).decode();print(e if sys.argv[2]=='1' else e.rstrip('='))",
            Query.Replace("CHEST*", "CHÉST*", StringComparison.Ordinal), keepPadding ? "1" : "0");

        var query = CohortQuery.Parse(encoded);

        Assert.Equal(["ACC-1", "ACC-2"], query.AccessionNumbers);
        Assert.Equal("CHÉST*", query.StudyDescription);
        Assert.Equal(("20240101", "20241231"), (query.StudyDateFrom, query.StudyDateTo));
        var again = CohortQuery.Parse(query.Encode());
        Assert.Equal(query.AccessionNumbers, again.AccessionNumbers);
        Assert.Equal(query.Modalities, again.Modalities);
        Assert.Equal(query.StudyDescription, again.StudyDescription);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("e30@", "not base64url")]
    [InlineData("eyJ", "not base64url")]
    [InlineData("_w", "UTF-8")]
    [InlineData("bm90IGpzb24", "not the cohort JSON")]
    public void Text_that_is_not_an_encoded_query_is_refused_with_the_reason(string encoded, string reason)
    {
        var refused = Assert.Throws<CohortQueryException>(() => CohortQuery.Parse(encoded));
        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{}", "selects nothing")]
    [InlineData("""{"accession_numbers": []}""", "selects nothing")]
    [InlineData("""{"favourite_colour": "blue"}""", "not the cohort JSON")]
    [InlineData("""{"accession_numbers": ["A*"]}""", "accession_numbers holds 'A*'")]
    [InlineData("""{"patient_ids": ["P1\\P2"]}""", "patient_ids holds")]
    [InlineData("""{"accession_numbers": ["12345678901234567"]}""", "1 to 16 characters")]
    [InlineData("""{"study_date_from": "2024-01-01"}""", "not a DICOM date")]
    [InlineData("""{"study_date_from": "20241231", "study_date_to": "20240101"}""", "is after")]
    [InlineData("""{"modalities": "CT"}""", "not the cohort JSON")]
    public void A_query_that_is_not_a_cohort_is_refused_with_the_reason(string json, string reason)
    {
        var encoded = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var refused = Assert.Throws<CohortQueryException>(() => CohortQuery.Parse(encoded));
        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lists_become_one_QIDO_search_per_combination_each_with_the_range_and_description()
    {
        var query = new CohortQuery { AccessionNumbers = ["A1", "A2"], Modalities = ["CT", "MR", "CT"], StudyDateFrom = "20240101", StudyDescription = "HEAD*" };

        var searches = query.ToQidoSearches();

        Assert.Equal(4, searches.Count);
        Assert.Equal(["A1/CT", "A1/MR", "A2/CT", "A2/MR"], searches.Select(s => $"{s["AccessionNumber"]}/{s["ModalitiesInStudy"]}"));
        Assert.All(searches, s => Assert.Equal(("20240101-", "HEAD*", false), (s["StudyDate"], s["StudyDescription"], s.ContainsKey("PatientID"))));
    }
}
