using System.Text;
using Imaging.ImagingImport.Cohort;
using SharpFuzz;

// The input is the text a client puts in the `query` parameter. Every input must either decode into a query whose
// QIDO-RS searches can be built, or fail with CohortQueryException (the 400's reason). A query that decodes must also
// survive its own round trip: encoding it and decoding again gives the same searches.
Fuzzer.OutOfProcess.Run(stream =>
{
    using var reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: false));
    var text = reader.ReadToEnd();
    CohortQuery query;
    try
    {
        query = CohortQuery.Parse(text);
    }
    catch (CohortQueryException)
    {
        return;
    }

    var searches = query.ToQidoSearches();
    var again = CohortQuery.Parse(query.Encode()).ToQidoSearches();
    if (searches.Count != again.Count || searches.Zip(again).Any(pair => !pair.First.OrderBy(k => k.Key).SequenceEqual(pair.Second.OrderBy(k => k.Key))))
    {
        throw new InvalidOperationException("A decoded query does not survive encoding and decoding again.");
    }
});
